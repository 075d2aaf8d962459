"""Duplicates (issue 22): how far apart copies and different photos are, and how fast
find_sets is at library scale.

    uv run python benchmarks/duplicates.py distances [--faces DIR]
    uv run python benchmarks/duplicates.py scale [--photos 100000] [--naive 5000]
    uv run python benchmarks/duplicates.py cost [--faces DIR] [--count 30]

`distances` picks album.duplicates.NEAR_DISTANCE. Each shared real photo (../shared/faces) is
decoded as the scan decodes it, and so are copies of it made as people make them: resized to
50 %, recompressed at JPEG quality 60, both, cropped 3 % (off one corner, and 1.5 % off each
side), brightened 10 %, and all of those at once. It prints the hash distance of each kind of
copy to its photo, and of every pair of different photos: of one LFW person (the same face,
another photo: never a copy), and of any two. A threshold needs margin on both sides.

`scale` times find_sets at --photos photos (random hashes; every 50th photo given a planted
near copy 1-NEAR_DISTANCE bits away, every 100th an exact copy) beside the naive comparison
of every pair (numpy, one row at a time) on --naive of them, and checks both find the same
pairs there.

`cost` times perceptual_hash on the picture the scan decodes, beside the whole analysis of
the same photo (decode, detection, encoding), on LFW photos and on the larger web photos.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.config import Settings  # noqa: E402
from album.duplicates import (  # noqa: E402
    NEAR_DISTANCE,
    DuplicatePhoto,
    find_sets,
    hamming,
    near_pairs,
    perceptual_hash,
)
from album.faces.analyze import coarse_scale  # noqa: E402
from album.imaging import is_photo, open_photo, oriented_size  # noqa: E402

SETS = ("lfw-62x10", "web-celebs", "group-photos", "eastasian", "children")


def faces_folder(arg: str | None) -> Path:
    for candidate in (arg, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared" / "faces")):
        if candidate and (Path(candidate) / "lfw-62x10").is_dir():
            return Path(candidate)
    sys.exit("shared faces not found: pass --faces, set $ALBUM_FACES or use ../shared/faces")


def scan_hash(path: Path, data: bytes) -> int:
    """The hash the scan stores: of the picture the HOG plan's first pass decodes."""
    width, height = oriented_size(path, data)
    side = max(width, height)
    wanted = min(coarse_scale(side, Settings()), 1.0)
    needed = None if wanted >= 1 else max(1, int(side * wanted + 0.999))
    return perceptual_hash(open_photo(path, data, min_side=needed).image)


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _half(image: Image.Image) -> Image.Image:
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def _corner_crop(image: Image.Image) -> Image.Image:
    return image.crop((0, 0, round(image.width * 0.97), round(image.height * 0.97)))


def _centre_crop(image: Image.Image) -> Image.Image:
    dx, dy = round(image.width * 0.015), round(image.height * 0.015)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def _brighter(image: Image.Image) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(1.1)


COPIES: dict[str, Callable[[Image.Image], bytes]] = {
    "resized 50%": lambda im: _jpeg(_half(im)),
    "JPEG q60": lambda im: _jpeg(im, 60),
    "resized 50% + q60": lambda im: _jpeg(_half(im), 60),
    "crop 3% (corner)": lambda im: _jpeg(_corner_crop(im)),
    "crop 3% (centre)": lambda im: _jpeg(_centre_crop(im)),
    "brightness +10%": lambda im: _jpeg(_brighter(im)),
    "all of them": lambda im: _jpeg(_brighter(_half(_corner_crop(im))), 60),
}


def _photos(root: Path) -> list[Path]:
    return sorted(
        p for name in SETS for p in (root / name).rglob("*") if p.is_file() and is_photo(p)
    )


def _summary(values: np.ndarray) -> str:
    p99 = np.percentile(values, 99)
    return (
        f"n {len(values):>7}  min {values.min():>2}  median {np.median(values):>4.1f}  "
        f"p99 {p99:>4.1f}  max {values.max():>2}"
    )


