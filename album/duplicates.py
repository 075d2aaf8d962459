"""Duplicates: exact copies (the same bytes) and near copies (the same picture, resized,
recompressed, lightly cropped or edited, or a burst's next frame) of a library's photos.

Exact copies share their content hash, which the scan computes anyway. Near copies share
most bits of a perceptual hash (`perceptual_hash`, computed by the scan from the upright
picture it decodes for detection): two photos whose hashes differ in at most `NEAR_DISTANCE`
of their 64 bits are called copies. `benchmarks/duplicates.py distances` measured that
threshold on the shared real photos (see NEAR_DISTANCE).

Finding near pairs never compares every photo with every other (5 billion pairs at 100,000
photos): `near_pairs` is a multi-index search that only looks at photos sharing most of one
band of their hash bits with each other (`benchmarks/duplicates.py scale` times it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from typing import Literal

import numpy as np
from PIL import Image

HASH_BITS = 64
# The picture is shrunk to this many pixels a side before its DCT: small enough that noise,
# recompression and resampling vanish, large enough to keep the picture's layout.
PHASH_SIDE = 32
# The hash keeps the PHASH_LOW x PHASH_LOW lowest frequencies: the lower a frequency, the less
# a crop's shift turns it. Measured against the 64 lowest in zigzag order (up to frequency 10),
# this block found as many copies and put different photos further apart (LFW: 10 bits at
# least, against 8).
PHASH_LOW = 8
# Photos whose hashes differ in at most this many bits are near copies. Measured by
# `benchmarks/duplicates.py distances` on the 1,312 shared photos (two hashes with 32 bits
# set each differ in an even number of bits, so 8 and 9 are one threshold): copies resized
# to 50 %, recompressed at JPEG q60 or brightened 10 % were at most 6 bits from their photo
# (99 % within 4); two different photos of one LFW person at least 10 (2,790 pairs), any
# two LFW photos too (191,890 pairs). 8 leaves a step of margin on each side. Crops are
# where a hash of the whole picture runs out: 3 % cut off one corner moved it 8 bits at the
# median (75 % found at 8, 49 % at 6), 1.5 % off each side 4 (99 % found). Of the 860,016
# pairs of different files, those within 8 bits were one picture saved twice or a burst
# (a webcam's frames, NUAA), but for one pair at 8: two people at one webcam, one office.
NEAR_DISTANCE = 8
# A near copy counts once with its set's keeper (photos.copy_of) only this close to it: 99 %
# of the copies measured above were within 4 bits, and a set chained through a webcam's
# frames reached from one person to another at the same desk (the one pair of different
# people within 8 bits): their faces must not take each other's names.
COUNT_ONCE_DISTANCE = 4
# The same face on a copy of its photo and on the photo: its descriptor moves with the
# copy's pixels. Measured (50 % and 75 % resizes recompressed at q60): LFW's small faces
# 118 pairs, median 0.18, at most 0.32; web-celebs 76 pairs, median 0.11, at most 0.46. Two
# different people of one web photo came as close as 0.41. So distance alone cannot tell a
# face's twin: it is the kept photo's nearest face within SAME_FACE, and nearer by
# TWIN_MARGIN than any other face there.
SAME_FACE = 0.5
TWIN_MARGIN = 0.1
# A band of hash bits is looked up in a table of 2**bits entries: at most this many bits.
MAX_BAND_BITS = 22
_SIGN = 1 << 63
_MASK = (1 << HASH_BITS) - 1


def perceptual_hash(image: Image.Image) -> int:
    """A 64-bit DCT hash of an upright picture, as a signed integer (SQLite's INTEGER).

    The picture is averaged down to 32x32 grey pixels, which a resize, a recompression or a
    slight edit barely change; each bit says whether one of the 8x8 lowest-frequency DCT
    coefficients (the picture's coarse layout of light and dark) lies above their median.
    A brightness or contrast change scales or shifts them all alike, so the bits stay; and
    half the bits are set in nearly any picture (the mean's, the first, always), so that two
    different pictures differ in about half of them.
    """
    grey = image.convert("L") if image.mode != "L" else image
    small = grey.resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.float64)
    dct = _dct_matrix()
    coefficients = (dct @ pixels @ dct.T)[:PHASH_LOW, :PHASH_LOW]
    bits = coefficients > np.median(coefficients)
    value = int.from_bytes(np.packbits(bits).tobytes(), "big")
    return value - (1 << HASH_BITS) if value & _SIGN else value


@cache
def _dct_matrix() -> np.ndarray:
    """The orthonormal DCT-II matrix: `M @ x` is the DCT of a column x, `M @ X @ M.T` of X."""
    n = PHASH_SIDE
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * math.sqrt(2 / n)
    matrix[0] /= math.sqrt(2)
    return matrix


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits two hashes differ in."""
    return ((a ^ b) & _MASK).bit_count()


@dataclass(frozen=True)
class DuplicatePhoto:
    """What finding and ranking copies needs of one analysed photo."""

    id: int
    path: str
    size: int  # bytes
    width: int | None  # upright, in pixels
    height: int | None
    taken_at: str | None  # ISO 8601 from EXIF
    content_hash: str | None
    phash: int | None  # None: analysed before near copies were looked for
    metadata: int = 0  # how much the photo carries that a copy may have lost (date, place...)
    kept: int | None = None  # the user said "keep all" to the set marked so (copies_kept)

    @property
    def pixels(self) -> int:
        return (self.width or 0) * (self.height or 0)


@dataclass(frozen=True)
class Member:
    """A photo of a set, as it relates to the set's keeper."""

    photo: DuplicatePhoto
    exact: bool  # the keeper's very bytes (the keeper itself too)
    distance: int | None  # hash bits apart from the keeper; 0 for exact; None: unknown


@dataclass(frozen=True)
class DuplicateSet:
    """Photos that are copies of one another, the one album would keep first."""

    kind: Literal["exact", "near"]  # exact: all the same bytes; near: at least one is not
    members: tuple[Member, ...]

    @property
    def keep(self) -> int:
        return self.members[0].photo.id


def keeper_rank(photo: DuplicatePhoto) -> tuple:
    """The sort key `keeper` puts first, each part a reason a copy is the lesser one:
    - the most pixels: a resized or cropped copy has fewer, and no copy gains detail;
    - the earliest original date: copies made later often lose EXIF or carry an editor's
      date, and the first dated photo of a burst is the moment itself;
    - the largest file: of two pictures of one size, the recompressed one is smaller;
    - the most metadata (a date, a place, a rating kept in the library);
    - the shortest path: the copy in "Backup/old/copy of" is rarely the one meant to stay.
    Then the path and id, so the choice never depends on the order rows came back in."""
    date = (photo.taken_at or "")[:19]
    return (
        -photo.pixels,
        date == "",
        date,
        -photo.size,
        -photo.metadata,
        len(photo.path),
        photo.path,
        photo.id,
    )


def keeper(photos: Iterable[DuplicatePhoto]) -> int:
    """The id of the photo album would keep of a set of copies (see `keeper_rank`)."""
    return min(photos, key=keeper_rank).id


def find_sets(
    photos: Sequence[DuplicatePhoto], threshold: int = NEAR_DISTANCE
) -> list[DuplicateSet]:
    """Every set of two or more copies, exact ones by content hash and near ones by
    perceptual hash (at most `threshold` bits apart, chained: a burst is one set). Each
    photo is in at most one set; sets come sorted by their keeper's path."""
    groups = _exact_groups(photos)
    hashes = [_group_hash(group) for group in groups]
    parent = _near_groups(hashes, threshold)
    components: dict[int, list[int]] = {}
    for index in parent:
        components.setdefault(_root(parent, index), []).append(index)
    alone = [[i] for i, group in enumerate(groups) if len(group) > 1 and i not in parent]
    sets = [
        _make_set([groups[i] for i in members], [hashes[i] for i in members])
        for members in [*components.values(), *alone]
    ]
    return sorted(sets, key=lambda s: (s.members[0].photo.path, s.keep))


def twin(face: np.ndarray, faces: np.ndarray) -> int | None:
    """Which of `faces` (descriptors of the kept photo's faces, one per row) is `face` on a
    copy of it: the nearest within SAME_FACE, clearly nearer than the others; None if none
    is."""
    if len(faces) == 0:
        return None
    distances = np.linalg.norm(faces - face, axis=1)
    order = np.argsort(distances)
    nearest = int(order[0])
    if distances[nearest] > SAME_FACE:
        return None
    if len(faces) > 1 and distances[order[1]] - distances[nearest] < TWIN_MARGIN:
        return None
    return nearest


def undecided(sets: Iterable[DuplicateSet]) -> list[DuplicateSet]:
    """The sets the user has not answered: "keep all" marks every photo of a set alike, so a
    set whose photos all carry one mark was answered; one with a new copy in it was not."""
    return [
        found
        for found in sets
        if len({m.photo.kept for m in found.members}) != 1 or found.members[0].photo.kept is None
    ]


def _group_hash(group: list[DuplicatePhoto]) -> int | None:
    """The perceptual hash of a group of exact copies: any of theirs (the same bytes give
    the same picture), None when none was analysed with one."""
    for photo in group:
        if photo.phash is not None:
            return photo.phash
    return None


def _near_groups(hashes: list[int | None], threshold: int) -> dict[int, int]:
    """Union-find parents of the groups (by index) that have a near copy; the others, most
    of a library, never enter it."""
    hashed = [i for i, code in enumerate(hashes) if code is not None]
    codes = np.fromiter((hashes[i] for i in hashed), dtype=np.int64, count=len(hashed))
    parent: dict[int, int] = {}
    for a, b in near_pairs(codes, threshold).tolist():
        _union(parent, hashed[a], hashed[b])
    return parent


def _exact_groups(photos: Sequence[DuplicatePhoto]) -> list[list[DuplicatePhoto]]:
    """Photos grouped by content hash; one without a hash is a group of its own."""
    groups: dict[object, list[DuplicatePhoto]] = {}
    for photo in photos:
        key = photo.content_hash or ("id", photo.id)
        groups.setdefault(key, []).append(photo)
    return list(groups.values())


def _make_set(groups: list[list[DuplicatePhoto]], hashes: list[int | None]) -> DuplicateSet:
    """The set of these exact groups, its keeper first, then its closest copies."""
    best = min((p for g in groups for p in g), key=keeper_rank)
    own = next(i for i, g in enumerate(groups) if any(p is best for p in g))
    own_hash = hashes[own]
    members: list[Member] = []
    for group, code in zip(groups, hashes, strict=True):
        exact = group is groups[own]
        distance: int | None = None
        if exact:
            distance = 0
        elif code is not None and own_hash is not None:
            distance = hamming(code, own_hash)
        members.extend(Member(p, exact, distance) for p in group)
    members.sort(key=lambda m: (m.photo is not best, m.distance or 0, keeper_rank(m.photo)))
    return DuplicateSet("exact" if len(groups) == 1 else "near", tuple(members))


def _root(parent: dict[int, int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving: later finds are shorter
        i = parent[i]
    return i


def _union(parent: dict[int, int], a: int, b: int) -> None:
    parent.setdefault(a, a)
    parent.setdefault(b, b)
    ra, rb = _root(parent, a), _root(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def near_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    """Index pairs (i < j) of int64 hashes at most `threshold` bits apart, as an (n, 2) array.

    Multi-index hashing: the 64 bits are cut into m bands; two hashes at most t bits apart
    differ in at most t // m bits of some band (pigeonhole). So each hash looks up, in a
    table per band, the hashes whose band is within that many bits of its own, and only those
    candidates are compared in full. With t + 1 bands the lookups would be exact, but at t = 8
    a band is 7 bits and each of its 128 values is shared by 1 in 128 photos: 350 million
    candidates at 100,000 photos. `_bands` picks the m that costs least."""
    codes = np.ascontiguousarray(hashes, dtype=np.int64).view(np.uint64)
    if len(codes) < 2:
        return np.empty((0, 2), dtype=np.int64)
    widths = _bands(len(codes), threshold)
    radius = threshold // len(widths)
    found: list[np.ndarray] = []
    start = 0
    for bits in widths:
        band = ((codes >> np.uint64(start)) & np.uint64((1 << bits) - 1)).astype(np.int32)
        found.extend(_band_pairs(codes, band, bits, radius, threshold))
        start += bits
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    keys = np.unique(np.concatenate(found))  # a pair close in several bands, once
    return np.stack([keys // len(codes), keys % len(codes)], axis=1)


def _band_pairs(
    codes: np.ndarray, band: np.ndarray, bits: int, radius: int, threshold: int
) -> list[np.ndarray]:
    """The pairs (as i * n + j, i < j) at most `threshold` bits apart among those whose band
    values are at most `radius` bits apart: each value is looked up, flipped in every way of
    up to `radius` bits, in a table of which values occur.

    The photos are taken in the order of their band values: a value flipped by one mask
    stays in order piece by piece, so the table is read nearly in sequence."""
    n = len(codes)
    order = np.argsort(band, kind="stable")
    band = np.take(band, order)
    codes = np.take(codes, order)
    counts = np.bincount(band, minlength=1 << bits).astype(np.int32)
    starts = np.cumsum(counts) - counts  # where each value's photos begin in that order
    occupied = counts > 0  # a byte a value: read 3x faster than the counts
    found: list[np.ndarray] = []
    for flip in _flips(bits, radius):
        probe = band ^ np.int32(flip)
        hit = np.flatnonzero(np.take(occupied, probe))  # take: 4x faster than [] here
        if len(hit) == 0:
            continue
        value = np.take(probe, hit)
        many = np.take(counts, value)
        left = np.repeat(hit, many)
        first = np.repeat(np.take(starts, value) - np.cumsum(many) + many, many)
        right = first + np.arange(len(left))
        keep = left < right
        left, right = left[keep], right[keep]
        keep = np.bitwise_count(np.take(codes, left) ^ np.take(codes, right)) <= threshold
        if keep.any():
            a, b = np.take(order, left[keep]), np.take(order, right[keep])
            found.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    return found


@cache
def _flips(bits: int, radius: int) -> tuple[int, ...]:
    """Every mask of `bits` bits with at most `radius` bits set."""
    return tuple(
        sum(1 << b for b in chosen)
        for r in range(radius + 1)
        for chosen in combinations(range(bits), r)
    )


def _bands(n: int, threshold: int) -> tuple[int, ...]:
    """Band widths (summing to 64) that make `near_pairs` cheapest for n random hashes: each
    band costs a lookup per hash and flip, and each candidate it lets through (found from
    both of its photos) about two more (measured at 100,000 hashes: 3 bands cost 0.85 s at
    t = 8, 4 bands 2.4 s); bands above MAX_BAND_BITS would need too large a table."""
    best: tuple[float, tuple[int, ...]] | None = None
    fewest = math.ceil(HASH_BITS / MAX_BAND_BITS)
    for m in range(fewest, max(threshold + 2, fewest + 1)):
        widths = tuple(HASH_BITS // m + (i < HASH_BITS % m) for i in range(m))
        radius = threshold // m
        cost = 0.0
        for bits in widths:
            ball = sum(math.comb(bits, r) for r in range(radius + 1))
            cost += n * ball + 4 * n * n / 2 * ball / 2**bits
        if best is None or cost < best[0]:
            best = (cost, widths)
    assert best is not None
    return best[1]
