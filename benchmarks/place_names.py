"""What naming places costs a first scan (issue 21: "reverse geocoding adds < 2 % to a first
scan").

    uv run python benchmarks/place_names.py [--faces DIR] [--photos 60] [--rounds 2]

1. Side by side, in this process: the same real photos (lfw-62x10 from ../shared/faces, or
   $ALBUM_FACES, or --faces) scanned into fresh libraries as they are and with GPS coordinates
   written into their EXIF (near a city each, as a phone would), alternating, `--rounds`
   times. The ratio of the scans' times is what places cost a small first scan: reading the
   coordinates, loading the place table once, naming.
2. At the size of a family library: naming the places of a third of 100,000 photos (the share
   `benchmarks/big_library.py` gives coordinates), table load included, in a fresh process,
   against what scanning 100,000 such photos costs at the rate measured in step 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.config import Settings  # noqa: E402
from album.imaging import is_photo  # noqa: E402
from album.scan.runner import Scanner  # noqa: E402

CITIES = [(35.0116, 135.7681), (38.7223, -9.1393), (48.8566, 2.3522), (37.5665, 126.978)]
LIBRARY_PHOTOS = 100_000
WITH_COORDINATES = LIBRARY_PHOTOS // 3


def faces_root(given: Path | None) -> Path:
    root = given or Path(os.environ.get("ALBUM_FACES") or REPO.parent / "shared" / "faces")
    if not (root / "lfw-62x10").is_dir():
        sys.exit(
            f"no face photos at {root / 'lfw-62x10'}: pass --faces DIR or set $ALBUM_FACES "
            "to the shared faces folder"
        )
    return root


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = abs(degrees)
    whole = int(degrees)
    minutes = (degrees - whole) * 60
    return (
        IFDRational(whole),
        IFDRational(int(minutes)),
        IFDRational(round((minutes % 1) * 6000), 100),
    )


def make_folders(sources: list[Path], root: Path) -> tuple[Path, Path]:
    plain, placed = root / "plain", root / "placed"
    plain.mkdir()
    placed.mkdir()
    rng = np.random.default_rng(3)
    for number, source in enumerate(sources):
        name = f"{number:04d}_{source.name}"
        shutil.copyfile(source, plain / name)
        lat, lon = CITIES[number % len(CITIES)] + rng.normal(0, 0.02, 2)
        with Image.open(source) as image:
            exif = image.getexif()
            gps = exif.get_ifd(0x8825)
            gps.update({1: "N" if lat >= 0 else "S", 2: _dms(lat)})
            gps.update({3: "E" if lon >= 0 else "W", 4: _dms(lon)})
            image.save(placed / name, quality=95, exif=exif)
        # The same pixels' bytes for both: re-encode the plain copy as the placed one was.
        with Image.open(source) as image:
            image.save(plain / name, quality=95)
    return plain, placed


def scan(folder: Path, library: Path) -> tuple[float, float, int]:
    started = time.perf_counter()
    report = Scanner(library, Settings(workers=2)).run([folder])
    seconds = time.perf_counter() - started
    conn = sqlite3.connect(library)
    try:
        (named,) = conn.execute("SELECT count(*) FROM photos WHERE country != ''").fetchone()
    finally:
        conn.close()
    return seconds, report.stages.get("places", 0.0), named


def name_in_fresh_process(count: int) -> float:
    code = (
        "import sys, time, numpy as np; sys.path.insert(0, sys.argv[1]);"
        "from album.geocode import name_places;"
        "points = np.random.default_rng(1).uniform([-50, -130], [60, 150], (int(sys.argv[2]), 2));"
        "t = time.perf_counter(); name_places([tuple(p) for p in points]);"
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(REPO), str(count)], capture_output=True, text=True
    )
    if out.returncode != 0:
        sys.exit(out.stderr)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path)
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    root = faces_root(args.faces)
    sources = sorted(p for p in (root / "lfw-62x10").rglob("*") if is_photo(p))[: args.photos]
    with tempfile.TemporaryDirectory(prefix="album-places-") as temp:
        work = Path(temp)
        plain, placed = make_folders(sources, work)
        times: dict[str, list[float]] = {"plain": [], "placed": []}
        naming: list[float] = []
        for round_ in range(args.rounds):
            for kind, folder in (("plain", plain), ("placed", placed)):
                seconds, places, named = scan(folder, work / f"{kind}-{round_}" / "library.db")
                times[kind].append(seconds)
                if kind == "placed":
                    naming.append(places)
                    assert named == len(sources), f"{named} of {len(sources)} photos named"
    plain_s, placed_s = min(times["plain"]), min(times["placed"])
    print(f"{len(sources)} photos, best of {args.rounds} rounds, 2 workers")
    print(f"  scan without coordinates: {plain_s:.2f} s")
    print(f"  scan with coordinates:    {placed_s:.2f} s")
    print(f"  ratio: {placed_s / plain_s:.3f}")
    # Only the first round loads the place table (the process keeps it): its own ratio is a
    # one-off first scan's, load included.
    first = times["placed"][0] / times["plain"][0]
    print(
        f"  first round only (the place table loaded during it): {times['plain'][0]:.2f} s / "
        f"{times['placed'][0]:.2f} s, ratio {first:.3f}; naming after the analysis "
        f"{naming[0]:.2f} s"
    )
    per_photo = plain_s / len(sources)
    big = name_in_fresh_process(WITH_COORDINATES)
    first_scan = per_photo * LIBRARY_PHOTOS
    print(
        f"{WITH_COORDINATES:,} of {LIBRARY_PHOTOS:,} photos named in {big:.2f} s (table load "
        f"included), against a first scan of about {first_scan:,.0f} s at this rate: "
        f"{big / first_scan:.3%}"
    )


if __name__ == "__main__":
    main()