def distances(root: Path) -> None:
    paths = _photos(root)
    hashes: list[int] = []
    by_copy: dict[str, list[int]] = {name: [] for name in COPIES}
    worst: dict[str, tuple[int, str]] = {}
    for path in paths:
        data = path.read_bytes()
        original = scan_hash(path, data)
        hashes.append(original)
        image = open_photo(path, data).image
        for name, make in COPIES.items():
            d = hamming(original, scan_hash(path.with_suffix(".jpg"), make(image)))
            by_copy[name].append(d)
            if d > worst.get(name, (-1, ""))[0]:
                worst[name] = (d, str(path.relative_to(root)))
    print(f"{len(paths)} photos from {', '.join(SETS)}\n\ncopies, bits from their photo:")
    limits = (NEAR_DISTANCE - 2, NEAR_DISTANCE, NEAR_DISTANCE + 2)
    width = 2 + 20 + 1 + len(_summary(np.zeros(1, dtype=np.int64))) + 2
    print(f"{'':<{width}}found within {', '.join(map(str, limits))}")
    for name, values in by_copy.items():
        found = "  ".join(f"{(np.array(values) <= t).mean():6.1%}" for t in limits)
        print(f"  {name:<20} {_summary(np.array(values))}  {found}   worst: {worst[name][1]}")
    _different(paths, np.array(hashes, dtype=np.int64), root)


def _different(paths: list[Path], hashes: np.ndarray, root: Path) -> None:
    codes = hashes.view(np.uint64)
    i, j = np.triu_indices(len(paths), k=1)
    apart = np.bitwise_count(codes[i] ^ codes[j]).astype(np.int64)
    folders = np.array([str(p.parent) for p in paths])
    lfw = np.array([p.is_relative_to(root / "lfw-62x10") for p in paths])
    same_person = (folders[i] == folders[j]) & lfw[i]
    print("\ndifferent photos, bits apart:")
    print(f"  {'one LFW person':<20} {_summary(apart[same_person])}")
    print(f"  {'any two LFW photos':<20} {_summary(apart[lfw[i] & lfw[j]])}")
    print(f"  {'any two':<20} {_summary(apart)}  (the same picture twice in a set included)")
    for limit in range(NEAR_DISTANCE - 4, NEAR_DISTANCE + 7, 2):
        print(f"  pairs within {limit:>2}: {(apart <= limit).sum()}")
    others = np.flatnonzero(folders[i] != folders[j])
    print("  closest pairs of two people (the folder names the person):")
    for k in others[np.argsort(apart[others], kind="stable")[:5]]:
        a, b = paths[i[k]].relative_to(root), paths[j[k]].relative_to(root)
        print(f"    {apart[k]:>2}  {a}  {b}")


