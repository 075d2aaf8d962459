"""What albums, stars and hearts cost as the library grows: each edit, undo, the sidebar's
album list (smart albums counted) and the searches, at 100,000 photos beside 2,000.

    uv run python benchmarks/organize.py [--rounds 5]

The libraries are `benchmarks/big_library.py`'s (built once and cached; photos over 20 years,
a third with a place). In one process, on fresh copies, each operation runs on the small and
the big library in turn, `--rounds` times; the table has the median of each and their ratio.
A ratio near 1 says the operation does not grow with the library: what a user does to a few
photos costs the same in a library of any size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.organizer import Organizer  # noqa: E402
from album.people.service import PeopleService  # noqa: E402
from album.store.export_rows import export_rows  # noqa: E402
from album.store.library import Library  # noqa: E402
from album.store.search import named_people, parse, search_photos  # noqa: E402
from benchmarks.big_library import cached_library, fresh_copy  # noqa: E402

SMALL, BIG = 2_000, 100_000
SMART = ("★4+", "favourites", "2019")


class Side:
    """One library, with a third of its photos rated and a tenth hearted (as a family's is
    after some years), three smart albums and the ids to work on."""

    def __init__(self, n: int, into: Path) -> None:
        built, _ = cached_library(n)
        self.library = Library.open(fresh_copy(built, into), scheduled_backup=False)
        self.organizer = Organizer(self.library)
        self.service = PeopleService(self.library)
        ids = [r[0] for r in self.library.conn.execute("SELECT id FROM photos ORDER BY id")]
        rng = random.Random(n)
        self.ids = ids
        started = time.perf_counter()
        for stars in range(1, 6):
            self.organizer.rate(rng.sample(ids, len(ids) // 15), stars)
        self.setup_s = time.perf_counter() - started
        self.organizer.favourite(rng.sample(ids, len(ids) // 10), True)
        for search in SMART:
            self.organizer.create(f"Smart {search}", search=search)
        self.album = self.organizer.create("Trip", rng.sample(ids, 200))
        self.rng = rng

    def some(self, count: int) -> list[int]:
        return self.rng.sample(self.ids, count)


def operations() -> dict[str, Callable[[Side], object]]:
    return {
        "rate 1 photo": lambda s: s.organizer.rate(s.some(1), 4),
        "rate 200 photos (a selected day or two)": lambda s: s.organizer.rate(s.some(200), 3),
        "heart on 200 photos": lambda s: s.organizer.favourite(s.some(200), True),
        "undo the last of those": lambda s: s.service.undo(),
        "new album of 500 photos": lambda s: s.organizer.create(
            f"Album {s.rng.random()}", s.some(500)
        ),
        "add 100 photos to a 200-photo album": lambda s: s.organizer.add(s.album, s.some(100)),
        "take 50 out": lambda s: s.organizer.remove(s.album, s.organizer.photo_ids(s.album)[:50]),
        "reorder the album": lambda s: s.organizer.reorder(
            s.album, list(reversed(s.organizer.photo_ids(s.album)))
        ),
        "the album's photos": lambda s: s.organizer.photos(s.album),
        "the sidebar's albums (3 smart ones counted)": lambda s: s.organizer.albums(),
        "search ★4+": lambda s: search_photos(
            s.library, parse("★4+", named_people(s.library.conn))
        ),
        "search favourites 2019": lambda s: search_photos(
            s.library, parse("favourites 2019", named_people(s.library.conn))
        ),
        "export's rows for 500 photos": lambda s: export_rows(s.library.conn, s.some(500)),
    }


def timed(run: Callable[[Side], object], side: Side) -> float:
    started = time.perf_counter()
    run(side)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="album-organize-") as tmp:
        small, big = Side(SMALL, Path(tmp) / "small"), Side(BIG, Path(tmp) / "big")
        print(f"Setup: 5 ratings over a third of the photos, {small.setup_s:.2f} s at {SMALL:,}, ")
        print(f"{big.setup_s:.2f} s at {BIG:,} ({BIG // 3:,} photos rated in 5 edits)\n")
        print(f"| operation | {SMALL:,} photos | {BIG:,} photos | ratio |")
        print("|---|---|---|---|")
        for what, run in operations().items():
            times: dict[str, list[float]] = {"small": [], "big": []}
            for _ in range(args.rounds):
                times["small"].append(timed(run, small))
                times["big"].append(timed(run, big))
            a, b = (statistics.median(times[k]) * 1000 for k in ("small", "big"))
            print(f"| {what} | {a:.1f} ms | {b:.1f} ms | {b / a:.2f}x |", flush=True)
        small.library.close()
        big.library.close()


if __name__ == "__main__":
    main()
