"""analyze_photo: one file in, plain picklable data out.

It is a pure function of the file and the settings, so it runs on any
`concurrent.futures.Executor`: the local process pool or a Dask cluster's executor. Workers never
touch the library; the scan's single writer stores what comes back.

Detection runs on a resized copy whose scale is picked per photo: large photos shrink to
`detect_side` (HOG cost grows with pixels, and a 12-megapixel photo's faces are large), small ones
grow up to `max_upscale` (the HOG window is 80 px, so small faces need more pixels). When the
first pass finds faces near that smallest size, a group photo probably holds smaller ones too, and
a second pass at twice the scale looks for them.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from album.config import Settings
from album.faces.engine import HOG_WINDOW, Detection, FaceEngine, engine_for
from album.imaging import Photo, PhotoError, open_photo, oriented_size, read_file, square_crop
from album.interop.file_names import FileNames
from album.interop.name_faces import ImportedNames, name_faces, read_names

# A first-pass face smaller than this many detector windows suggests smaller faces were missed.
REFINE_BELOW = 1.6
# A refining pass must look at least this much closer to be worth its cost.
REFINE_MIN_GAIN = 1.5
HASH_BYTES = 16
FAULT_CRASH_ENV = "ALBUM_FAULT_CRASH"


@dataclass
class FaceFound:
    """One detected face. `box` is (top, right, bottom, left) in the upright original's pixels."""

    box: tuple[int, int, int, int]
    score: float
    embedding: np.ndarray
    crop: bytes
    manual: bool = False  # not detected: a region someone drew (here or in another program)

    @property
    def side(self) -> int:
        top, right, bottom, left = self.box
        return max(right - left, bottom - top)


@dataclass
class PhotoAnalysis:
    path: str
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    faces: list[FaceFound] = field(default_factory=list)
    error: str | None = None
    detector: str = ""
    fingerprint: str = ""
    seconds: float = 0.0
    names: ImportedNames | None = None  # names the photo's files gave its faces
    file_names: FileNames | None = None  # read with the file; turned into `names`
    names_state: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=HASH_BYTES).hexdigest()


def file_hash(path: Path | str) -> str:
    """The content hash of a file on disk, read in chunks (used to recognise moved photos)."""
    digest = hashlib.blake2b(digest_size=HASH_BYTES)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def detection_scale(width: int, height: int, settings: Settings) -> float:
    """Detection picture's pixels per original pixel for a photo of this size."""
    return min(settings.max_upscale, settings.detect_side / max(width, height))


def analyze_photo(path: str | Path, settings: Settings) -> PhotoAnalysis:
    return analyze_photos([path], settings)[0]


def analyze_photos(paths: list[str | Path], settings: Settings) -> list[PhotoAnalysis]:
    """Analyze several photos; with the CNN detector their first detection pass is one batch."""
    engine = engine_for(settings)
    started = time.perf_counter()
    results: list[PhotoAnalysis] = []
    loaded: list[tuple[PhotoAnalysis, Photo, float, np.ndarray]] = []
    for path in paths:
        _fault_hook(path)
        result = PhotoAnalysis(
            path=str(path), detector=engine.detector_name, fingerprint=settings.fingerprint()
        )
        results.append(result)
        try:
            photo = _read(Path(path), result, settings)
            scale = detection_scale(photo.width, photo.height, settings)
            loaded.append((result, photo, scale, _resized(photo, scale)))
        except PhotoError as exc:
            result.error = str(exc)
    found = engine.detect_batch([pixels for *_, pixels in loaded]) if loaded else []
    for (result, photo, scale, _), detections in zip(loaded, found, strict=True):
        try:
            _finish(engine, settings, result, photo, scale, detections)
            _name_faces(engine, settings, result, photo)
        except MemoryError:
            result.error = "not enough memory to analyze this photo"
            result.faces = []
    elapsed = (time.perf_counter() - started) / max(len(paths), 1)
    for result in results:
        result.seconds = elapsed
    return results


def _fault_hook(path: str | Path) -> None:
    """Fault injection for the torture tests: a worker process whose photo's name contains
    $ALBUM_FAULT_CRASH kills itself with SIGKILL, as a decoder crash or the kernel's OOM
    killer would. Only in a worker (a process with a multiprocessing parent), never in the
    process that owns the library or the window."""
    marker = os.environ.get(FAULT_CRASH_ENV)
    if marker and marker in Path(path).name and multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)


def analyze_region(
    path: str | Path, box: tuple[int, int, int, int], settings: Settings
) -> FaceFound:
    """A face the user drew where the detector found none: encoded like any other.

    `box` is (top, right, bottom, left) in the upright original's pixels.
    """
    engine = engine_for(settings)
    photo = open_photo(path, max_pixels=settings.max_pixels)
    top, right, bottom, left = box
    if right - left < 8 or bottom - top < 8:
        raise PhotoError("the box is too small to be a face")
    return _encode_box(engine, settings, photo, box)