def cost(root: Path, count: int) -> None:
    """The hash's seconds per photo beside the whole analysis of that photo (one process)."""
    from album.faces.analyze import analyze_photo

    settings = Settings(workers=1)
    for name in ("lfw-62x10", "web-celebs"):
        paths = sorted(p for p in (root / name).rglob("*") if p.is_file() and is_photo(p))
        paths = paths[:: max(1, len(paths) // count)][:count]
        hashing = analysing = 0.0
        for path in paths:
            data = path.read_bytes()
            width, height = oriented_size(path, data)
            side = max(width, height)
            wanted = min(coarse_scale(side, settings), 1.0)
            needed = None if wanted >= 1 else max(1, int(side * wanted + 0.999))
            image = open_photo(path, data, min_side=needed).image
            hashing += _best(lambda image=image: _timed(lambda: perceptual_hash(image)))
            analysing += analyze_photo(path, settings).seconds
        each, whole = hashing / len(paths), analysing / len(paths)
        print(
            f"{name:<11} {len(paths)} photos: hash {each * 1000:.2f} ms a photo, analysis "
            f"{whole * 1000:.0f} ms ({each / whole:.2%})"
        )


def _flipped(code: int, bits: np.ndarray) -> int:
    """`code` with these bits flipped, as a signed 64-bit integer again."""
    value = (code & (2**64 - 1)) ^ sum(1 << int(b) for b in bits)
    return value - (1 << 64) if value >= 1 << 63 else value


def _library(n: int, rng: np.random.Generator) -> tuple[list[DuplicatePhoto], int]:
    """n photos with random hashes, among them a near copy (1 to NEAR_DISTANCE bits away,
    smaller) of every 50th photo and an exact copy of every 100th (offset 25); and how many
    copies were planted."""
    photos: list[DuplicatePhoto] = []
    planted = 0
    for k, code in enumerate(rng.integers(-(2**63), 2**63 - 1, size=n, dtype=np.int64)):
        if len(photos) >= n:
            break
        code = int(code)
        photos.append(DuplicatePhoto(len(photos), f"/p/{k}.jpg", 900, 80, 60, None, f"h{k}", code))
        if k % 50 == 0 and len(photos) < n:
            flips = rng.choice(64, size=int(rng.integers(1, NEAR_DISTANCE + 1)), replace=False)
            near = _flipped(code, flips)
            photos.append(DuplicatePhoto(len(photos), f"/q/{k}.jpg", 500, 40, 30, None, "", near))
            planted += 1
        if k % 100 == 25 and len(photos) < n:
            photos.append(
                DuplicatePhoto(len(photos), f"/r/{k}.jpg", 900, 80, 60, None, f"h{k}", code)
            )
            planted += 1
    return photos, planted


def _naive_pairs(codes: np.ndarray, threshold: int) -> set[tuple[int, int]]:
    """Every pair compared, a row of numpy at a time."""
    u = codes.view(np.uint64)
    found = set()
    for a in range(len(u) - 1):
        close = np.nonzero(np.bitwise_count(u[a + 1 :] ^ u[a]) <= threshold)[0] + a + 1
        found.update((a, int(b)) for b in close)
    return found


def _best(seconds: Callable[[], float], repeat: int = 3) -> float:
    return min(seconds() for _ in range(repeat))


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def scale(n: int, naive_n: int) -> None:
    photos, planted = _library(n, np.random.default_rng(22))
    codes = np.array([p.phash for p in photos], dtype=np.int64)
    sets = find_sets(photos)
    print(f"{n} photos, threshold {NEAR_DISTANCE}: {len(sets)} sets found, {planted} planted")
    whole = _best(lambda: _timed(lambda: find_sets(photos)))
    pairs = _best(lambda: _timed(lambda: near_pairs(codes, NEAR_DISTANCE)))
    print(f"  find_sets {whole:.3f} s (near_pairs alone {pairs:.3f} s), best of 3")
    small = codes[:naive_n]
    multi = {tuple(map(int, p)) for p in near_pairs(small, NEAR_DISTANCE)}
    naive_time = _timed(lambda: _naive_pairs(small, NEAR_DISTANCE))
    multi_time = _best(lambda: _timed(lambda: near_pairs(small, NEAR_DISTANCE)))
    same = multi == _naive_pairs(small, NEAR_DISTANCE)
    print(
        f"{naive_n} photos: every pair compared {naive_time:.3f} s, near_pairs {multi_time:.4f} s "
        f"(x{naive_time / multi_time:.1f}); the same {len(multi)} pairs: {same}"
    )
    est = naive_time * (n / naive_n) ** 2
    print(f"every pair at {n}: about {est:.0f} s (n^2 from {naive_n}), x{est / whole:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("distances", help="hash distances of copies and of different photos")
    d.add_argument("--faces", help="the shared faces folder")
    s = sub.add_parser("scale", help="find_sets at library scale beside the naive way")
    s.add_argument("--photos", type=int, default=100_000)
    s.add_argument("--naive", type=int, default=5_000)
    c = sub.add_parser("cost", help="the hash's time beside the whole analysis of a photo")
    c.add_argument("--faces", help="the shared faces folder")
    c.add_argument("--count", type=int, default=30, help="photos of each set")
    args = parser.parse_args()
    if args.command == "distances":
        distances(faces_folder(args.faces))
    elif args.command == "cost":
        cost(faces_folder(args.faces), args.count)
    else:
        scale(args.photos, args.naive)


if __name__ == "__main__":
    main()
