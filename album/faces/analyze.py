"""analyze_photo: one file in, plain picklable data out.

It is a pure function of the file and the settings, so it runs on any
`concurrent.futures.Executor`: the local process pool or a Dask cluster's executor. Workers never
touch the library; the scan's single writer stores what comes back.

With the HOG detector each photo gets a detection plan chosen from its size, because HOG's cost
grows with the pixels it searches and a phone photo's faces are large:
- a coarse pass over the whole photo: at its own size between `COARSE_SMALLEST` and
  `COARSE_SIDE` pixels, larger photos shrunk to `COARSE_SIDE` (a 12 MP photo at 1/2, where a
  129 px face is still seen; at 1/4 it was not), smaller ones enlarged to `COARSE_SMALLEST`;
  decoded at that size by the JPEG decoder itself (draft scale 1/2, 1/4 or 1/8: almost free)
  rather than decoded at 12 MP and shrunk; a photo so small that no closer look could pay is
  searched at the naive loop's 2x;
- the coarse pass's doubtful windows (scored just below HOG's threshold: a face the naive loop
  finds at 2x often scores -0.3 to 0 at the coarse scale) are looked at again, twice as close, in
  a tile around each;
- a photo where the coarse pass found nothing, yet large enough to hold faces it cannot see (the
  HOG window is 80 px), is searched once more at the finest scale whose picture stays under
  `FINE_PIXELS` (so never a 30-megapixel picture): where skin-coloured pixels could make such a
  face (album.faces.hiding_places), and as a whole where the photo's colours cannot tell;
- faces found near the smallest size a pass can see suggest smaller ones beside them (the rows of
  a group photo): the bands of the photo around them are searched at twice that scale;
- beside a face found well above that size (a near person, with others farther away), the tiles
  left and right of it, in its rows, are searched at twice the coarse scale, when that reaches
  the naive loop's own scale and the tiles are a small picture (`BESIDE_PIXELS`).
The closer looks, bands and tiles beside search only the levels of their pyramid finer than the
coarse pass's (`pyramid_levels`): the larger faces were that pass's to find, and at 1x over a
12 MP photo the levels below 1/2 were 15 % of the search.
The closer look is screened first (`_screened_pass`): the picture at half its scale, read by the
same detector in cells of half the size (FaceEngine.screen), marks the windows where a face
could be, and the look's own search runs only in a tile around each. A 12 MP photo of no one is
then screened on the half-size picture the coarse pass decoded, and decoded whole only when a
window is marked. The coarse pass of a photo shrunk for it is split the same way
(`_coarse_pass`): its finest levels screened, its larger faces searched at half its scale.
Faces are encoded from the smallest decoded picture where they are at least `ENCODE_SIDE` pixels
(dlib's face chip is 150 px, the face about 100 of them), decoding a finer one only when needed.
The CNN detector (a CUDA build of dlib) keeps one batched pass per photo at `detect_side`.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from album.config import COARSE_SIDE, Settings
from album.duplicates import perceptual_hash
from album.faces.engine import (
    HOG_CELL,
    HOG_STEP,
    HOG_WINDOW,
    SCREEN_CELLS,
    Detection,
    FaceEngine,
    engine_for,
)
from album.faces.hiding_places import hiding_places
from album.faces.quality import recognisable, sharpness
from album.imaging import (
    Photo,
    PhotoError,
    is_video,
    open_photo,
    oriented_size,
    read_file,
    square_crop,
)
from album.interop.file_names import FileNames
from album.interop.name_faces import ImportedNames, name_faces, read_names

# A first-pass face smaller than this many detector windows suggests smaller faces were missed.
REFINE_BELOW = 1.6
# A refining pass must look at least this much closer to be worth its cost.
REFINE_MIN_GAIN = 1.5
# The HOG plan (see the module's docstring); benchmarks/scan_speed.py --sizes measured them.
COARSE_SMALLEST = 1000
FINE_PIXELS = 13_000_000
BAND_MARGIN = 1.0  # face heights searched above and below the small faces of a band
# The tiles beside a large face are searched only when they hold at most this many pixels at
# 2x: small photos, where it is cheap. On the 242 web photos 1 MP added 1.5 s to 58 s of
# detect and refine, 2 MP 9.5 s, 3 MP 14 s (see _look_beside).
BESIDE_PIXELS = 1_000_000
ENCODE_SIDE = 100
# Coarse windows scored between this and 0 are doubtful: looked at again, VERIFY_GAIN times
# closer, in a tile VERIFY_MARGIN face sides wider on each side (see _verify).
DOUBT_THRESHOLD = -0.6
VERIFY_GAIN = 2.0
VERIFY_MIN_GAIN = 1.2
VERIFY_MARGIN = 1.0
LARGE_DOUBT = 2.0  # a doubtful window this many detector windows wide at the coarse scale ...
LARGE_LOOK = 1.5  # ... is looked at again from pictures where it is this many windows wide ...
HALF_STEP = (5 / 6) ** 0.5  # ... and half a pyramid step smaller
# A named region from a file where the detector found no face is looked at once more: the
# region and REGION_MARGIN of its side around it, searched with the region REGION_SIDE px
# wide, keeping windows down to REGION_THRESHOLD that overlap it (IoU REGION_LOOK_IOU). On
# web-celebs and group-photos, 120 detected faces drawn 20 % larger (as other programs draw
# them) scored -0.20 or more there; 146 areas holding no face, and the regions named "leaf"
# and "Vuk the fox" on a tree and on rain, -0.62 or less.
REGION_SIDE = 160
REGION_MARGIN = 0.5
REGION_THRESHOLD = -0.5
REGION_LOOK_IOU = 0.2
# A photo of NATIVE_PIXELS or more searched up to NATIVE_SLACK times closer than its own
# pixels is searched at them: dlib's doubling of a half-size picture to search a 12 MP photo
# at 1.03x took 30 % longer than the photo's own pixels. (Searching in grey, one gradient a
# pixel instead of the strongest of three colours, took 30 % less time again but lost faces:
# 2 of the 12mp set's 41 searched whole in grey, 1 of them, scored 0.06 in colour, when grey
# only chose the windows colour then decided. benchmarks/scan_speed.py.)
NATIVE_PIXELS = 4_000_000
NATIVE_SLACK = 1.1
# The closer look is screened (FaceEngine.screen): the windows scored SCREEN_THRESHOLD or
# more at half its scale are searched again at it, in tiles SCREEN_MARGIN face sides wider
# on each side. Of the 1,755 faces of up to 220 px HOG found in ../shared/faces (each photo
# searched at 1x and 2x), the screen scored all but 1 at -0.7 or more (will_smith/00000023's
# 124 px, 0.25, at -1.08), all but 4 at -0.6. The phone benchmark's 12 MP scenes of no one
# get 10-20 windows each.
SCREEN_THRESHOLD = -0.7
SCREEN_MARGIN = 1.0
# The coarse pass is screened (`_coarse_pass`) when its larger faces' picture is at least this
# many pixels wide: four detector windows. Below, a whole pass is a few milliseconds.
COARSE_FAR_SIDE = 4 * HOG_WINDOW
DRAFT_SCALES = (1 / 8, 1 / 4, 1 / 2)
DRAFT_SLACK = 1.2  # a draft scale this much finer than asked for is used as it is
STAGES = ("decode", "detect", "refine", "encode")
HASH_BYTES = 16
# Two detections are one face when their boxes overlap this much (IoU), or when this much of
# the smaller lies in the larger (a part of a face scored on its own: see _merge).
SAME_FACE_IOU = 0.3
SAME_FACE_COVER = 0.7
PART_SIDE = 0.8  # a box in a face's box, this much smaller or more, is a part of it
FAULT_CRASH_ENV = "ALBUM_FAULT_CRASH"


@dataclass
class FaceFound:
    """One detected face. `box` is (top, right, bottom, left) in the upright original's pixels."""

    box: tuple[int, int, int, int]
    score: float
    embedding: np.ndarray
    crop: bytes
    manual: bool = False  # not detected: a region someone drew (here or in another program)
    sharpness: float | None = None  # album.faces.quality: None when not measured
    frame_ms: int | None = None  # a video's face: the frame its box is in (album.video)

    @property
    def side(self) -> int:
        top, right, bottom, left = self.box
        return max(right - left, bottom - top)

    @property
    def recognisable(self) -> bool:
        return recognisable(self.sharpness)


