"""The Photos page's timeline at 100,000 photos (issue 21's speed rows), beside the grids it
replaces.

    QT_QPA_PLATFORM=offscreen uv run python benchmarks/timeline.py [PHOTOS] [--jumps 20]

The library is `benchmarks/big_library.py`'s (built once and cached): photos over 20 years in
bursts, a third of them in a city. In one process, on a fresh copy, in the real window:

1. open: from a click on "Photos" to its tiles drawn at the newest month, and to their pictures;
   the GUI thread's longest step on the way (the query runs on a worker thread).
2. jump: "go to" dates spread over the 20 years, each to its tiles drawn and their pictures.
3. scroll: the whole timeline, a screenful every 20 ms, top to bottom: the longest stall of
   the GUI thread (a 10 ms ticker, as in window_scale.py) and its own CPU time in that gap;
   then the same scroll with the picture threads not held while the GUI thread paints.
4. the thumbnail cache: 40 photos of 12 megapixels (real faces, enlarged) shown by a fresh
   window's picture loader (nothing cached: each photo decoded and shrunk) and by a reopened
   one (read from the cache beside the library), alternating, best of 3 each.
5. side by side, the same photos in this process: the flat grid the Photos page was (one
   uniform QListView, no dates) and a QListView with a heading row per day (the person page's
   way), each from rows set to tiles drawn. The ratios are the timeline's cost against them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.big_library import cached_library, fresh_copy  # noqa: E402
from benchmarks.window_scale import Ticker, pump, wait_for  # noqa: E402

WIDTH, HEIGHT = 1280, 820


def pictures_shown(page: Any) -> bool:
    rows = page.view.rows_on_screen()
    return bool(rows) and all(
        page.view.thumbnails.cached("photo", page.model.rows[r].id) for r in rows
    )


def drawn(view: Any, action: Any) -> float:
    """Seconds from `action()` to the viewport painted after it: the event loop run until
    nothing is left to do (the paint Qt scheduled, the pictures that arrived meanwhile)."""
    from PySide6.QtWidgets import QApplication

    started = time.perf_counter()
    action()
    QApplication.processEvents()
    return time.perf_counter() - started


def measure(library: Path, jumps: int) -> dict[str, Any]:
    import datetime as dt

    from album.ui.app import application, create_window

    application()
    window = create_window(library)
    window.resize(WIDTH, HEIGHT)
    window.show()
    wait_for(lambda: bool(window.people.model.rows) and not window.backend.jobs.busy, 300)
    pump(1.0)
    page = window.photos
    out: dict[str, Any] = {}
    steps: list[float] = []
    loaded = page._loaded

    def timed_loaded(*args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        loaded(*args, **kwargs)
        steps.append(time.perf_counter() - started)

    page._loaded = timed_loaded  # type: ignore[method-assign]
    ticker = Ticker()
    started = time.perf_counter()
    window.show_page("Photos")
    wait_for(lambda: bool(page.model.rows), 120)
    page.view.viewport().repaint()
    out["open_tiles_s"] = time.perf_counter() - started
    out["open_first_rows"] = len(page.model.rows)
    wait_for(lambda: pictures_shown(page), 120)
    out["open_pictures_s"] = time.perf_counter() - started
    wait_for(lambda: bool(page.view.notes), 120)
    out["open_all_s"] = time.perf_counter() - started
    out["open_gui_step_ms"] = max(steps) * 1000
    out["open_stall_ms"] = ticker.longest * 1000
    out["photos"] = len(page.model.rows)
    out["days"] = len(page.view.days)
    out["month"] = page.view.month_at(page.view.verticalOffset())

    first = page.view.days[-1].date or dt.date(2006, 1, 1)
    last = page.view.days[0].date or dt.date(2025, 12, 31)
    span = (last - first).days
    tiles, pictures = [], []
    for k in range(jumps):
        wanted = first + dt.timedelta(days=span * (k + 0.5) / jumps)
        started = time.perf_counter()
        tiles.append(drawn(page.view, lambda w=wanted: page.go_to(w)))
        wait_for(lambda: pictures_shown(page), 60)
        pictures.append(time.perf_counter() - started)
    out["jump_tiles_s"], out["jump_pictures_s"] = tiles, pictures

    # As the People grid's row in window_scale.py: a screenful every 20 ms to the end, the
    # event loop running between (pictures arrive, the strip redraws), the ticker's gaps.
    # Then, side by side, the same scroll with the picture threads not held while the GUI
    # thread paints (as before they were: album/ui/thumbnails.py, Thumbnails._hold).
    thumbnails = page.view.thumbnails
    for name, hold in (("scroll", thumbnails._hold), ("scroll_unheld", lambda: None)):
        thumbnails._hold = hold  # type: ignore[method-assign]
        bar = page.view.verticalScrollBar()
        bar.setValue(0)
        pump(0.5)
        ticker.reset()
        screens = 0
        started = time.perf_counter()
        while bar.value() < bar.maximum():
            bar.setValue(bar.value() + bar.pageStep())
            screens += 1
            pump(0.02)
        out[f"{name}_s"] = time.perf_counter() - started
        out[f"{name}_screens"] = screens
        out[f"{name}_stall_ms"] = ticker.longest * 1000
        out[f"{name}_busy_ms"] = ticker.busiest * 1000
    del thumbnails._hold
    out["baselines"] = baselines(window, page)
    window.close()
    return out


def baselines(window: Any, page: Any) -> dict[str, float]:
    """Rows set to tiles drawn: the timeline, the old flat grid, a list view with day rows."""
    from PySide6.QtCore import QSize

    from album.timeline import day_title
    from album.ui.models import Heading, PersonPhotosModel, PhotosModel
    from album.ui.tiles import TileDelegate, grid_view, set_headed
    from album.ui.timeline_view import TimelineView

    rows = list(page.model.rows)
    thumbnails = page.view.thumbnails
    headed: list[Any] = []
    for n, day in enumerate(page.view.days):
        headed.append(Heading(-1 - n, day_title(day.key)))
        headed.extend(rows[day.start : day.start + day.count])

    def timeline() -> Any:
        model = PhotosModel(thumbnails)
        view = TimelineView(TileDelegate(QSize(180, 135), 0, whole=True), thumbnails)
        view.setModel(model)
        view.expect(rows, page.view.days)  # as the page does: days worked out off-thread
        return view, model, rows

    def flat() -> Any:
        model = PhotosModel(thumbnails)
        view = grid_view(TileDelegate(QSize(180, 135), 0, whole=True))
        view.setModel(model)
        return view, model, rows

    def headings() -> Any:
        model = PersonPhotosModel(thumbnails)
        view = grid_view(TileDelegate(QSize(180, 135), 0, whole=True))
        view.setModel(model)
        set_headed(view, True)
        view.setLayoutMode(view.LayoutMode.SinglePass)  # every row laid out, as a jump needs
        return view, model, headed

    found: dict[str, float] = {}
    for _ in range(2):  # alternating, best of two: the machine is shared
        for name, make in (("timeline", timeline), ("flat", flat), ("headings", headings)):
            view, model, these = make()
            view.resize(WIDTH - 100, HEIGHT - 100)
            view.show()
            pump(0.2)
            started = time.perf_counter()
            model.set_rows(these)
            pump(0.0)
            view.viewport().repaint()
            took = time.perf_counter() - started
            found[name] = min(found.get(name, took), took)
            view.close()
            view.deleteLater()
            pump(0.2)
    return found


SEARCHES = ("Kyoto 2019", "Lisbon summer", "December 2015", "paris")


def measure_search(library: Path) -> dict[str, Any]:
    """Each search's seconds and photos found: the first builds the words' index (once, in
    the cache file), then each is timed warm, best of 5."""
    from album.store.library import Library
    from album.store.search import named_people, parse, search_photos

    out: dict[str, Any] = {}
    with Library.open(library) as opened:
        people = named_people(opened.conn)
        started = time.perf_counter()
        search_photos(opened, parse(SEARCHES[0], people))
        out["first_s"] = time.perf_counter() - started
        for text in SEARCHES:
            best, found = float("inf"), 0
            for _ in range(5):
                started = time.perf_counter()
                found = len(search_photos(opened, parse(text, people)))
                best = min(best, time.perf_counter() - started)
            out[text] = (best, found)
    return out


def measure_thumbnail_cache(work: Path, faces: Path, rounds: int = 3) -> dict[str, float]:
    """Seconds to 40 photos' pictures, from the photos (a new library) and from the cache."""
    from PIL import Image

    from album.store.library import Library
    from album.ui.thumbnails import Thumbnails

    folder = work / "big-photos"
    folder.mkdir(parents=True)
    sources = sorted((faces / "lfw-62x10").glob("*/*.jpg"))[::15][:40]
    photos: dict[int, str] = {}
    for number, source in enumerate(sources, start=1):
        target = folder / f"IMG_{number:04d}.jpg"
        Image.open(source).resize((4000, 3000)).save(target, quality=90)
        photos[number] = str(target)

    def show(library: Path) -> float:
        thumbnails = Thumbnails(library)
        started = time.perf_counter()
        for photo_id, path in photos.items():
            thumbnails.photo(photo_id, path)
        wait_for(lambda: all(thumbnails.cached("photo", i) for i in photos), 300)
        took = time.perf_counter() - started
        thumbnails.wait()
        return took

    import album.ui.thumbnails as loader

    decoded: list[str] = []
    original = loader.thumbnail_image

    def counted(path: str, side: int) -> Any:
        decoded.append(path)
        return original(path, side)

    loader.thumbnail_image = counted  # type: ignore[assignment]
    cold, warm, warm_decoded = [], [], 0
    for n in range(rounds):
        library = work / f"cache-{n}" / "library.db"
        library.parent.mkdir()
        Library.open(library).close()
        cold.append(show(library))  # nothing cached yet: every photo decoded
        before = len(decoded)
        warm.append(show(library))  # reopened: the cache beside the library
        warm_decoded += len(decoded) - before
    loader.thumbnail_image = original  # type: ignore[assignment]
    return {"cold": min(cold), "warm": min(warm), "photos": len(photos), "decoded": warm_decoded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=int, nargs="?", default=100_000)
    parser.add_argument("--jumps", type=int, default=20)
    args = parser.parse_args()
    built, _ = cached_library(args.photos)
    with tempfile.TemporaryDirectory(prefix="album-timeline-") as tmp:
        library = fresh_copy(built, Path(tmp) / "a")
        out = measure(library, args.jumps)
        searched = measure_search(library)
        from benchmarks.library_builder import faces_root

        faces = faces_root()
        cache = measure_thumbnail_cache(Path(tmp), faces) if faces is not None else None
    jump_tiles, jump_pictures = out["jump_tiles_s"], out["jump_pictures_s"]
    base = out["baselines"]
    print(f"N = {out['photos']:,} photos on {out['days']:,} days; opened at {out['month']}")
    print("| what | measured | goal |")
    print("|---|---|---|")
    print(
        f"| Photos page open, newest month | tiles {out['open_tiles_s']:.2f} s (the newest "
        f"{out['open_first_rows']:,}), their pictures {out['open_pictures_s']:.2f} s; all "
        f"{out['photos']:,} with their days' places and people {out['open_all_s']:.2f} s; GUI "
        f"thread's longest step {out['open_gui_step_ms']:.0f} ms, longest stall "
        f"{out['open_stall_ms']:.0f} ms | < 0.5 s |"
    )
    print(
        f"| jump to a date ({len(jump_tiles)} dates over the years) | tiles median "
        f"{statistics.median(jump_tiles) * 1000:.0f} ms, max {max(jump_tiles) * 1000:.0f} ms; "
        f"pictures median {statistics.median(jump_pictures) * 1000:.0f} ms, max "
        f"{max(jump_pictures) * 1000:.0f} ms | < 0.3 s |"
    )
    print(
        f"| scroll the whole timeline ({out['scroll_screens']:,} screens, "
        f"{out['scroll_s']:.1f} s, a screenful every 20 ms) | longest stall "
        f"{out['scroll_stall_ms']:.0f} ms (the GUI thread busy at most "
        f"{out['scroll_busy_ms']:.0f} ms of it); side by side, the picture threads not held "
        f"while it paints: {out['scroll_unheld_s']:.1f} s, longest stall "
        f"{out['scroll_unheld_stall_ms']:.0f} ms (busy {out['scroll_unheld_busy_ms']:.0f} ms) "
        f"| stall <= 50 ms |"
    )
    print(
        f"| rows set to tiles drawn, side by side | timeline {base['timeline'] * 1000:.0f} ms; "
        f"flat grid {base['flat'] * 1000:.0f} ms ({base['timeline'] / base['flat']:.2f}x); "
        f"list view with day rows {base['headings'] * 1000:.0f} ms "
        f"({base['timeline'] / base['headings']:.2f}x) | - |"
    )
    timed = ", ".join(
        f'"{text}" {searched[text][0] * 1000:.0f} ms ({searched[text][1]:,} photos)'
        for text in SEARCHES
    )
    print(
        f"| search over {out['photos']:,} photos | {timed}; the first search after a change "
        f"builds the words' index: {searched['first_s']:.2f} s | < 0.2 s |"
    )
    if cache is not None:
        print(
            f"| {cache['photos']} photos of 12 MP to their pictures, side by side | from the "
            f"photos {cache['cold']:.2f} s; reopened, from the cache beside the library "
            f"{cache['warm']:.2f} s ({cache['cold'] / cache['warm']:.1f}x faster), "
            f"{cache['decoded']} photos decoded when reopened | a reopened library decodes no "
            "photo |"
        )


if __name__ == "__main__":
    main()