def _encode_box(
    engine: FaceEngine, settings: Settings, photo: Photo, box: tuple[int, int, int, int]
) -> FaceFound:
    top, right, bottom, left = box
    det = Detection(left, top, right, bottom, 0.0)
    local = det.scaled(photo.scale)
    embedding = engine.encode(photo.pixels(), [local])[0]
    local_box = (round(local.top), round(local.right), round(local.bottom), round(local.left))
    crop = square_crop(photo.image, local_box, settings.crop_size)
    clamped = _clamped_box(det, photo.width, photo.height)
    return FaceFound(box=clamped, score=0.0, embedding=embedding, crop=crop, manual=True)


def _name_faces(
    engine: FaceEngine, settings: Settings, result: PhotoAnalysis, photo: Photo
) -> None:
    """Names from the photo's XMP, sidecars and Picasa file (album.interop) on its faces."""
    if result.file_names is None or result.names_state is None:
        return
    result.names = name_faces(
        result.file_names,
        result.names_state,
        result.faces,  # type: ignore[arg-type]
        photo.width,
        photo.height,
        lambda box: _encode_box(engine, settings, photo, box),
        result.mtime_ns,
    )
    result.file_names = None


def _read(path: Path, result: PhotoAnalysis, settings: Settings) -> Photo:
    data, stat = read_file(path)
    result.size, result.mtime_ns = stat.st_size, stat.st_mtime_ns
    result.content_hash = content_hash(data)
    if settings.import_names:
        result.file_names, result.names_state = read_names(path, data)
    width, height = oriented_size(path, data)
    scale = detection_scale(width, height, settings)
    side = max(width, height)
    # Decode no more pixels than detection needs: JPEG draft() hands them back nearly free.
    needed = None if scale >= 1 else max(int(side * scale) + 1, 1)
    photo = open_photo(path, data, min_side=needed, max_pixels=settings.max_pixels)
    result.width, result.height, result.taken_at = photo.width, photo.height, photo.taken_at
    return photo


def _resized(photo: Photo, scale: float) -> np.ndarray:
    factor = scale / photo.scale
    image = photo.image
    if abs(factor - 1) > 0.01:
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(image)


def _finish(
    engine: FaceEngine,
    settings: Settings,
    result: PhotoAnalysis,
    photo: Photo,
    scale: float,
    detections: list[Detection],
) -> None:
    if settings.refine_small_faces and detections:
        smallest = min(d.side for d in detections)
        finer = min(settings.max_upscale, scale * 2)
        if smallest < HOG_WINDOW * REFINE_BELOW and finer >= scale * REFINE_MIN_GAIN:
            if finer > photo.scale + 1e-6 and photo.scale < 1:
                photo = open_photo(result.path, max_pixels=settings.max_pixels)
            more = engine.detect(_resized(photo, finer))
            detections = _merge(
                [d.scaled(1 / finer) for d in more], [d.scaled(1 / scale) for d in detections]
            )
            scale = 1.0
    original = [d.scaled(1 / scale) for d in detections]
    # Encode and crop from the decoded picture (at least as sharp as the detection copy).
    in_decoded = [d.scaled(photo.scale) for d in original]
    pixels = photo.pixels()
    embeddings = engine.encode(pixels, in_decoded)
    for det, local, embedding in zip(original, in_decoded, embeddings, strict=True):
        box = _clamped_box(det, photo.width, photo.height)
        local_box = (round(local.top), round(local.right), round(local.bottom), round(local.left))
        crop = square_crop(photo.image, local_box, settings.crop_size)
        result.faces.append(FaceFound(box=box, score=det.score, embedding=embedding, crop=crop))


def _clamped_box(det: Detection, width: int, height: int) -> tuple[int, int, int, int]:
    return (
        max(0, round(det.top)),
        min(width, round(det.right)),
        min(height, round(det.bottom)),
        max(0, round(det.left)),
    )


def _merge(primary: list[Detection], extra: list[Detection]) -> list[Detection]:
    """`primary` plus each face of `extra` that none of them overlaps."""
    merged = list(primary)
    for d in extra:
        if all(iou(_as_box(d), _as_box(p)) < 0.3 for p in primary):
            merged.append(d)
    return merged


def _as_box(d: Detection) -> tuple[float, float, float, float]:
    return (d.top, d.right, d.bottom, d.left)


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (top, right, bottom, left) boxes."""
    top, right = max(a[0], b[0]), min(a[1], b[1])
    bottom, left = min(a[2], b[2]), max(a[3], b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    area_a = (a[1] - a[3]) * (a[2] - a[0])
    area_b = (b[1] - b[3]) * (b[2] - b[0])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0