@dataclass
class PhotoAnalysis:
    path: str
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    place: tuple[float, float] | None = None  # latitude, longitude
    faces: list[FaceFound] = field(default_factory=list)
    error: str | None = None
    detector: str = ""
    fingerprint: str = ""
    seconds: float = 0.0
    names: ImportedNames | None = None  # names the photo's files gave its faces
    file_names: FileNames | None = None  # read with the file; turned into `names`
    names_state: str | None = None
    # album.duplicates.perceptual_hash of the upright picture decoded for detection: near
    # copies are found by it. None when the photo could not be decoded.
    phash: int | None = None
    # Worker seconds spent per stage (STAGES), for the scan's summary and the benchmark.
    stages: dict[str, float] = field(default_factory=dict)
    duration: float | None = None  # a video's length in seconds; None for a photo

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
    """Analyze several photos; with the CNN detector their first detection pass is one batch.
    Videos among them are analysed by their frames (album.faces.video_faces)."""
    engine = engine_for(settings)
    if any(is_video(path) for path in paths):
        # Imported here: that module builds on this one's detection plan.
        from album.faces.video_faces import analyze_video

        photos = iter(analyze_photos([p for p in paths if not is_video(p)], settings))
        return [
            analyze_video(engine, path, settings) if is_video(path) else next(photos)
            for path in paths
        ]
    if engine.detector_name == "hog" and settings.detection_plan:
        return [_analyze_planned(engine, path, settings) for path in paths]
    return _analyze_batched(engine, paths, settings)


