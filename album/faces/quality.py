"""Is there a face here that a person could recognise? The sharpness of a face's own pixels.

HOG and dlib's encoder give every window a face descriptor, also a blurred bystander in the
crowd behind the subject, a face far out of focus or an object that only looks like one. Such a
descriptor lies near many people at once: Review then asks "Is this Joe?" about a red blur, and
a name imported for a blurred region attracts more blurs. The user cannot answer either.

`sharpness` is the detail left in the middle of the face seen at `SIDE` pixels (eyes, nose and
mouth are a few pixels each there, the face's outline and the background are cut away): the
spread of its Laplacian, relative to the spread of the grey values, so a dark or low-contrast
face is measured like a bright one. A face smaller than `SIDE / INNER` pixels is enlarged to
it, so a tiny face counts as blurred, as it looks to the user.

Measured with benchmarks/review_library.py's truth on web-celebs, group-photos and their blurred
copies (11 faces a person cannot recognise: blurred bystanders, an object, copies shrunk to 36
px and blurred), and on every face the scan finds in children (216 old scanned prints, often
soft), eastasian (188) and lfw-62x10 (655): the hopeless ones score 0.25-0.72; the lowest of
249 faces of named people 0.85, of the children 0.79, of eastasian 0.80; on LFW 5 of 655 faces
score under 0.75, all small faces beside the photo's subject. At 32 px the children's soft
prints fell among the blurs (0.30-0.40 against 0.09-0.39); at 16 px the two part.

It measures blur, not what the detector found: a sharp microphone, dog or drawing that HOG takes
for a face scores like a face (0.77-2.6 there). Review's confidence floor keeps those out.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIDE = 16
INNER = 0.7  # the middle of the box: 15 % off each side and the top, 5 % off the chin
SHARP_ENOUGH = 0.75


def sharpness(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The face's detail at SIDE pixels; `box` is (top, right, bottom, left) in `image`."""
    top, right, bottom, left = box
    width, height = right - left, bottom - top
    if width < 2 or height < 2:
        return 0.0
    inner = (
        left + 0.15 * width,
        top + 0.15 * height,
        right - 0.15 * width,
        bottom - 0.05 * height,
    )
    crop = image.crop(tuple(round(v) for v in inner)).convert("L")
    shrink = min(crop.size) > SIDE
    resample = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
    grey = np.asarray(crop.resize((SIDE, SIDE), resample), dtype=np.float32)
    laplacian = (
        4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    )
    return float(laplacian.std() / (grey.std() + 1.0))


def recognisable(value: float | None) -> bool:
    """Whether a face of this sharpness is worth a question; None (measured before album
    measured it, or drawn by the user) counts as recognisable."""
    return value is None or value >= SHARP_ENOUGH
