"""Any photo file a user has either yields its faces or a readable reason, never a crash."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.config import Settings
from album.faces.analyze import analyze_photo, iou
from album.imaging import PhotoError, open_photo
from tests.conftest import STORE_AS


@pytest.fixture(scope="module")
def portrait(faces: Path) -> Image.Image:
    """A real upright photo, taller than wide, with one face."""
    image = Image.open(faces / "web-celebs" / "will_smith" / "00000007.jpg").convert("RGB")
    image.thumbnail((400, 600))
    return image


def _save_with_orientation(image: Image.Image, orientation: int, path: Path) -> Path:
    stored = image if STORE_AS[orientation] is None else image.transpose(STORE_AS[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def test_every_exif_orientation_finds_the_same_face(portrait: Image.Image, tmp_path: Path):
    settings = Settings(workers=1)
    upright = analyze_photo(_save_with_orientation(portrait, 1, tmp_path / "o1.jpg"), settings)
    assert len(upright.faces) == 1
    for orientation in range(2, 9):
        path = _save_with_orientation(portrait, orientation, tmp_path / f"o{orientation}.jpg")
        result = analyze_photo(path, settings)
        assert (result.width, result.height) == portrait.size, orientation
        assert len(result.faces) == 1, f"orientation {orientation}: {len(result.faces)} faces"
        assert iou(result.faces[0].box, upright.faces[0].box) > 0.7, orientation
        distance = np.linalg.norm(result.faces[0].embedding - upright.faces[0].embedding)
        assert distance < 0.25, f"orientation {orientation}: same face, distance {distance:.2f}"


def test_broken_exif_does_not_fail_the_photo(portrait: Image.Image, tmp_path: Path):
    path = tmp_path / "broken-exif.jpg"
    portrait.save(path, "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff garbage")
    assert open_photo(path).image.size == portrait.size
    odd = Image.Exif()
    odd[0x0112] = 42  # not an orientation at all
    path2 = tmp_path / "odd-orientation.jpg"
    portrait.save(path2, "JPEG", exif=odd.tobytes())
    assert len(analyze_photo(path2, Settings(workers=1)).faces) == 1


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its data does not have (a decompression bomb)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.fixture
def bad_files(tmp_path: Path, portrait: Image.Image) -> dict[str, Path]:
    folder = tmp_path / "bad"
    folder.mkdir()
    good = io.BytesIO()
    portrait.save(good, "JPEG", quality=90)
    files = {
        "empty.jpg": b"",
        "truncated.jpg": good.getvalue()[: len(good.getvalue()) // 3],
        "text.jpg": b"this is not a photo, it is a shopping list\n",
        "bomb.png": _png_declaring(30000, 30000),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    grey = np.asarray(portrait.convert("L"), dtype=np.uint16) * 257
    paths["grey16.png"] = folder / "grey16.png"
    Image.fromarray(grey).save(paths["grey16.png"])
    paths["cmyk.jpg"] = folder / "cmyk.jpg"
    portrait.convert("CMYK").save(paths["cmyk.jpg"], "JPEG", quality=95)
    return paths


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.jpg", "empty"),
        ("truncated.jpg", "truncated"),
        ("text.jpg", "not an image"),
        ("bomb.png", "too large"),
    ],
)
def test_bad_file_becomes_a_readable_error(bad_files: dict[str, Path], name: str, message: str):
    with pytest.raises(PhotoError, match=message):
        open_photo(bad_files[name])
    result = analyze_photo(bad_files[name], Settings(workers=1))
    assert result.error is not None and message in result.error
    assert result.faces == []


@pytest.mark.parametrize("name", ["grey16.png", "cmyk.jpg"])
def test_unusual_pixel_formats_still_show_the_face(bad_files: dict[str, Path], name: str):
    photo = open_photo(bad_files[name])
    assert photo.image.mode == "RGB"
    # A 16-bit picture squeezed wrongly into 8 bits comes out white; this one keeps its tones.
    assert 40 < np.asarray(photo.image).mean() < 215
    result = analyze_photo(bad_files[name], Settings(workers=1))
    assert result.error is None
    assert len(result.faces) == 1


def test_transparent_palette_and_animated_gif(portrait: Image.Image, tmp_path: Path):
    palette = portrait.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.info["transparency"] = 0
    palette.save(tmp_path / "palette.png", transparency=0)
    frames = [portrait, portrait.transpose(Image.Transpose.FLIP_TOP_BOTTOM)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    for name in ("palette.png", "anim.gif"):
        result = analyze_photo(tmp_path / name, Settings(workers=1))
        assert result.error is None, result.error
        assert len(result.faces) == 1, name


def test_heic_photo(portrait: Image.Image, tmp_path: Path):
    pillow_heif = pytest.importorskip("pillow_heif")
    path = tmp_path / "phone.heic"
    try:
        pillow_heif.from_pillow(portrait).save(path, quality=90)
    except Exception as exc:  # a libheif built without an HEVC encoder
        pytest.skip(f"this pillow-heif cannot write HEIC: {exc}")
    result = analyze_photo(path, Settings(workers=1))
    assert result.error is None, result.error
    assert len(result.faces) == 1