def _analyze_batched(
    engine: FaceEngine, paths: list[str | Path], settings: Settings
) -> list[PhotoAnalysis]:
    started = time.perf_counter()
    results: list[PhotoAnalysis] = []
    loaded: list[tuple[PhotoAnalysis, Photo, float, np.ndarray]] = []
    for path in paths:
        _fault_hook(path)
        result = PhotoAnalysis(
            path=str(path), detector=engine.detector_name, fingerprint=settings.fingerprint()
        )
        results.append(result)
        clock = _Stopwatch(result.stages)
        try:
            photo = _read(Path(path), result, settings)
            scale = detection_scale(photo.width, photo.height, settings)
            loaded.append((result, photo, scale, _resized(photo, scale)))
        except PhotoError as exc:
            result.error = str(exc)
        clock.lap("decode")
    detect_started = time.perf_counter()
    found = engine.detect_batch([pixels for *_, pixels in loaded]) if loaded else []
    detect_each = (time.perf_counter() - detect_started) / max(len(loaded), 1)
    for (result, photo, scale, _), detections in zip(loaded, found, strict=True):
        result.stages["detect"] = detect_each
        clock = _Stopwatch(result.stages)
        try:
            _finish(engine, settings, result, photo, scale, detections)
            _name_faces(
                result,
                photo.width,
                photo.height,
                lambda box, photo=photo: _region_face(engine, settings, photo, box),
            )
        except MemoryError:
            result.error = "not enough memory to analyze this photo"
            result.faces = []
        clock.lap("encode")  # the refine pass, when there is one, is counted here too
    elapsed = (time.perf_counter() - started) / max(len(paths), 1)
    for result in results:
        result.seconds = elapsed
    return results


class _Stopwatch:
    """Adds the seconds since the last call to a stage of `stages`."""

    def __init__(self, stages: dict[str, float]) -> None:
        self.stages = stages
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self.last
        self.last = now


