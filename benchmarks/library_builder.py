"""A library of N photos built through album's own scan writer, from real dlib embeddings.

Used by `benchmarks/big_library.py` and by the tests that need a library of a few thousand
faces. The photos on disk are hard links to a handful of small real face JPEGs (so a rescan
sees N real files), and every face carries an embedding from `lfw-embeddings.npz` with a little
noise, so the people in it look like the long tail of a real library: a few people seen
hundreds of times, most seen once.

Like a family's photos, they were taken over 20 years, in bursts (a birthday, a trip: a few
thousand days with photos), and a third carry the coordinates of one of a few cities, named as
a scan names them.

Faces go in through `make_plan` (the scan's pending rows) and the scan's `Writer` thread (the
same `save_analysis` a real scan runs), so whatever the writer does at scale is what is measured.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np

from album.config import Settings
from album.faces.analyze import FaceFound, PhotoAnalysis
from album.imaging import open_photo, square_crop
from album.scan.place_names import name_photo_places
from album.scan.plan import make_plan
from album.scan.writer import Writer
from album.store import photos
from album.store.library import Library

BOX = (70, 180, 180, 70)  # (top, right, bottom, left) in the 250 x 250 LFW photos
CROP_SIDE = 160
# Faces per photo, with their odds: most photos show one person, some two or three.
FACES_PER_PHOTO = ((1, 0.6), (2, 0.3), (3, 0.1))
YEARS = 20
PHOTOS_PER_DAY = 25  # on average, on the days with photos
CITIES = [(35.0116, 135.7681), (38.7223, -9.1393), (48.8566, 2.3522), (37.5665, 126.978)]


def photo_moments(rng: np.random.Generator, n: int) -> tuple[list[str], list[tuple | None]]:
    """When and where each of n photos was taken: days of bursts over YEARS years, newest
    first not assumed; a third of them, by whole days, in a city."""
    last = dt.datetime(2025, 12, 31)
    days = max(1, n // PHOTOS_PER_DAY)
    day_starts = sorted(rng.choice(YEARS * 365, size=days, replace=False))
    # Some days are big (a wedding), most small: a photo's day drawn with skewed odds.
    odds = rng.pareto(1.5, days) + 1
    chosen = np.sort(rng.choice(days, size=n, p=odds / odds.sum()))
    placed_days = rng.random(days) < 1 / 3
    moments: list[str] = []
    places: list[tuple | None] = []
    for day in chosen:
        when = last - dt.timedelta(days=int(day_starts[day]), seconds=int(rng.integers(0, 50_000)))
        moments.append(when.isoformat(timespec="seconds"))
        if placed_days[day]:
            latitude, longitude = CITIES[day % len(CITIES)]
            places.append((latitude + rng.normal(0, 0.02), longitude + rng.normal(0, 0.02)))
        else:
            places.append(None)
    return moments, places


def faces_root() -> Path | None:
    repo = Path(__file__).resolve().parent.parent
    for candidate in (os.environ.get("ALBUM_FACES"), str(repo.parent / "shared" / "faces")):
        if candidate and (Path(candidate) / "lfw-embeddings.npz").is_file():
            return Path(candidate)
    return None


def _sources(faces: Path, count: int = 12) -> list[tuple[Path, bytes]]:
    photos = sorted((faces / "lfw-62x10").glob("*/*.jpg"))[:: max(1, 620 // count)][:count]
    return [(p, square_crop(open_photo(p).image, BOX, CROP_SIDE)) for p in photos]


def build_library(
    library_path: Path,
    photos_dir: Path,
    n_photos: int,
    faces: Path,
    *,
    seed: int = 0,
    noise: float = 0.01,
    min_photos_per_person: int = 1,
) -> int:
    """Build the library; returns how many faces it holds.

    `min_photos_per_person` > 1 keeps only LFW people seen at least that often (a small test
    library then has real groups rather than thousands of strangers).
    """
    rng = np.random.default_rng(seed)
    data = np.load(faces / "lfw-embeddings.npz", allow_pickle=True)
    embeddings = np.asarray(data["X"], dtype=np.float32)
    names = np.asarray(data["y"])
    _, inverse, counts = np.unique(names, return_inverse=True, return_counts=True)
    keep = np.flatnonzero(counts[inverse] >= min_photos_per_person)
    sources = _sources(faces)
    photos_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_photos):
        path = photos_dir / f"{i // 1000:04d}" / f"photo-{i:07d}.jpg"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            os.link(sources[i % len(sources)][0], path)
        paths.append(path)
    sizes, odds = zip(*FACES_PER_PHOTO, strict=True)
    settings = Settings()
    with Library.open(library_path) as library:
        photos.add_root(library, str(photos_dir.absolute()))
        plan = make_plan(library, [str(photos_dir)], fingerprint=settings.fingerprint())
    writer = Writer(library_path)
    writer.start()
    total = 0
    moments, places = photo_moments(rng, len(plan.analyze))
    for n, (photo_id, path) in enumerate(plan.analyze):
        count = int(rng.choice(sizes, p=odds))
        rows = rng.choice(keep, size=count * 3)
        chosen: list[int] = []
        for row in rows:  # one face per person per photo, as in life
            if all(names[row] != names[c] for c in chosen):
                chosen.append(int(row))
            if len(chosen) == count:
                break
        found = []
        for k, row in enumerate(chosen):
            vector = embeddings[row] + rng.normal(0, noise, 128).astype(np.float32)
            top, right, bottom, left = BOX
            shift = 60 * k  # distinct boxes in one photo
            found.append(
                FaceFound(
                    (top, right + shift, bottom, left + shift),
                    1.0,
                    vector,
                    sources[(n + k) % len(sources)][1],
                )
            )
        stat = os.stat(path)
        writer.put(
            photo_id,
            PhotoAnalysis(
                path=str(path),
                size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
                content_hash=f"synthetic-{photo_id}",
                width=250 + 60 * (len(found) - 1),
                height=250,
                taken_at=moments[n],
                place=places[n],
                faces=found,
                detector="synthetic",
                fingerprint=settings.fingerprint(),
            ),
        )
        total += len(found)
    writer.close()
    with Library.open(library_path) as library:
        name_photo_places(library)
    return total
