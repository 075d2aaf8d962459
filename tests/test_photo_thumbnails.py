"""Issue 21: photo thumbnails come from the cache beside the library, so a reopened library
shows a screen of photos without decoding a single one; a changed file gets a new one, and a
folder removed from the library takes its thumbnails out of the cache."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import album.ui.thumbnails as thumbnails_module
from album.store import photos as photo_rows
from album.store.crop_cache import cache_path
from album.store.library import Library
from album.ui.thumbnails import Thumbnails
from tests.conftest import album, copy_photos, export


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The photos a thumbnail was made from (decoded), in order: the real maker, counted."""
    made: list[str] = []
    original = thumbnails_module.thumbnail_image

    def counted(path: str, side: int) -> object:
        made.append(Path(path).name)
        return original(path, side)

    monkeypatch.setattr(thumbnails_module, "thumbnail_image", counted)
    return made


def show_all(qtbot, library: Path, photos: dict[int, str]) -> Thumbnails:
    """What a grid does: asks for every photo's picture and waits until each has come."""
    thumbnails = Thumbnails(library)
    for photo_id, path in photos.items():
        thumbnails.photo(photo_id, path)
    qtbot.waitUntil(lambda: all(thumbnails.cached("photo", i) for i in photos), timeout=20_000)
    thumbnails.wait()
    return thumbnails


def test_a_reopened_library_shows_its_photos_without_decoding_one(
    qtbot, tmp_path: Path, lfw_people, made: list[str]
):
    folder, library = tmp_path / "Pictures", tmp_path / "library.db"
    copy_photos(lfw_people["Colin_Powell"][:6], folder)
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    photos = {p["id"]: p["path"] for p in export(library)["photos"]}

    first = show_all(qtbot, library, photos)
    assert len(made) == 6
    sizes = {i: first.photo(i, p).size() for i, p in photos.items()}

    made.clear()
    again = show_all(qtbot, library, photos)  # the window opened again
    assert made == [], f"decoded again: {made}"
    assert {i: again.photo(i, p).size() for i, p in photos.items()} == sizes

    # A photo changed on disk (edited elsewhere) gets a new thumbnail; the others do not.
    changed = next(iter(photos.values()))
    stat = os.stat(changed)
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    show_all(qtbot, library, photos)
    assert made == [Path(changed).name]

    # A folder removed from the library takes its thumbnails out of the cache.
    with Library.open(library) as lib:
        (root,) = photo_rows.roots(lib)
        assert photo_rows.remove_root(lib, root) == 6
    with sqlite3.connect(cache_path(library)) as cache:
        assert cache.execute("SELECT count(*) FROM thumbnails").fetchone()[0] == 0


def test_pictures_still_come_while_the_window_never_stops_painting(
    qtbot, tmp_path: Path, lfw_people
):
    """The picture threads wait while a paint runs (the GUI thread then has the GIL to
    itself), but never for good: a view that repaints without pause still gets its pictures."""
    from PySide6.QtCore import QTimer

    folder, library = tmp_path / "Pictures", tmp_path / "library.db"
    copy_photos(lfw_people["Colin_Powell"][:6], folder)
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    photos = {p["id"]: p["path"] for p in export(library)["photos"]}
    thumbnails = Thumbnails(library)
    asked = 0

    def paint() -> None:  # what a grid's paint does: asks for every tile's picture
        nonlocal asked
        asked += 1
        for photo_id, path in photos.items():
            thumbnails.photo(photo_id, path)

    painting = QTimer(interval=0)
    painting.timeout.connect(paint)
    painting.start()
    try:
        qtbot.waitUntil(lambda: all(thumbnails.cached("photo", i) for i in photos), timeout=20_000)
    finally:
        painting.stop()
    thumbnails.wait()
    assert asked > 10, "the view kept painting while the pictures came"