class _Pictures:
    """One photo's bytes and the pictures decoded from them so far, smallest first, and the
    whole pictures passes asked for at other scales (`region`), resized once per photo.

    Coordinates are the upright original's pixels; a picture at `scale` has scale x as many.
    """

    def __init__(self, path: Path, data: bytes, width: int, height: int, max_pixels: int) -> None:
        self.path, self.data, self.max_pixels = path, data, max_pixels
        self.width, self.height = width, height
        self.decoded: list[Photo] = []
        self.whole: dict[float, np.ndarray] = {}
        self.large = width * height >= NATIVE_PIXELS

    @property
    def side(self) -> int:
        return max(self.width, self.height)

    def at_least(self, scale: float) -> Photo:
        """A decoded picture with at least `scale` (or all the photo's pixels)."""
        wanted = min(scale, 1.0)
        for photo in self.decoded:
            if photo.scale >= wanted * 0.999 or photo.scale >= 1:
                return photo
        needed = None if wanted >= 1 else max(1, int(self.side * wanted + 0.999))
        photo = open_photo(self.path, self.data, min_side=needed, max_pixels=self.max_pixels)
        if not self.decoded:  # the header's size can disagree with the decoded one
            self.width, self.height = photo.width, photo.height
        self.decoded = sorted([*self.decoded, photo], key=lambda p: p.scale)
        return photo

    def region(
        self, scale: float, box: tuple[int, int, int, int] | None = None
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Pixels of `box` (left, top, right, bottom; None: all) at `scale`, and where the
        returned picture's top-left corner lies in the original."""
        if box is None and scale in self.whole:
            return self.whole[scale], (0, 0)
        photo = self.at_least(scale)
        left, top, right, bottom = box or (0, 0, self.width, self.height)
        image = photo.image
        if box is not None:
            f = photo.scale
            image = image.crop(
                (round(left * f), round(top * f), round(right * f), round(bottom * f))
            )
        factor = scale / photo.scale
        shrink = round(1 / factor) if factor < 1 else 1
        if box is None and shrink > 1 and abs(shrink * factor - 1) < 1e-6:
            # A whole picture at a whole fraction of one decoded (the coarse pass's larger
            # faces, at half its scale): averaged in blocks, 16 ms less than BILINEAR's
            # 3 MP to 0.75 MP.
            image = image.reduce(shrink)
        elif abs(factor - 1) > 0.01:
            size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
            image = image.resize(size, Image.Resampling.BILINEAR)
        pixels = np.asarray(image)
        if box is None:
            self.whole[scale] = pixels
        return pixels, (left, top)


@dataclass(frozen=True)
class _Found:
    """A detection in the original's pixels, and the scale of the pass that found it."""

    det: Detection
    scale: float


def coarse_scale(side: int, settings: Settings) -> float:
    """The first pass's scale: the photo's own size, shrunk to at most COARSE_SIDE pixels or
    enlarged to at least COARSE_SMALLEST (and at most max_upscale, the naive loop's 2x),
    snapped to a JPEG draft scale when one is close: the decoder then hands over the detection
    picture as it is."""
    longest = min(COARSE_SIDE, settings.detect_side)
    scale = min(settings.max_upscale, max(COARSE_SMALLEST / side, min(1.0, longest / side)))
    if scale * REFINE_MIN_GAIN > settings.max_upscale:
        # No closer look could pay: search as the naive loop does, whose scores then agree.
        return settings.max_upscale
    for draft in DRAFT_SCALES:
        if scale <= draft <= scale * DRAFT_SLACK:
            return draft
    return scale


def finest_scale(pixels: int, settings: Settings) -> float:
    """The finest scale a whole-photo pass may search: under FINE_PIXELS, at most max_upscale."""
    return min(settings.max_upscale, (FINE_PIXELS / max(pixels, 1)) ** 0.5)


def _analyze_planned(engine: FaceEngine, path: str | Path, settings: Settings) -> PhotoAnalysis:
    _fault_hook(path)
    result = PhotoAnalysis(
        path=str(path), detector=engine.detector_name, fingerprint=settings.fingerprint()
    )
    started = time.perf_counter()
    clock = _Stopwatch(result.stages)
    try:
        data, stat = read_file(Path(path))
        result.size, result.mtime_ns = stat.st_size, stat.st_mtime_ns
        result.content_hash = content_hash(data)
        if settings.import_names:
            result.file_names, result.names_state = read_names(Path(path), data)
        width, height = oriented_size(path, data)
        pictures = _Pictures(Path(path), data, width, height, settings.max_pixels)
        coarse = coarse_scale(pictures.side, settings)
        first = pictures.at_least(coarse)
        result.width, result.height, result.taken_at = first.width, first.height, first.taken_at
        result.place = first.place
        # Hashed from the picture the first pass decodes anyway: no decode of its own.
        result.phash = perceptual_hash(first.image)
        found = _search(engine, pictures, coarse, settings, clock)
        _encode(engine, pictures, found, settings, result)
        _name_faces(
            result,
            pictures.width,
            pictures.height,
            lambda box: _region_face(engine, settings, pictures.at_least(_look_scale(box)), box),
        )
        clock.lap("encode")
    except PhotoError as exc:
        result.error = str(exc)
        result.faces = []
    except MemoryError:
        result.error = "not enough memory to analyze this photo"
        result.faces = []
    result.seconds = time.perf_counter() - started
    return result


class _Decoded(_Pictures):
    """A picture decoded already (a video's frame): every pass searches it, at any scale."""

    def __init__(self, photo: Photo) -> None:
        super().__init__(Path(), b"", photo.width, photo.height, 0)
        self.decoded = [photo]

    def at_least(self, scale: float) -> Photo:
        return self.decoded[0]


def faces_in_picture(
    engine: FaceEngine,
    photo: Photo,
    settings: Settings,
    stages: dict[str, float],
    closer: bool = True,
) -> list[FaceFound]:
    """The faces of a picture decoded elsewhere (a video's frame), found and encoded as a
    photo's are: the same plan, so a face in a video is seen as it would be in a photo.
    `closer`: False spares the closer look for faces smaller than the first pass sees."""
    result = PhotoAnalysis(path="")
    result.stages = stages
    clock = _Stopwatch(stages)
    if engine.detector_name == "hog" and settings.detection_plan:
        pictures = _Decoded(photo)
        coarse = coarse_scale(pictures.side, settings)
        found = _search(engine, pictures, coarse, settings, clock, closer)
        _encode(engine, pictures, found, settings, result)
    else:
        scale = detection_scale(photo.width, photo.height, settings)
        detections = engine.detect_batch([_resized(photo, scale)])[0]
        clock.lap("detect")
        _finish(engine, settings, result, photo, scale, detections)
    clock.lap("encode")
    return result.faces


def _search(
    engine: FaceEngine,
    pictures: _Pictures,
    coarse: float,
    settings: Settings,
    clock: _Stopwatch,
    closer: bool = True,
) -> list[_Found]:
    """The photo's detection plan: coarse pass, then finer passes only where they can pay."""
    clock.lap("decode")
    seen = _coarse_pass(engine, pictures, coarse)
    found, doubtful = _sure(seen), _doubtful(seen)
    clock.lap("detect")
    found = _verify(engine, pictures, found, doubtful, coarse, settings)
    finest = finest_scale(pictures.width * pictures.height, settings)
    looked = 0.0  # the scale the closer look searched every place a face could hide at
    if closer and finest >= coarse * REFINE_MIN_GAIN and (not found or coarse < 1):
        # Large enough to hold faces the coarse pass cannot see: a closer look where one
        # could hide (album.faces.hiding_places), the whole photo when its colours cannot say.
        # A photo shrunk for the coarse pass (a phone's) gets it even when faces were found:
        # its far faces (80-160 px) sit in other rows than the near ones the bands follow.
        found = _merge_found(found, _closer_look(engine, pictures, coarse, finest, found))
        looked = finest
    if settings.refine_small_faces:
        # The bands beside small faces need no second search where the closer look went
        # at their scale already.
        found = _refine_bands(engine, pictures, found, coarse, settings, looked)
        found = _look_beside(engine, pictures, found, coarse, settings)
    clock.lap("refine")
    return found


def _coarse_pass(engine: FaceEngine, pictures: _Pictures, coarse: float) -> list[_Found]:
    """The coarse pass over a photo shrunk for it (a phone's), doubtful windows included: its
    larger faces searched in the picture at half the coarse scale, its finest levels (faces of
    one to two windows) screened as the closer look is.

    Those finest levels were three quarters of the pass, and most of their cost is per pixel:
    the screen reads them from a quarter of the pixels, and the pass's own detector decides in
    the tiles it marks. On the phone library the coarse stage took 30 % less time (one
    process: 28.9 s, now about 20 s), and the same faces were found: all 72 planted ones of 80
    px or more, 83 of the naive loop's 85; boxes move by a few pixels where a pyramid now
    starts elsewhere. A photo searched at its own size or above keeps the whole pass: split
    there too (web photos of 1000-2000 px, a video's frames), the scan speed benchmark's web
    set lost a face of 80-160 px the naive loop finds, for 2 % more speed on the phone
    library."""
    far = coarse / SCREEN_CELLS
    if coarse >= 1 or not engine.can_screen or pictures.side * far < COARSE_FAR_SIDE:
        return _pass(engine, pictures, coarse, threshold=DOUBT_THRESHOLD)
    # Found by the coarse pass, as the whole pass would have: the passes after it judge a
    # face's size against the scale that found it (split at 1x, Will Smith's face of 250 px
    # was small at 1/2 and set off a band search that took his mouth and chin for a face).
    larger = [
        _Found(f.det, coarse) for f in _pass(engine, pictures, far, threshold=DOUBT_THRESHOLD)
    ]
    finest = _screened_pass(engine, pictures, coarse, None, far, DOUBT_THRESHOLD)
    # The larger faces first: a part of one (a mouth and chin under Will Smith's face) that
    # the finest levels score as a face of its own is dropped beside it, as one whole pass's
    # suppression drops it (`_merge`).
    faces = _merge_found(_sure(larger), _sure(finest))
    return _with_doubts(faces, _doubtful([*larger, *finest]))


def _sure(found: list[_Found]) -> list[_Found]:
    return [f for f in found if f.det.score >= 0]


def _doubtful(found: list[_Found]) -> list[_Found]:
    return [f for f in found if f.det.score < 0]


def _with_doubts(faces: list[_Found], doubts: list[_Found]) -> list[_Found]:
    """`faces` and the doubtful windows of other passes or tiles that are not one of them,
    one window per place, the best-scored: a doubt must never hide a face another pass or
    tile scored above 0."""
    kept: list[_Found] = []
    for f in sorted(doubts, key=lambda f: -f.det.score):
        kept = _merge_found(kept, [f])
    return _merge_found(faces, kept)


def _closer_look(
    engine: FaceEngine, pictures: _Pictures, coarse: float, finest: float, found: list[_Found]
) -> list[_Found]:
    """Faces too small for the coarse pass, in a photo with faces found or none: a phone's
    group photo holds faces of 80-160 px beside larger ones, in other rows than theirs."""
    places = hiding_places(
        pictures.at_least(coarse).image,
        pictures.width,
        pictures.height,
        HOG_WINDOW / finest,
        [_as_box(f.det) for f in found],
    )
    found: list[_Found] = []
    for box in [None] if places is None else places:
        found = _merge_found(found, _screened_pass(engine, pictures, finest, box, coarse))
    return found


def _screened_pass(
    engine: FaceEngine,
    pictures: _Pictures,
    scale: float,
    box: tuple[int, int, int, int] | None,
    above: float,
    threshold: float = 0.0,
) -> list[_Found]:
    """`_pass` at `scale` over `box`, searched only where the screen (FaceEngine.screen) of
    the picture at half that scale finds a window that could be a face: a tile
    SCREEN_MARGIN face sides around each. The pass's own detector decides, so a face it
    finds is the face the whole pass would have found, boxed and scored alike. A negative
    `threshold` keeps the doubtful windows of the tiles, as `_pass` keeps a whole picture's."""
    scale = _search_scale(scale, pictures)
    if not engine.can_screen:
        return _pass(engine, pictures, scale, box, threshold, above)
    half = scale / SCREEN_CELLS
    pixels, (left, top) = pictures.region(half, box)
    found: list[_Found] = []
    doubts: list[_Found] = []
    windows = engine.screen(pixels, SCREEN_THRESHOLD, pyramid_levels(scale, above))
    for w in sorted(windows, key=lambda w: -w.score):
        d = _in_original(w, half, left, top)
        if any(covered(_as_box(d), _as_box(f.det)) >= SAME_FACE_COVER for f in found):
            continue
        left_edge, top_edge, right_edge, bottom_edge = _around(d, SCREEN_MARGIN, pictures)
        # On HOG's cell grid, as the whole pass would cut the picture: a face near the
        # threshold at the finest level then scores as it would there (0.19 on the grid,
        # 0.15 a few pixels off it).
        tile = (
            left_edge - left_edge % HOG_CELL,
            top_edge - top_edge % HOG_CELL,
            right_edge,
            bottom_edge,
        )
        seen = _pass(engine, pictures, scale, tile, threshold, above)
        found = _merge_found(found, _sure(seen))
        doubts += _doubtful(seen)
    return _with_doubts(found, doubts)


def _pass(
    engine: FaceEngine,
    pictures: _Pictures,
    scale: float,
    box: tuple[int, int, int, int] | None = None,
    threshold: float = 0.0,
    above: float = 0.0,
) -> list[_Found]:
    """Faces in the photo (or `box`) searched at `scale`. Above 1x the picture is doubled by
    dlib itself, as the naive loop's upsample does: detections near the threshold then agree.
    A negative `threshold` adds the doubtful windows (scored below 0) to what it returns.
    `above`: the scale of a pass that searched this place already, all of its pyramid: only
    the levels finer than it are searched (`pyramid_levels`)."""
    scale = _search_scale(scale, pictures)
    upsample = 1 if scale > 1.001 else 0
    searched = scale / (1 + upsample)  # dlib reports boxes in the picture it was given
    pixels, (left, top) = pictures.region(searched, box)
    found = []
    for d in engine.detect(pixels, upsample, threshold, pyramid_levels(scale, above)):
        found.append(_Found(_in_original(d, searched, left, top), scale))
    return found


def _in_original(d: Detection, scale: float, left: float, top: float) -> Detection:
    """A detection in a picture at `scale` whose corner lies at (`left`, `top`) of the
    original, in the original's pixels."""
    return Detection(
        d.left / scale + left,
        d.top / scale + top,
        d.right / scale + left,
        d.bottom / scale + top,
        d.score,
    )


def _around(d: Detection, margin: float, pictures: _Pictures) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom) `margin` of `d`'s sides wider than `d` on each
    side, within the photo."""
    side = d.side * margin
    return (
        max(0, int(d.left - side)),
        max(0, int(d.top - side)),
        min(pictures.width, int(d.right + side + 1)),
        min(pictures.height, int(d.bottom + side + 1)),
    )


def _search_scale(scale: float, pictures: _Pictures) -> float:
    """The scale a pass asked to search at `scale` searches at: a phone photo's own pixels
    rather than dlib's doubling of a half-size picture for 3 % more."""
    return 1.0 if 1 < scale <= NATIVE_SLACK and pictures.large else scale


