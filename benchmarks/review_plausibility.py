"""Does Review ask questions worth answering? The share of Yes answers per plausibility floor.

    uv run python benchmarks/review_plausibility.py [--faces DIR] [--named 60] [--strangers 4000]

Builds a real library from lfw-embeddings.npz (real dlib embeddings of LFW): `--named` people
with at least ten photos, three faces of each confirmed by the "user" (named), the rest of their
faces unlabelled, among `--strangers` faces of people seen at most four times. album then
groups and matches as it does after a scan (update_people), and `review_queue` builds the
questions. A question "Is this X?" is answered Yes when the face's true identity is X.

For each floor: how many questions Review would ask, and the share answered Yes. The chosen
floor (album.people.suggest.PLAUSIBLE_ABOVE) must keep that share at or above 70 %. Also shows
the order: the share of Yes among the first 50 questions asked.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.people.suggest import PLAUSIBLE_ABOVE, review_queue  # noqa: E402
from album.people.update import update_people  # noqa: E402
from album.store.faces import embedding_blob  # noqa: E402
from album.store.library import Library  # noqa: E402

FLOORS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
CONFIRMED = 3


def faces_dir(given: str | None) -> Path:
    for candidate in (given, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared/faces")):
        if candidate and (Path(candidate) / "lfw-embeddings.npz").exists():
            return Path(candidate)
    sys.exit("lfw-embeddings.npz not found: pass --faces or set $ALBUM_FACES")


def build(path: Path, x: np.ndarray, y: np.ndarray, named: int, strangers: int) -> dict[int, str]:
    """The library; returns each face id's true identity."""
    rng = np.random.default_rng(0)
    counts = Counter(y.tolist())
    regulars = sorted(p for p, c in counts.items() if c >= 10)
    chosen = [regulars[i] for i in rng.choice(len(regulars), named, replace=False)]
    rare = np.flatnonzero(np.array([counts[p] <= 4 for p in y.tolist()]))
    extra = rng.choice(rare, min(strangers, len(rare)), replace=False)
    truth: dict[int, str] = {}
    with Library.open(path) as library, library.write() as db:
        conn = db.conn
        now = time.time()

        def add(index: int, person: int | None) -> None:
            photo = conn.execute(
                "INSERT INTO photos (path, size, mtime_ns, status, width, height) "
                "VALUES (?, 1, 1, 'done', 250, 250) RETURNING id",
                (f"/bench/{index}.jpg",),
            ).fetchone()[0]
            face = conn.execute(
                "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, "
                "person_id, label_source) VALUES (?, 70, 180, 180, 70, 1, ?, ?, ?) RETURNING id",
                (
                    photo,
                    embedding_blob(x[index].astype(np.float32)),
                    person,
                    "user" if person else None,
                ),
            ).fetchone()[0]
            truth[face] = str(y[index])

        for number, name in enumerate(chosen, start=1):
            conn.execute(
                "INSERT INTO people (id, name, created_at) VALUES (?, ?, ?)", (number, name, now)
            )
            mine = np.flatnonzero(y == name)[:20]
            for k, index in enumerate(mine):
                add(int(index), number if k < CONFIRMED else None)
        for index in extra:
            add(int(index), None)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces")
    parser.add_argument("--named", type=int, default=60)
    parser.add_argument("--strangers", type=int, default=4000)
    args = parser.parse_args()
    data = np.load(faces_dir(args.faces) / "lfw-embeddings.npz")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "review.db"
        truth = build(path, data["X"], data["y"], args.named, args.strangers)
        with Library.open(path) as library:
            update_people(library, recluster=True)
            started = time.perf_counter()
            items = review_queue(library, limit=10**9, floor=0.0)
            took = time.perf_counter() - started
            ordered = review_queue(library, limit=50)
    print(
        f"{len(truth)} faces, {args.named} named people ({CONFIRMED} confirmed faces each), "
        f"review queue built in {took:.2f} s\n"
    )
    print("| floor | questions | answered Yes | near misses (not yet matched) | their Yes |")
    print("|---:|---:|---:|---:|---:|")
    for floor in FLOORS:
        asked = [i for i in items if i.confidence >= floor]
        yes = [truth[i.face_id] == i.person for i in asked]
        loose = [truth[i.face_id] == i.person for i in asked if not i.suggested]
        mark = " ← album" if floor == PLAUSIBLE_ABOVE else ""
        print(
            f"| {floor:.2f}{mark} | {len(asked)} | {np.mean(yes) if yes else 0:.1%} | "
            f"{len(loose)} | {np.mean(loose) if loose else 0:.1%} |"
        )
    first = [truth[i.face_id] == i.person for i in ordered]
    print(f"\nThe first {len(first)} questions Review asks: {np.mean(first):.1%} answered Yes")


if __name__ == "__main__":
    main()
