"""Does the People grid stay smooth with 10,000 people?

    QT_QPA_PLATFORM=offscreen uv run python benchmarks/people_grid.py [--people 10000]

Builds two libraries side by side, one with 100 people and one with N (each person a few faces
with real crops from ../shared/faces), opens the real window offscreen on each, and measures:
how long the people list takes to load and show, and the time to paint one screenful while
scrolling down through the whole grid page by page. Prints both and the ratio N / 100: a grid
that only paints what is visible keeps the paint time flat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from album.imaging import open_photo, square_crop  # noqa: E402
from album.store.faces import embedding_blob  # noqa: E402
from album.store.library import Library  # noqa: E402
from album.ui.app import application, create_window  # noqa: E402

FACES_PER_PERSON = 3


def crops(faces: Path, count: int = 40) -> list[bytes]:
    photos = sorted((faces / "lfw-62x10").glob("*/*.jpg"))[:count]
    out = []
    for path in photos:
        image = open_photo(path).image
        out.append(square_crop(image, (70, 180, 180, 70), 120))
    return out


def build(path: Path, people: int, pictures: list[bytes]) -> None:
    rng = np.random.default_rng(0)
    with Library.open(path) as library, library.write() as db:
        conn = db.conn
        now = time.time()
        for p in range(people):
            conn.execute(
                "INSERT INTO people (id, name, created_at) VALUES (?, ?, ?)",
                (p + 1, f"Person {p:05d}" if p % 3 else None, now),
            )
            for f in range(FACES_PER_PERSON):
                photo = conn.execute(
                    "INSERT INTO photos (path, size, mtime_ns, status, width, height) "
                    "VALUES (?, 1, 1, 'done', 250, 250) RETURNING id",
                    (f"/nowhere/{p}-{f}.jpg",),
                ).fetchone()[0]
                face = conn.execute(
                    "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, "
                    "person_id, label_source) VALUES (?, 70, 180, 180, 70, 1, ?, ?, 'cluster') "
                    "RETURNING id",
                    (photo, embedding_blob(rng.normal(size=128).astype(np.float32)), p + 1),
                ).fetchone()[0]
                library.crops.put(
                    face, photo, (70, 180, 180, 70), 120, pictures[(p + f) % len(pictures)]
                )


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()


def measure(path: Path, people: int) -> tuple[float, float, float]:
    window = create_window(path)
    window.resize(1280, 820)
    window.show()
    started = time.perf_counter()
    while len(window.people.model.rows) < people:
        QApplication.processEvents()
        if time.perf_counter() - started > 120:
            raise TimeoutError("people did not load")
    loaded = time.perf_counter() - started
    view = window.people.view
    bar = view.verticalScrollBar()
    frames = []
    pump(1.0)
    position = 0
    while True:
        bar.setValue(position)
        t = time.perf_counter()
        view.viewport().repaint()
        frames.append(time.perf_counter() - t)
        QApplication.processEvents()
        if position >= bar.maximum():
            break
        position = min(bar.maximum(), position + view.viewport().height())
    window.close()
    pump(0.3)
    return loaded, statistics.median(frames), max(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--faces", type=Path, default=REPO.parent / "shared" / "faces")
    args = parser.parse_args()
    faces = Path(os.environ.get("ALBUM_FACES", args.faces))
    if not (faces / "lfw-62x10").is_dir():
        sys.exit(f"no face photos at {faces}")
    application()
    pictures = crops(faces)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        for people in (100, args.people):
            path = Path(tmp) / f"grid-{people}.db"
            build(path, people, pictures)
            rows.append((people, *measure(path, people)))
    print(f"\npeople grid, {FACES_PER_PERSON} faces per person, 1280x820 window\n")
    print("| people | list loaded and shown (s) | paint per screenful, median (ms) | worst (ms) |")
    print("|---|---|---|---|")
    for people, loaded, median, worst in rows:
        print(f"| {people} | {loaded:.2f} | {median * 1000:.1f} | {worst * 1000:.1f} |")
    small, big = rows
    print(f"\npaint time {big[0]} / {small[0]} people: {big[2] / small[2]:.2f}x")


if __name__ == "__main__":
    main()
