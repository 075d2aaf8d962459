"""How fast is a rescan of a library where nothing changed?

    uv run python benchmarks/rescan_speed.py [--photos 5000]

Makes N small photo files (under $TMPDIR/album-rescan, reused), scans them once into a fresh
library, then times, side by side and alternating, (a) a plain os.walk + stat of the folder
(the floor: what any rescan must at least do) and (b) `album scan` of the same folder, whole
process included. Prints photos/s for each and how many times the floor (b) costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent


def make_photos(count: int) -> Path:
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "album-rescan" / str(count)
    marker = folder / ".complete"
    if marker.exists():
        return folder
    for i in range(count):
        sub = folder / f"{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (48, 32), ((i * 37) % 256, (i * 91) % 256, 128)).save(sub / f"{i}.jpg")
    marker.touch()
    return folder


def plain_walk(folder: Path) -> float:
    started = time.perf_counter()
    for root, _dirs, files in os.walk(folder):
        for name in files:
            os.stat(os.path.join(root, name))
    return time.perf_counter() - started


def album_rescan(folder: Path, library: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "album", "scan", str(folder), "--library", str(library), "--quiet"],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = make_photos(args.photos)
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "rescan.db"
        first = album_rescan(folder, library)
        walks, rescans = [], []
        for _ in range(args.rounds):
            walks.append(plain_walk(folder))
            rescans.append(album_rescan(folder, library))
    walk, rescan = statistics.median(walks), statistics.median(rescans)
    n = args.photos
    print(f"\nrescan of {n} unchanged photos ({args.rounds} rounds, medians)\n")
    print("| what | seconds | photos/s |")
    print("|---|---|---|")
    print(f"| first scan (analysis) | {first:.1f} | {n / first:.0f} |")
    print(f"| os.walk + stat (floor) | {walk:.3f} | {n / walk:.0f} |")
    print(f"| album scan, whole process | {rescan:.2f} | {n / rescan:.0f} |")
    print(f"\nalbum rescan / floor: {rescan / walk:.1f}x")


if __name__ == "__main__":
    main()