def pyramid_levels(scale: float, above: float) -> int:
    """How many levels of a pass at `scale` lie finer than a pass at `above` searched (0: all,
    when `above` is none). A level within half a step of `above`'s own is left to it: its
    faces are the ones that pass saw best. At 1x above 1/2 that is 4 levels (1, 0.83, 0.69,
    0.58), not all 22 of a 12 MP photo: the faces of 80 to 160 px."""
    if above <= 0 or scale <= above:
        return 0
    steps = math.log(scale / above) / math.log(HOG_STEP) - 0.5
    return max(1, math.floor(steps + 1e-9) + 1)


def _refine_bands(
    engine: FaceEngine,
    pictures: _Pictures,
    found: list[_Found],
    coarse: float,
    settings: Settings,
    looked: float = 0.0,
) -> list[_Found]:
    """Search the horizontal bands around faces found near their pass's smallest size again,
    at twice that scale: a group's far faces sit in the rows beside its near ones. Not where
    the closer look searched at that scale or finer (`looked`): it found them."""
    small = [f for f in found if f.det.side * f.scale < HOG_WINDOW * REFINE_BELOW]
    if not small:
        return found
    scale = min(settings.max_upscale, 2 * min(f.scale for f in small))
    if looked >= scale * 0.95:
        return found
    if scale < max(f.scale for f in small) * REFINE_MIN_GAIN:
        return found
    bands: list[list[float]] = []
    for f in sorted(small, key=lambda f: f.det.top):
        height = f.det.bottom - f.det.top
        top, bottom = f.det.top - BAND_MARGIN * height, f.det.bottom + BAND_MARGIN * height
        if bands and top <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([top, bottom])
    rows = sum(min(b, pictures.height) - max(t, 0) for t, b in bands)
    # Never more than FINE_PIXELS: a band as wide as a 30 MP photo is searched less closely.
    scale = min(scale, (FINE_PIXELS / max(rows * pictures.width, 1)) ** 0.5)
    if scale < max(f.scale for f in small) * REFINE_MIN_GAIN:
        return found
    finer: list[_Found] = []
    for top, bottom in bands:
        box = (0, max(0, int(top)), pictures.width, min(pictures.height, int(bottom + 1)))
        if box[3] - box[1] >= HOG_WINDOW / scale:
            finer.extend(_pass(engine, pictures, scale, box, above=coarse))
    # The small faces as the closer pass saw them, but not a part of a face it could not see
    # whole (ellie_sattler/00000025's face of 75 px, scored 1.72, was replaced by its
    # middle, 52 px, scored 0.04); a larger face, beyond its levels, as found.
    finer = [g for g in finer if not any(_part_of(g.det, f) for f in small)]
    larger = [f for f in found if all(f is not g for g in small)]
    return _merge_found(larger, _merge_found(finer, small))


