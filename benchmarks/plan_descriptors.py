"""Does the detection plan cost people quality? Its descriptors beside the naive path's (issue 19,
item 4).

    uv run python benchmarks/plan_descriptors.py [--faces DIR] [--sets lfw-62x10,...] [--workers 2]

With the HOG detection plan (album/faces/analyze.py) a face's box comes from the plan's pass
(dlib's own 2x upsample on a small photo; a JPEG draft scale, a verify tile or a band on a large
one), while `--no-detection-plan` detects on the whole photo enlarged by Pillow. The two
pyramids are offset, so a face's box can differ by a few pixels, and its size by one HOG
pyramid step; the 68 landmarks start from the box, and the descriptor follows. Whether either
box gives the better descriptor is measured here, on the same photos, in one process:

1. every photo of the sets in ../shared/faces (or $ALBUM_FACES, or --faces) is analysed twice,
   `analyze_photo` with and without the plan (a pool of worker processes);
2. faces are paired across the two by box overlap (IoU >= 0.3): how many each path alone
   found, how often the box's size differs by more than 10 %, how far the descriptors move;
3. each photo's largest face is labelled with its folder's person (the faces' README). Per set:
   the verification AUC over all pairs of labelled faces (how well a distance tells one person
   from two, for any cut), and album's clustering (`cluster_faces`) scored by BCubed F, for the
   plan's descriptors, the naive path's, and their mean (what encoding from both boxes would
   give, at twice the encoding's cost). A photo whose two paths picked different largest faces
   is left out of the comparison and counted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.config import Settings  # noqa: E402
from album.faces.analyze import analyze_photo, iou  # noqa: E402
from album.imaging import is_photo  # noqa: E402
from album.people.cluster import cluster_faces  # noqa: E402
from album.people.metrics import bcubed  # noqa: E402

SETS = ("lfw-62x10", "web-celebs", "eastasian", "children")
PATHS = ("plan", "naive")
Face = tuple[tuple[int, int, int, int], np.ndarray]


def faces_root(given: Path | None, sets: list[str]) -> Path:
    root = given or Path(os.environ.get("ALBUM_FACES") or REPO.parent / "shared" / "faces")
    missing = [s for s in sets if not (root / s).is_dir()]
    if missing:
        sys.exit(
            f"no labelled face photos at {root} (missing {', '.join(missing)}): "
            "pass --faces DIR or set $ALBUM_FACES to the shared faces folder"
        )
    return root


def both_ways(path: str) -> tuple[str, list[list[Face]]]:
    """The photo's faces with the plan and without it."""
    found = []
    for plan in (True, False):
        result = analyze_photo(path, Settings(detection_plan=plan, workers=1))
        found.append([(f.box, f.embedding) for f in result.faces])
    return path, found


def area(face: Face) -> int:
    top, right, bottom, left = face[0]
    return (right - left) * (bottom - top)


def auc(x: np.ndarray, y: np.ndarray) -> float:
    """The chance that a random pair of one person is closer than a random pair of two."""
    d = np.sqrt(np.maximum(((x[:, None] - x[None]) ** 2).sum(-1), 0.0))
    same = y[:, None] == y[None]
    upper = np.triu_indices(len(x), 1)
    dist, is_same = d[upper], same[upper]
    ranks = np.argsort(np.argsort(-dist, kind="stable"), kind="stable") + 1.0
    n_same, n_diff = is_same.sum(), (~is_same).sum()
    if n_same == 0 or n_diff == 0:
        return float("nan")
    return float((ranks[is_same].sum() - n_same * (n_same + 1) / 2) / (n_same * n_diff))


def pair_stats(results: list[tuple[str, list[list[Face]]]]) -> dict[str, float]:
    only = [0, 0]
    ratios, moved = [], []
    for _, (plan, naive) in results:
        used = set()
        for face in plan:
            overlap = [(iou(face[0], other[0]), j) for j, other in enumerate(naive)]
            best, j = max(overlap, default=(0.0, -1))
            if best < 0.3:
                only[0] += 1
                continue
            used.add(j)
            side = face[0][1] - face[0][3]
            ratios.append(side / max(naive[j][0][1] - naive[j][0][3], 1))
            moved.append(float(np.linalg.norm(face[1] - naive[j][1])))
        only[1] += len(naive) - len(used)
    off = np.abs(np.log(np.array(ratios))) > np.log(1.1)
    return {
        "paired": len(ratios),
        "plan only": only[0],
        "naive only": only[1],
        "box size off >10 %": float(off.mean()),
        "descriptor moved (median)": float(np.median(moved)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=Path, help="the shared faces folder")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    sets = args.sets.split(",")
    root = faces_root(args.faces, sets)
    files = sorted(str(p) for s in sets for p in (root / s).rglob("*") if is_photo(p))
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(both_ways, files, chunksize=8))
    print(f"{len(files)} photos analysed both ways in {time.perf_counter() - started:.0f} s\n")
    for name, value in pair_stats(results).items():
        print(f"- {name}: {value:.3f}" if isinstance(value, float) else f"- {name}: {value}")

    labels, sets_of, by_path = [], [], {p: [] for p in PATHS}
    skipped = 0
    for path, found in results:
        if not all(found):
            continue
        largest = [max(faces, key=area) for faces in found]
        if iou(largest[0][0], largest[1][0]) < 0.3:
            skipped += 1  # the two paths' largest faces are different faces
            continue
        rel = Path(path).relative_to(root)
        labels.append(str(rel.parent))
        sets_of.append(rel.parts[0])
        for name, face in zip(PATHS, largest, strict=True):
            by_path[name].append(face[1])
    y, set_arr = np.array(labels), np.array(sets_of)
    xs = {name: np.array(v) for name, v in by_path.items()}
    xs["mean of both"] = (xs["plan"] + xs["naive"]) / 2
    print(f"- photos whose largest face differs between the two paths (left out): {skipped}\n")
    print("| set | faces | descriptors | verification AUC | BCubed P | R | F |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for s in sets:
        m = set_arr == s
        for name, x in xs.items():
            p, r, f = bcubed(y[m], cluster_faces(x[m]))
            figures = f"{auc(x[m], y[m]):.4f} | {p:.3f} | {r:.3f} | {f:.3f}"
            print(f"| {s} | {m.sum()} | {name} | {figures} |")


if __name__ == "__main__":
    main()
