"""Turn any photo file into an upright 8-bit RGB picture, or a readable reason why not.

`face_recognition.load_image_file` ignores EXIF orientation (a sideways phone photo then shows
no face) and decodes every pixel of a 12-megapixel JPEG just to shrink it again. Here the JPEG
decoder's `draft()` scales down nearly for free, orientation is applied with tolerance for
broken EXIF, and every odd mode (16-bit, CMYK, palette, alpha, grey) ends as plain RGB.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from album.interop import dates, places
from album.interop.file_names import sidecar_orientation
from album.interop.jpeg_xmp import JpegXmpError, read_jpeg_packet
from album.interop.places import Coordinates
from album.interop.xmp_read import find_packet

# Pillow's own bomb check is a warning up to 2x its limit; we apply our own limit instead.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

PHOTO_SUFFIXES = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".webp",
        ".tif",
        ".tiff",
        ".bmp",
        ".gif",
        ".heic",
        ".heif",
        ".avif",
    ]
)
RAW_SUFFIXES = frozenset(
    [
        ".cr2",
        ".cr3",
        ".crw",
        ".nef",
        ".nrw",
        ".arw",
        ".srf",
        ".sr2",
        ".dng",
        ".orf",
        ".rw2",
        ".raf",
        ".pef",
        ".srw",
        ".x3f",
        ".3fr",
        ".iiq",
    ]
)
# Videos are rows of the library like photos (album.video): a poster frame stands for them in
# every grid, and their faces come from a few frames spread over their length.
VIDEO_SUFFIXES = frozenset([".mp4", ".mov", ".m4v", ".3gp", ".avi", ".mkv", ".webm"])
_TRANSPOSE_SWAPS_SIDES = frozenset({5, 6, 7, 8})
_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_heif_registered = False
MESSAGE_CHARS = 160  # of a decoder's own words in a photo's error


class PhotoError(Exception):
    """A photo that cannot be analyzed; the message is shown to the user as is."""


@dataclass
class Photo:
    """An upright RGB picture, possibly decoded smaller than the file holds.

    `scale` converts this picture's pixels to the oriented original's: boxes found here are
    multiplied by 1/scale before they are stored, so they always refer to the full photo.
    """

    image: Image.Image
    width: int  # the oriented original's size
    height: int
    scale: float
    taken_at: str | None
    place: Coordinates | None = None  # where it was taken (latitude, longitude), when it says

    def pixels(self) -> np.ndarray:
        return np.asarray(self.image)


def is_photo(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in PHOTO_SUFFIXES or suffix in RAW_SUFFIXES


def is_video(path: Path | str) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def is_media(path: Path) -> bool:
    """What a scan takes in: photos and videos."""
    return is_photo(path) or is_video(path)


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
        value = int(value)
    except Exception:  # broken EXIF must not fail the photo
        return 1
    return value if 1 <= value <= 8 else 1


def photo_orientation(path: Path | str, image: Image.Image) -> int:
    """How the stored pixels of `image` (the file at `path`) are turned upright: the sidecar's
    orientation when it has one (album.interop), else the file's EXIF. One rule for the scan,
    the face crops, the thumbnails, the viewer and the regions read and written as XMP: a photo
    turned one way for its faces and another for the screen shows boxes beside the faces.
    """
    turned = sidecar_orientation(Path(path))
    return turned if turned is not None else _orientation(image)


def _packet(data: bytes, image_format: str | None, suffix: str) -> bytes | None:
    """The photo's embedded XMP. A JPEG's headers are read segment by segment: searching the
    whole file cost 11 ms on a 10 MB photo, its segments 9 µs."""
    if image_format == "JPEG":
        try:
            return read_jpeg_packet(data)
        except JpegXmpError:
            return None
    return find_packet(data, suffix)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Every mode Pillow can hand us, as 8-bit RGB; transparency becomes white."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # convert("L") clips 16-bit values at 255, which whitens the whole picture.
        data = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") else max(float(data.max()), 1.0)
        if mode in ("I", "F") and top <= 255.0:
            top = 255.0
        grey = np.clip(data * (255.0 / top), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _raw_preview(data: bytes) -> bytes | None:
    """The largest JPEG a RAW file embeds (cameras store a full-size preview), if any."""
    best: tuple[int, int] | None = None
    start = data.find(b"\xff\xd8\xff")
    while start != -1:
        end = data.find(b"\xff\xd9", start + 3)
        if end == -1:
            break
        if best is None or end - start > best[1] - best[0]:
            best = (start, end + 2)
        start = data.find(b"\xff\xd8\xff", end)
    if best is None or best[1] - best[0] < 20_000:
        return None
    return data[best[0] : best[1]]


def oriented_size(path: Path | str, data: bytes) -> tuple[int, int]:
    """(width, height) of the upright photo, from its header alone; (1, 1) if unreadable.

    Lets a caller choose how far to scale down before paying for the decode.
    """
    try:
        if Path(path).suffix.lower() in (".heic", ".heif", ".avif"):
            _register_heif()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if photo_orientation(path, image) in _TRANSPOSE_SWAPS_SIDES:
                width, height = height, width
        return max(width, 1), max(height, 1)
    except Exception:
        return 1, 1  # open_photo will report what is wrong


def read_file(path: Path) -> tuple[bytes, os.stat_result]:
    """A photo's bytes and the size and times they were read with (one open, so the stat
    describes exactly these bytes). A file that vanished or is locked is that photo's error."""
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            return handle.read(), stat
    except FileNotFoundError:
        raise PhotoError("the file disappeared before it could be read") from None
    except PermissionError:
        raise PhotoError("permission denied") from None
    except IsADirectoryError:
        raise PhotoError("not a file") from None
    except OSError as exc:
        raise PhotoError(f"cannot read the file: {exc.strerror or exc}") from None