def _look_beside(
    engine: FaceEngine,
    pictures: _Pictures,
    found: list[_Found],
    coarse: float,
    settings: Settings,
) -> list[_Found]:
    """Search the tiles left and right of each large face, in its rows, at the naive loop's
    scale: a near face in a web-sized photo says nothing about the far ones beside it, which
    the coarse pass cannot see (smaller than its 80 px window) and, the near face being large,
    the band refine never looks for. Only when twice the coarse scale is the naive loop's
    (`max_upscale`: photos up to 2000 px, never a 12 MP one), where such faces are found as
    the naive loop finds them, and when the tiles hold at most BESIDE_PIXELS at that scale:
    a portrait's large face leaves most of a larger photo beside it, and on the shared sets
    (web, group) larger budgets found no face of the naive loop's, only their cost."""
    scale = min(settings.max_upscale, 2 * coarse)
    if scale < settings.max_upscale or scale < coarse * REFINE_MIN_GAIN:
        return found
    large = [f for f in found if f.det.side * f.scale >= HOG_WINDOW * REFINE_BELOW]
    if not large:
        return found
    reach = HOG_WINDOW / coarse  # faces at least this large were the coarse pass's to find
    tiles: list[tuple[int, int, int, int]] = []
    for f in large:
        d = f.det
        top = max(0, int(d.top - reach))
        bottom = min(pictures.height, int(d.bottom + reach + 1))
        for left, right in ((0, int(d.left + reach)), (int(d.right - reach), pictures.width)):
            left, right = max(0, left), min(pictures.width, right)
            if min(right - left, bottom - top) * scale >= HOG_WINDOW:
                tiles.append((left, top, right, bottom))
    pixels = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in tiles) * scale * scale
    if not tiles or pixels > BESIDE_PIXELS:
        return found
    finer = [g for box in tiles for g in _pass(engine, pictures, scale, box, above=coarse)]
    return _merge_found(found, finer)


