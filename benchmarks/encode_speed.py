"""Encoding faces: dlib's own descriptor network against the same network in numpy.

    uv run python benchmarks/encode_speed.py [../shared/faces] [--rounds 3]

Both encoders run side by side in this one process, interleaved round by round, on the same
faces: every face HOG finds (at 2x) in the group photos and a sample of the web photos, with
the 68-point landmarks album uses. Each call encodes one photo's faces, as a scan does (dlib's
`compute_face_descriptor` over the photo's shapes; numpy: dlib's face chips, then the network
on all of them at once). One BLAS thread, as in a scan's worker processes. Prints ms per face
for each, their ratio, and the largest difference between their descriptors.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.config import Settings  # noqa: E402
from album.faces.engine import ENCODER_ENV, FaceEngine  # noqa: E402


def faces_folder(arg: str | None) -> Path:
    for candidate in (arg, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared" / "faces")):
        if candidate and (Path(candidate) / "group-photos").is_dir():
            return Path(candidate)
    sys.exit("face photos not found: pass a folder, set $ALBUM_FACES or use ../shared/faces")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("faces", nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = faces_folder(args.faces)
    photos = sorted((root / "group-photos" / "mixed").iterdir())
    photos += sorted(p for p in (root / "web-celebs").rglob("*") if p.is_file())[::8]
    settings = Settings(detector="hog", workers=1)
    os.environ.pop(ENCODER_ENV, None)
    fast = FaceEngine(settings)
    os.environ[ENCODER_ENV] = "dlib"
    reference = FaceEngine(settings)
    del os.environ[ENCODER_ENV]
    work = []
    for photo in photos:
        try:
            pixels = np.asarray(Image.open(photo).convert("RGB"))
        except OSError:
            continue
        boxes = fast.detect(pixels, upsample=1)
        if boxes:
            work.append((pixels, boxes))
    faces = sum(len(boxes) for _, boxes in work)
    seconds = {"dlib": 0.0, "numpy": 0.0}
    largest = 0.0
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(args.rounds):
            for pixels, boxes in work:
                started = time.perf_counter()
                ours = fast.encode(pixels, boxes)
                seconds["numpy"] += time.perf_counter() - started
                started = time.perf_counter()
                theirs = reference.encode(pixels, boxes)
                seconds["dlib"] += time.perf_counter() - started
                largest = max(largest, float(np.abs(np.stack(ours) - np.stack(theirs)).max()))
    per_face = {k: 1000 * v / (faces * args.rounds) for k, v in seconds.items()}
    load = os.getloadavg()[0]
    print(
        f"## encoding {faces} faces from {len(work)} photos, {args.rounds} rounds, one BLAS "
        f"thread, load average {load:.1f}\n"
    )
    print("| encoder | ms per face | against dlib's |")
    print("|---|---|---|")
    print(f"| dlib's own (compute_face_descriptor) | {per_face['dlib']:.1f} | 1.00x |")
    print(
        f"| numpy (album.faces.descriptor_net) | {per_face['numpy']:.1f} | "
        f"{per_face['dlib'] / per_face['numpy']:.2f}x faster |"
    )
    print(f"\nlargest difference between their descriptors: {largest:.1e}")


if __name__ == "__main__":
    main()