def open_photo(
    path: Path | str,
    data: bytes | None = None,
    *,
    min_side: int | None = None,
    max_pixels: int = 200_000_000,
) -> Photo:
    """Decode `path` (or its already-read bytes) upright as RGB.

    `min_side` lets the decoder hand back a smaller picture whose long side is still at least
    that many pixels (JPEG draft mode); None decodes at full size.
    Raises PhotoError with a message for the user; never anything else for bad input.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        # A video's picture is its poster frame, so every grid, crop and export that opens a
        # photo shows a video without knowing about one. Imported here: decoding a video
        # needs PyAV, which no photo should pay for.
        from album import video

        return video.poster(path, min_side=min_side)
    if data is None:
        data, _ = read_file(path)
    if not data:
        raise PhotoError("the file is empty (0 bytes)")
    if suffix in RAW_SUFFIXES:
        preview = _raw_preview(data)
        if preview is None:
            raise PhotoError(f"RAW photos ({suffix}) are not supported and this one has no preview")
        data = preview
    if suffix in (".heic", ".heif", ".avif"):
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _decode(path, data, min_side=min_side, max_pixels=max_pixels)
    except PhotoError:
        raise
    except UnidentifiedImageError:
        raise PhotoError("not an image, or a format album cannot read") from None
    except MemoryError:
        raise PhotoError("not enough memory to decode this photo") from None
    except Exception as exc:  # Pillow signals corrupt data with many exception types
        # One line, not too long: decoders (libheif) end theirs with newlines or go on at length.
        message = " ".join(str(exc).split()) or type(exc).__name__
        if len(message) > MESSAGE_CHARS:
            message = message[: MESSAGE_CHARS - 1] + "…"
        if "truncated" in message.lower():
            message = "the file is truncated (incomplete download or copy?)"
        raise PhotoError(f"cannot decode the image: {message}") from None


def _decode(path: Path, data: bytes, *, min_side: int | None, max_pixels: int) -> Photo:
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if width < 1 or height < 1:
        raise PhotoError("the image has no pixels")
    if width * height > max_pixels:
        raise PhotoError(
            f"the image is too large to decode safely: {width}x{height} pixels "
            f"(limit {max_pixels // 1_000_000} megapixels)"
        )
    orientation = photo_orientation(path, image)
    try:
        exif = image.getexif()
    except Exception:  # broken EXIF must not fail the photo
        exif = Image.Exif()
    # Found at most once for the date and the place, and only if EXIF lacks one of them.
    packet = functools.cache(lambda: _packet(data, image.format, path.suffix))
    taken_at = dates.taken_at(exif, packet)
    place = places.coordinates(exif, packet)
    if min_side and image.format == "JPEG" and max(width, height) > min_side:
        ratio = min_side / max(width, height)
        image.draft("RGB", (max(1, int(width * ratio)), max(1, int(height * ratio))))
    # A truncated file is an error to report, never a photo with a grey bottom half. Set here,
    # not only at import: `import face_recognition` turns Pillow's process-wide switch on.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    image.load()
    scale = image.size[0] / width
    image = _to_rgb(image)
    if orientation != 1:
        image = image.transpose(_TRANSPOSES[orientation])
    if orientation in _TRANSPOSE_SWAPS_SIDES:
        width, height = height, width
    return Photo(
        image=image, width=width, height=height, scale=scale, taken_at=taken_at, place=place
    )


def square_crop(
    image: Image.Image, box: tuple[int, int, int, int], size: int, margin: float = 0.35
) -> bytes:
    """A WebP thumbnail of one face with some context around it, for the people views (2.6 KB
    at 120 px against JPEG's 4.1 KB at the same look, measured on the test faces; Qt and
    Pillow both read it).

    `box` is (top, right, bottom, left) in `image`'s pixels, like face_recognition's boxes.
    """
    top, right, bottom, left = box
    face_side = max(right - left, bottom - top)
    # The margin gives way where the picture ends: the square shrinks to fit the picture (never
    # below the face itself) and slides back inside it, so a face near the edge of a small
    # photo fills its avatar with the photo, not with padding.
    side = max(face_side, min(face_side * (1 + 2 * margin), image.width, image.height))
    cx, cy = (left + right) / 2, (top + bottom) / 2
    x0 = min(max(cx - side / 2, 0), max(image.width - side, 0))
    y0 = min(max(cy - side / 2, 0), max(image.height - side, 0))
    region = (round(x0), round(y0), round(x0 + side), round(y0 + side))
    # Only a face larger than the picture itself reaches past it: fill that with grey rather
    # than crop()'s black, which reads as a dark photo.
    crop = Image.new("RGB", (region[2] - region[0], region[3] - region[1]), (128, 128, 128))
    inside = (
        max(region[0], 0),
        max(region[1], 0),
        min(region[2], image.width),
        min(region[3], image.height),
    )
    if inside[0] < inside[2] and inside[1] < inside[3]:
        crop.paste(image.crop(inside), (inside[0] - region[0], inside[1] - region[1]))
    crop = crop.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, "WEBP", quality=80)
    return out.getvalue()


def thumbnail_image(path: Path | str, side: int) -> Image.Image:
    """A small upright RGB picture of a whole photo, for the grids."""
    photo = open_photo(path, min_side=side)
    image = photo.image.copy()
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return image.convert("RGB")