def verify_scale(coarse: float, settings: Settings) -> float:
    """The scale a doubtful coarse window is looked at again: twice as close, at most the
    naive loop's (max_upscale)."""
    return min(settings.max_upscale, VERIFY_GAIN * coarse)


def _verify(
    engine: FaceEngine,
    pictures: _Pictures,
    found: list[_Found],
    doubtful: list[_Found],
    coarse: float,
    settings: Settings,
) -> list[_Found]:
    """Look again at the tiles around the coarse pass's doubtful windows: closer at small
    ones, from farther at large ones (`_verify_scales`).

    HOG scores a face near the threshold differently at each scale: a face the naive loop finds
    at 2x often scores just below 0 at the coarse scale (measured on the group set: -0.04 to
    -0.34 at the coarse scale, +0.05 to +0.36 at 2x). A tile three faces wide around such a
    window, searched at `verify_scale`, costs a fraction of a pass over the whole photo."""
    scale = verify_scale(coarse, settings)
    if scale < coarse * VERIFY_MIN_GAIN or not doubtful:
        return found
    finer: list[_Found] = []
    for f in sorted(doubtful, key=lambda f: -f.det.score):
        d = f.det
        if any(iou(_as_box(d), _as_box(g.det)) >= SAME_FACE_IOU for g in [*found, *finer]):
            continue
        box = _around(d, VERIFY_MARGIN, pictures)
        for look in _verify_scales(d.side, coarse, scale):
            if min(box[2] - box[0], box[3] - box[1]) * look < HOG_WINDOW:
                continue
            seen = _pass(engine, pictures, look, box)
            finer = _merge_found(finer, seen)
            if any(iou(_as_box(d), _as_box(g.det)) >= SAME_FACE_IOU for g in seen):
                break  # the window's face, found: the second look is not needed
    # A face the coarse pass found stays as it found it: a tile around a doubtful window can
    # cut a neighbouring face, whose part then scores as a face of its own (guott_Obama_3).
    return _merge_found(found, finer)


def _verify_scales(side: float, coarse: float, closer: float) -> tuple[float, ...]:
    """The scales a doubtful window of `side` px is looked at again, in turn, until one finds
    its face: two, half a pyramid step apart, because a face near HOG's threshold scores
    differently at each (guott_Diana_1's face of 87 px: -0.03 at 1x, nothing in its tile at
    2x, 0.22 at 1.83x, 0.21 at 1.2x).

    Closer for a small one, whose face the coarse pass saw with too few pixels. A window
    already large at the coarse scale gains nothing from more pixels: the pyramid shrinks
    it back to the detector's window anyway, and its score there hangs on how the levels'
    pixels fall (a turned face of 1,284 px scored -0.07 to +0.40 at scales a few percent
    apart). It is looked at from pictures that bring it to LARGE_LOOK windows, each a tile a
    few hundred pixels wide."""
    first = closer if side * coarse < LARGE_DOUBT * HOG_WINDOW else LARGE_LOOK * HOG_WINDOW / side
    return (first, first * HALF_STEP)


def _encode(
    engine: FaceEngine,
    pictures: _Pictures,
    found: list[_Found],
    settings: Settings,
    result: PhotoAnalysis,
) -> None:
    """Descriptors and crops, each face from the smallest picture where it is ENCODE_SIDE px;
    all faces of one picture in one call."""
    groups: dict[int, tuple[Photo, list[Detection]]] = {}
    for f in found:
        photo = pictures.at_least(ENCODE_SIDE / max(f.det.side, 1))
        groups.setdefault(id(photo), (photo, []))[1].append(f.det)
    for photo, dets in groups.values():
        local = [d.scaled(photo.scale) for d in dets]
        embeddings = engine.encode(photo.pixels(), local)
        for det, near, embedding in zip(dets, local, embeddings, strict=True):
            box = _clamped_box(det, pictures.width, pictures.height)
            near_box = (round(near.top), round(near.right), round(near.bottom), round(near.left))
            crop = square_crop(photo.image, near_box, settings.crop_size)
            sharp = sharpness(photo.image, near_box)
            result.faces.append(FaceFound(box, det.score, embedding, crop, sharpness=sharp))


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
    sharp = sharpness(photo.image, local_box)
    return FaceFound(clamped, 0.0, embedding, crop, manual=True, sharpness=sharp)


