"""How good are album's people? Quality and labelling effort against chinese whispers and DBSCAN.

    uv run python benchmarks/cluster_quality.py [--faces DIR] [--scale 10000,50000,150000]

1. Scans the labelled sets of ../shared/faces with `album scan` (the real pipeline: detection,
   68-point landmarks, encoding), once, into a cached library under $TMPDIR/album-bench. Each
   photo's largest face is labelled with its folder's person (lfw-62x10, web-celebs,
   group-photos/reference; the README of the faces says the folder names the main face).
2. On the same embeddings, per set: album's clustering, dlib chinese_whispers_clustering(0.5) and
   sklearn DBSCAN(eps=0.5, min_samples=1): BCubed and pairwise precision / recall / F, and the
   labelling effort: the user actions (name, merge, move) to reach a fully correct labelling
   when the user names one face per cluster (a cluster named after a person already named is a
   merge; each face of someone else in it is a move; each face left alone needs one action).
   "album + matching" counts what album's matcher then does for the user: after the groups are
   named, the unsorted faces close to a named person are suggested; one "confirm all" per person
   accepts them, and a wrong suggestion costs a move.
3. The long tail (lfw-embeddings.npz) and the scale run on synthetic embeddings, from
   benchmarks/cluster_embeddings.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cluster_embeddings import chinese_whispers, dbscan, scale, table  # noqa: E402

from album.people.cluster import cluster_faces  # noqa: E402
from album.people.match import match  # noqa: E402
from album.people.metrics import bcubed, pairwise  # noqa: E402
from album.store.faces import blob_embedding  # noqa: E402
from album.store.library import Library  # noqa: E402

SETS = {
    "lfw-62x10": ["lfw-62x10"],
    "web-celebs": ["web-celebs"],
    "all labelled (lfw + web + reference)": [
        "lfw-62x10",
        "web-celebs",
        "group-photos/reference",
    ],
}


def scanned(faces: Path, rescan: bool) -> Path:
    cache = Path(os.environ.get("TMPDIR", "/tmp")) / "album-bench" / "quality.db"
    if rescan and cache.exists():
        cache.unlink()
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        folders = sorted({f for parts in SETS.values() for f in parts})
        print(f"scanning {', '.join(folders)} once (cached in {cache})…", file=sys.stderr)
        command = [sys.executable, "-m", "album", "scan", *(str(faces / f) for f in folders)]
        subprocess.run([*command, "--library", str(cache), "--quiet"], check=True, cwd=REPO)
    return cache


def labelled(library_path: Path, faces: Path, parts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each photo's largest face and its folder's person, for the photos under `parts`."""
    roots = [str(faces.resolve() / p) + os.sep for p in parts]
    best: dict[str, tuple[int, bytes]] = {}
    with Library.open(library_path) as library:
        for path, side, blob in library.conn.execute(
            "SELECT ph.path, max(f.right - f.left, f.bottom - f.top), f.embedding FROM faces f "
            "JOIN photos ph ON ph.id = f.photo_id WHERE f.removed = 0 AND ph.status = 'done'"
        ):
            wanted = any(path.startswith(r) for r in roots)
            if wanted and (path not in best or side > best[path][0]):
                best[path] = (side, blob)
    paths = sorted(best)
    x = np.array([blob_embedding(best[p][1]) for p in paths], dtype=np.float32)
    y = np.array([Path(p).parent.name for p in paths])
    return x, y


def album(x: np.ndarray) -> np.ndarray:
    return cluster_faces(x, np.arange(len(x)))


def groups(labels: np.ndarray) -> list[np.ndarray]:
    """Face indices per predicted group; every unsorted (-1) face is a group of its own."""
    out = [np.flatnonzero(labels == label) for label in np.unique(labels[labels >= 0])]
    return out + [np.array([i]) for i in np.flatnonzero(labels < 0)]


def effort(y: np.ndarray, labels: np.ndarray) -> int:
    """Actions to a correct labelling when the user names one face per group: the name (or a
    merge into the person already named), plus a move for each face of someone else."""
    actions = 0
    for idx in groups(labels):
        actions += 1 + len(idx) - Counter(y[idx]).most_common(1)[0][1]
    return actions


def effort_with_matching(x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> int:
    """album's effort as the app works: the user names the biggest group first, and after every
    name the matcher suggests that person's other faces anywhere (other groups, unsorted faces).
    Correct suggestions cost one "confirm all" per person, wrong ones a move each; groups the
    suggestions emptied need no action of their own."""
    _, codes = np.unique(y, return_inverse=True)
    confirmed = np.zeros(len(y), dtype=bool)
    suggested = np.full(len(y), -1)
    actions = 0
    for idx in sorted(groups(labels), key=len, reverse=True):
        open_ = idx[~confirmed[idx] & (suggested[idx] != codes[idx])]
        if len(open_) == 0:
            continue  # the matcher already put all of them with the right person
        actions += 1 + len(open_) - Counter(y[open_]).most_common(1)[0][1]
        confirmed[open_] = True
        loose = np.flatnonzero(~confirmed)
        found = match(x[loose], x[confirmed], codes[confirmed])
        suggested[loose] = found.person
    pending = ~confirmed
    right = pending & (suggested == codes)
    return actions + len(set(codes[right])) + int(np.sum(pending & ~right))


METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "album": album,
    "chinese whispers 0.5": chinese_whispers,
    "DBSCAN 0.5": dbscan,
}


def quality(name: str, x: np.ndarray, y: np.ndarray) -> None:
    print(f"\n### {name}: {len(y)} faces, {len(set(y))} people\n")
    print("| method | BCubed P / R / F | pairwise P / R / F | user actions | time |")
    print("|---|---|---|---|---|")
    for method, fn in METHODS.items():
        started = time.perf_counter()
        labels = fn(x)
        seconds = time.perf_counter() - started
        b, p = bcubed(y, labels), pairwise(y, labels)
        print(
            f"| {method} | {b[0]:.3f} / {b[1]:.3f} / **{b[2]:.3f}** | "
            f"{p[0]:.3f} / {p[1]:.3f} / **{p[2]:.3f}** | {effort(y, labels)} | {seconds:.2f} s |"
        )
        if method == "album":
            matched = effort_with_matching(x, y, labels)
            print(f"| album, naming with matching (the app) | | | {matched} | |")
    print(f"| (perfect: one name per person) | | | {len(set(y))} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(os.environ.get("ALBUM_FACES", REPO.parent / "shared" / "faces"))
    parser.add_argument("--faces", type=Path, default=default)
    parser.add_argument("--rescan", action="store_true", help="scan again instead of the cache")
    parser.add_argument("--scale", default="10000,50000,150000", help="sizes; '' to skip")
    args = parser.parse_args()
    if not (args.faces / "lfw-62x10").is_dir():
        sys.exit(f"no face photos at {args.faces}: pass --faces or set ALBUM_FACES")
    library = scanned(args.faces, args.rescan)
    for name, parts in SETS.items():
        quality(name, *labelled(library, args.faces, parts))
    data = np.load(args.faces / "lfw-embeddings.npz", allow_pickle=True)
    table("lfw-embeddings.npz (5,518 people, the long tail)", data["X"], data["y"])
    if args.scale:
        scale([int(s) for s in args.scale.split(",")])


if __name__ == "__main__":
    main()
