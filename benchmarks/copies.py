"""What counting copies once costs as the library grows (issue 22): marking the sets after a
scan, and the people list and a person's photos once copies are marked, at 100,000 photos
beside 2,000.

    uv run python benchmarks/copies.py [--rounds 5] [--share 0.05]

The libraries are `benchmarks/big_library.py`'s (built once and cached). Each copy gets
perceptual hashes: random ones, and for --share of the photos the hash of the photo before
it with 2 bits flipped (a near copy, as a messenger's resized copy is). Then, in one
process, alternating between the libraries, --rounds times, median of each:
- `album.copies.refresh`: find the sets and mark each copy with its keeper (what a scan
  does at its end), once from nothing and once with every mark already in place;
- the people list (`queries.people`), with the copies marked beside the same list with
  none marked (the ratio is what counting once adds);
- the photos of the person with the most photos (`queries.photos_with`), likewise.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album import copies  # noqa: E402
from album.store import queries  # noqa: E402
from album.store.library import Library  # noqa: E402
from benchmarks.big_library import cached_library, fresh_copy  # noqa: E402

SMALL, BIG = 2_000, 100_000


def plant_hashes(library: Path, share: float, seed: int = 7) -> int:
    """Random hashes, and a near copy's for `share` of the photos; returns how many."""
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(library)
    ids = [r[0] for r in conn.execute("SELECT id FROM photos ORDER BY id")]
    codes = rng.integers(-(2**63), 2**63 - 1, size=len(ids), dtype=np.int64)
    planted = 0
    for i in range(1, len(ids)):
        if rng.random() < share:
            flips = rng.choice(64, size=2, replace=False)
            bits = np.uint64(sum(1 << int(b) for b in flips))
            codes[i : i + 1] = (codes[i - 1 : i].view(np.uint64) ^ bits).view(np.int64)
            planted += 1
    with conn:
        conn.executemany(
            "UPDATE photos SET phash = ?, copy_of = NULL, copies_kept = NULL WHERE id = ?",
            zip(codes.tolist(), ids, strict=True),
        )
    conn.close()
    return planted


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


class Side:
    def __init__(self, n: int, work: Path, share: float) -> None:
        pristine, _ = cached_library(n)
        self.n = n
        self.path = fresh_copy(pristine, work / str(n))
        Library.open(self.path, scheduled_backup=False).close()  # migrated, outside the clock
        self.planted = plant_hashes(self.path, share)
        self.library = Library.open(self.path, scheduled_backup=False)
        conn = self.library.conn
        self.busiest = conn.execute(
            "SELECT person_id FROM faces WHERE person_id IS NOT NULL GROUP BY person_id "
            "ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]

    def unmark(self) -> None:
        with self.library.write() as db:
            db.conn.execute("UPDATE photos SET copy_of = NULL WHERE copy_of IS NOT NULL")

    def measure(self) -> dict[str, float]:
        conn = self.library.conn
        out: dict[str, float] = {}
        self.unmark()
        out["people, no copies marked"] = timed(lambda: queries.people(conn))
        out["a person's photos, none marked"] = timed(
            lambda: queries.photos_with(conn, [self.busiest])
        )
        out["marking the copies, from none"] = timed(lambda: copies.refresh(self.library))
        out["marking the copies, all in place"] = timed(lambda: copies.refresh(self.library))
        out["people, copies marked"] = timed(lambda: queries.people(conn))
        out["a person's photos, copies marked"] = timed(
            lambda: queries.photos_with(conn, [self.busiest])
        )
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.05)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="album-copies-") as work:
        sides = [Side(n, Path(work), args.share) for n in (SMALL, BIG)]
        runs: dict[int, list[dict[str, float]]] = {s.n: [] for s in sides}
        for _ in range(args.rounds):
            for side in sides:
                runs[side.n].append(side.measure())
        marked = (
            sides[1]
            .library.conn.execute("SELECT count(*) FROM photos WHERE copy_of IS NOT NULL")
            .fetchone()[0]
        )
        print(
            f"copies planted: {sides[0].planted} of {SMALL:,}, {sides[1].planted} of "
            f"{BIG:,} ({marked} marked); median of {args.rounds} rounds\n"
        )
        print(f"| what | {SMALL:,} photos | {BIG:,} photos | ratio |")
        print("|---|---|---|---|")
        for what in runs[SMALL][0]:
            small = statistics.median(r[what] for r in runs[SMALL]) * 1000
            big = statistics.median(r[what] for r in runs[BIG]) * 1000
            print(f"| {what} | {small:.1f} ms | {big:.1f} ms | {big / small:.1f}x |")
        for side in sides:
            side.library.close()


if __name__ == "__main__":
    main()