def _look_scale(box: tuple[int, int, int, int]) -> float:
    """The picture scale at which a named region is REGION_SIDE px and its face encodable."""
    top, right, bottom, left = box
    return max(REGION_SIDE, ENCODE_SIDE) / max(right - left, bottom - top, 1)


def _region_face(
    engine: FaceEngine, settings: Settings, photo: Photo, box: tuple[int, int, int, int]
) -> FaceFound | None:
    """The face in a named region the detector missed, encoded at the region's box as the
    file drew it; None when a closer look finds no face there, or only one too blurred to
    recognise: another program's region on a pet, a leaf or a patch of rain is not a person.

    `box` is (top, right, bottom, left) in the upright original's pixels."""
    top, right, bottom, left = box
    reach = REGION_MARGIN * max(right - left, bottom - top)
    s = photo.scale
    area = (
        round(max(0.0, left - reach) * s),
        round(max(0.0, top - reach) * s),
        round(min(photo.width, right + reach) * s),
        round(min(photo.height, bottom + reach) * s),
    )
    factor = REGION_SIDE / max((right - left) * s, (bottom - top) * s, 1)
    image = photo.image.crop(area)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    pixels = np.asarray(image.resize(size, Image.Resampling.BILINEAR))
    for d in engine.detect(pixels, 0, REGION_THRESHOLD):
        found = (
            (d.top / factor + area[1]) / s,
            (d.right / factor + area[0]) / s,
            (d.bottom / factor + area[1]) / s,
            (d.left / factor + area[0]) / s,
        )
        if iou(found, box) >= REGION_LOOK_IOU:
            face = _encode_box(engine, settings, photo, box)
            return face if face.recognisable else None
    return None


def _name_faces(
    result: PhotoAnalysis,
    width: int,
    height: int,
    encode: Callable[[tuple[int, int, int, int]], FaceFound | None],
) -> None:
    """Names from the photo's XMP, sidecars and Picasa file (album.interop) on its faces;
    `encode` makes a face of a named region the detector missed (None: no face there)."""
    if result.file_names is None or result.names_state is None:
        return
    result.names = name_faces(
        result.file_names,
        result.names_state,
        result.faces,  # type: ignore[arg-type]
        width,
        height,
        encode,
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
    result.place = photo.place
    result.phash = perceptual_hash(photo.image)
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
        sharp = sharpness(photo.image, local_box)
        result.faces.append(FaceFound(box, det.score, embedding, crop, sharpness=sharp))


def _clamped_box(det: Detection, width: int, height: int) -> tuple[int, int, int, int]:
    return (
        max(0, round(det.top)),
        min(width, round(det.right)),
        min(height, round(det.bottom)),
        max(0, round(det.left)),
    )


def _merge(primary: list[Detection], extra: list[Detection]) -> list[Detection]:
    """`primary` plus each face of `extra` that none of them overlaps, or holds, or lies in.

    A pass that searches only its pyramid's finest levels (`pyramid_levels`) can score a
    part of a face larger than it looks for (an eye and a cheek of a 300 px face, as a face
    of 104 px): with all levels, dlib's own suppression dropped it beside the whole face."""
    merged = list(primary)
    for d in extra:
        box = _as_box(d)
        if all(
            iou(box, _as_box(p)) < SAME_FACE_IOU and covered(box, _as_box(p)) < SAME_FACE_COVER
            for p in primary
        ):
            merged.append(d)
    return merged


def _merge_found(primary: list[_Found], extra: list[_Found]) -> list[_Found]:
    """`_merge` for the plan's detections, each kept with the scale of the pass that found it."""
    merged = _merge([f.det for f in primary], [f.det for f in extra])
    by_det = {id(f.det): f for f in [*primary, *extra]}
    return [by_det[id(d)] for d in merged]


def _part_of(part: Detection, face: _Found) -> bool:
    """`part` lies in `face` and is clearly smaller: a part of it scored as a face. Not when
    `face`'s box is its pass's smallest (72 px, a level above: 86): the face in it can be
    smaller still (guott_Diana_0's faces of 36 px, boxed at 54 px at 1.33x, 36 px at 2x)."""
    det = face.det
    return (
        det.side * face.scale >= HOG_WINDOW
        and part.side < PART_SIDE * det.side
        and covered(_as_box(part), _as_box(det)) >= SAME_FACE_COVER
    )


def _as_box(d: Detection) -> tuple[float, float, float, float]:
    return (d.top, d.right, d.bottom, d.left)


def covered(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """How much of the smaller of two (top, right, bottom, left) boxes lies in the other."""
    inter, area_a, area_b = _overlap(a, b)
    smaller = min(area_a, area_b)
    return inter / smaller if smaller > 0 else 0.0


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (top, right, bottom, left) boxes."""
    inter, area_a, area_b = _overlap(a, b)
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float]:
    """The area two (top, right, bottom, left) boxes share, and each one's area."""
    top, right = max(a[0], b[0]), min(a[1], b[1])
    bottom, left = min(a[2], b[2]), max(a[3], b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    return inter, (a[1] - a[3]) * (a[2] - a[0]), (b[1] - b[3]) * (b[2] - b[0])
