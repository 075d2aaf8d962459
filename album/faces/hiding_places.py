"""Where in a photo a face too small for the coarse pass could be: the parts worth a closer look.

A 12-megapixel photo where the coarse pass (at 1/2) found no face was searched again whole at
full size, for faces of 80 to 160 px that pass cannot see: four times the coarse pass's pixels,
and most of a first scan's time on a phone's camera roll, whose photos are mostly of no one
(landscapes, food, documents, screenshots). A face, even a small one, shows skin: a patch of
pixels whose chroma lies in the narrow band every skin tone shares (in YCbCr, about Cb 77-127
and Cr 133-173 whatever the person's complexion; the luma is what differs). So only the
tiles of the photo with enough skin-coloured pixels for a face are searched closely.

It never decides alone that a photo has no face: a photo whose colours cannot be trusted
(black and white, a sepia print, a strong colour cast that leaves no pixel near skin while the
picture has texture) is searched whole, as before. Skin-coloured things that are no face
(sand, wood, a wall, bread) only cost the search they always had.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# The chroma band of skin: Chai and Ngan's (Cb 77-127, Cr 133-173), a little wider so that a
# face in warm or cool light still falls in it, but not below Cr 133: off-white paper and a
# screen's pale grounds (Cr 129-131) sit just under it.
CB_RANGE = (75, 130)
CR_RANGE = (133, 176)
LUMA_MIN = 35  # darker than this, chroma is noise
# The mask is made this many pixels wide at most: an 80 px face in a 4032 px photo is then
# about 10 mask pixels across, and making it costs a few milliseconds.
MASK_SIDE = 504
# A tile needs this share of a smallest face's area in skin-coloured mask pixels (a face's
# box is about half skin: forehead, cheeks, nose; the rest hair, eyes, background).
SKIN_SHARE = 0.2
# The closer look is made in tiles of about this many smallest faces a side, overlapping by
# one face so that a face across a tile's edge is whole in one of them.
TILE_FACES = 6
# A photo with less colour than this (the mean distance of its chroma from grey) is black and
# white or nearly: its skin cannot be told, so it is searched whole.
GREY_CHROMA = 6.0
# A grey picture is a screen (a screenshot: drawn, not photographed), not a black-and-white
# photo, when at least FLAT_SHARE of its neighbouring mask pixels have the very same luma.
# Measured on the phone benchmark's scenes and a black-and-white group photo: screenshots
# 0.97, photographed documents 0.26, the group photo 0.21 (one step apart: 0.63 and 0.51, too
# close to tell a page from a photo by).
FLAT_STEP = 0
FLAT_SHARE = 0.6
# Searching tiles costs a little more per pixel than one pass (their overlaps): above this
# share of the photo, the whole photo is searched in one pass instead.
WHOLE_ABOVE = 0.6


def hiding_places(
    image: Image.Image,
    width: int,
    height: int,
    smallest: float,
    found: list[tuple[float, float, float, float]] = (),  # type: ignore[assignment]
) -> list[tuple[int, int, int, int]] | None:
    """The boxes (left, top, right, bottom, in the original's pixels) of a photo of `width` x
    `height` that could hold a face of `smallest` px or more unseen: [] when none could, None
    when the whole photo must be searched. `image` is the photo (upright), at any size.
    `found`: the faces found already (top, right, bottom, left): their own skin hides none."""
    mask, factor = _skin(image, width)
    if mask is None:
        return None
    for top, right, bottom, left in found:
        mask[
            max(0, int(top * factor)) : int(bottom * factor) + 1,
            max(0, int(left * factor)) : int(right * factor) + 1,
        ] = False
    side = max(1.0, smallest * factor)  # the smallest face's side in mask pixels
    tile = max(8, int(side * TILE_FACES))
    overlap = int(side) + 1
    need = SKIN_SHARE * side * side
    rows, cols = mask.shape
    counts = np.pad(mask.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    boxes: list[tuple[int, int, int, int]] = []
    covered = 0
    for top in range(0, rows, tile):
        for left in range(0, cols, tile):
            t0, l0 = max(0, top - overlap), max(0, left - overlap)
            t1, l1 = min(rows, top + tile + overlap), min(cols, left + tile + overlap)
            skin = counts[t1, l1] - counts[t0, l1] - counts[t1, l0] + counts[t0, l0]
            if skin >= need:
                boxes.append(_original(l0, t0, l1, t1, factor, width, height))
                covered += (min(rows, top + tile) - top) * (min(cols, left + tile) - left)
    if covered > WHOLE_ABOVE * rows * cols:
        return None
    return _rows(boxes)


def _skin(image: Image.Image, width: int) -> tuple[np.ndarray | None, float]:
    """The skin mask at most MASK_SIDE wide, and mask pixels per original pixel; None when
    the photo's colours cannot tell skin."""
    scale = min(1.0, MASK_SIDE / max(image.size))
    small = image if scale >= 1 else image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.BOX,
    )  # fmt: skip
    ycc = np.asarray(small.convert("YCbCr"), dtype=np.int16)
    y, cb, cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    if float(np.mean(np.abs(cb - 128) + np.abs(cr - 128))) < GREY_CHROMA:
        if _mostly_flat(y):
            # A screen (text on a plain ground), not a black-and-white photo: nowhere a
            # face could be that the coarse pass would not have seen.
            return np.zeros(y.shape, dtype=bool), small.width / max(width, 1)
        return None, 0.0
    mask = (
        (y >= LUMA_MIN)
        & (cb >= CB_RANGE[0])
        & (cb <= CB_RANGE[1])
        & (cr >= CR_RANGE[0])
        & (cr <= CR_RANGE[1])
    )
    return mask, small.width / max(width, 1)


def _mostly_flat(luma: np.ndarray) -> bool:
    """Most of the picture one plain tone: a document or a screenshot. A photo, even of a
    white wall, has grain and light falling off across it."""
    steps = np.abs(np.diff(luma, axis=1))
    return float(np.mean(steps <= FLAT_STEP)) >= FLAT_SHARE


def _original(
    left: int, top: int, right: int, bottom: int, factor: float, width: int, height: int
) -> tuple[int, int, int, int]:
    return (
        max(0, int(left / factor)),
        max(0, int(top / factor)),
        min(width, int(right / factor + 1)),
        min(height, int(bottom / factor + 1)),
    )


def _rows(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Neighbouring tiles of one row joined into one box: fewer, larger passes."""
    joined: list[tuple[int, int, int, int]] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        if joined:
            left, top, right, bottom = joined[-1]
            if box[1] == top and box[3] == bottom and box[0] <= right:
                joined[-1] = (left, top, max(right, box[2]), bottom)
                continue
        joined.append(box)
    return joined
