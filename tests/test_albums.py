"""Issue 21, albums and ratings: albums made from the CLI and the window, smart albums that keep
a search, stars and hearts on any photo, all undoable, all surviving a rescan and a move."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from album.store.library import Library
from album.ui.models import PHOTO_IDS_MIME
from tests.conftest import album, open_window, run_on_x

WAIT = 60_000


def albums(library: Path) -> dict[str, dict]:
    rows = json.loads(album("albums", "--json", "--library", library).stdout)
    return {r["name"]: r for r in rows}


def album_photos(library: Path, name: str) -> list[str]:
    out = album("albums", "--photos", name, "--library", library).stdout
    return [Path(line).name for line in out.splitlines() if line.startswith("/")]


def found(library: Path, text: str) -> list[str]:
    out = album("photos", "--search", text, "--library", library).stdout
    return [Path(line).name for line in out.splitlines() if line.startswith("/")]


def test_albums_and_stars_from_the_command_line_survive_a_rescan_and_a_move(
    dated_library: Path, tmp_path: Path
):
    lib = ("--library", dated_library)
    pictures = tmp_path / "Pictures"
    k0, k1, june = (pictures / n for n in ("kyoto-0.jpg", "kyoto-1.jpg", "june.jpg"))
    said = album("album-add", "Japan trip", k1, k0, *lib).stdout
    assert "Made the album “Japan trip” with 2 photos" in said
    said = album("album-add", "japan TRIP", k0, june, *lib).stdout  # names ignore case
    assert "1 photo added" in said and "1 photo already there" in said
    assert album_photos(dated_library, "Japan trip") == ["kyoto-1.jpg", "kyoto-0.jpg", "june.jpg"]

    album("rate", "4", k0, k1, *lib)
    album("rate", "5", june, *lib)
    album("favourite", k1, *lib)
    assert found(dated_library, "★4+") == ["kyoto-1.jpg", "kyoto-0.jpg", "june.jpg"]
    assert found(dated_library, "5 stars") == ["june.jpg"]
    assert found(dated_library, "Kyoto favourites") == ["kyoto-1.jpg"]
    album("album-new", "Best of Colin", "--search", "Colin Powell ★4+", *lib)
    listed = albums(dated_library)
    assert listed["Japan trip"]["photos"] == 3 and listed["Japan trip"]["search"] is None
    assert listed["Best of Colin"]["photos"] == 3  # every Colin photo rated 4 or more

    # Undo takes back the last change, whichever kind; redo puts it back.
    assert "Undone: Made the smart album" in album("undo", *lib).stdout
    assert "Best of Colin" not in albums(dated_library)
    album("redo", *lib)
    assert albums(dated_library)["Best of Colin"]["photos"] == 3
    album("album-delete", "Japan trip", *lib)
    assert "Japan trip" not in albums(dated_library)
    album("undo", *lib)
    assert album_photos(dated_library, "Japan trip") == ["kyoto-1.jpg", "kyoto-0.jpg", "june.jpg"]

    # A rescan, and a photo moved to another folder: the album and the stars stay.
    moved = pictures / "2019" / "kyoto-0.jpg"
    moved.parent.mkdir()
    shutil.move(k0, moved)
    album("scan", pictures, *lib, "--workers", "1")
    assert album_photos(dated_library, "Japan trip") == ["kyoto-1.jpg", "kyoto-0.jpg", "june.jpg"]
    rows = json.loads(album("albums", "--photos", "Japan trip", "--json", *lib).stdout)
    assert rows[1]["path"] == str(moved) and rows[1]["rating"] == 4
    assert rows[0]["favourite"] is True

    # Bad input says what is wrong and changes nothing.
    wrong = album("rate", "7", k1, *lib, check=False)
    assert wrong.returncode == 2 and "0 to 5 stars" in wrong.stderr
    wrong = album("album-remove", "Nowhere", k1, *lib, check=False)
    assert wrong.returncode == 2 and "no album called 'Nowhere'" in wrong.stderr
    wrong = album("album-add", "Best of Colin", june, *lib, check=False)
    assert wrong.returncode == 1 and "smart album" in wrong.stderr
    wrong = album("album-add", "Japan trip", tmp_path / "not-there.jpg", *lib, check=False)
    assert wrong.returncode == 2 and "no photo" in wrong.stderr
    assert len(album_photos(dated_library, "Japan trip")) == 3


def test_stars_hearts_and_albums_in_the_window(qtbot, dated_library: Path):
    window = open_window(qtbot, dated_library)
    window.show_page("Photos")
    page = window.photos
    qtbot.waitUntil(lambda: len(page.model.rows) == 8, timeout=WAIT)
    names = [Path(p.path).name for p in page.model.rows]
    view = page.view
    first = page.model.index(names.index("kyoto-2.jpg"))
    second = page.model.index(names.index("kyoto-1.jpg"))
    view.setFocus()
    view.setCurrentIndex(first)
    view.selectionModel().select(second, view.selectionModel().SelectionFlag.Select)

    QTest.keyClick(view, Qt.Key.Key_4)  # the key, as on every grid of photos
    QTest.keyClick(view, Qt.Key.Key_F)

    def rated(name: str) -> tuple[int, bool]:
        photo = next(p for p in page.model.rows if Path(p.path).name == name)
        return photo.rating, photo.favourite

    assert rated("kyoto-2.jpg") == (4, True)  # on the tile at once
    message = window.statusBar().currentMessage
    qtbot.waitUntil(lambda: message() == "Marked 2 photos as favourite", timeout=WAIT)
    assert found(dated_library, "★4+ favourites") == ["kyoto-2.jpg", "kyoto-1.jpg"]

    # A new album from the two chosen photos; then a third dragged onto it in the sidebar.
    window.backend.organize(lambda o: o.create("Kyoto", page.actions.chosen()))
    first_album = len(window.sidebar.pages)  # the albums come under the pages
    qtbot.waitUntil(lambda: window.sidebar.count() == first_album + 1, timeout=WAIT)
    row = window.sidebar.item(first_album)
    assert row.text().strip() == "▸ Kyoto"
    mime = QMimeData()
    third = page.model.rows[names.index("kyoto-0.jpg")].id
    mime.setData(PHOTO_IDS_MIME, json.dumps([third]).encode())
    point = window.sidebar.visualItemRect(row).center()
    drop = QDropEvent(
        QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    window.sidebar.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.backend.albums[0].photos == 3, timeout=WAIT)

    # The album opens from the sidebar; Delete takes a photo out; a drop reorders; Ctrl+Z.
    window.sidebar.setCurrentRow(first_album)
    assert window.current_page() == "Albums"
    albums_page = window.albums
    qtbot.waitUntil(lambda: len(albums_page.photos_model.rows) == 3, timeout=WAIT)
    order = [Path(p.path).name for p in albums_page.photos_model.rows]
    assert order == ["kyoto-2.jpg", "kyoto-1.jpg", "kyoto-0.jpg"]
    moving = QMimeData()
    moving.setData(PHOTO_IDS_MIME, json.dumps([third]).encode())
    albums_page.photos_model.dropMimeData(
        moving, Qt.DropAction.MoveAction, -1, 0, albums_page.photos_model.index(0)
    )
    qtbot.waitUntil(
        lambda: Path(albums_page.photos_model.rows[0].path).name == "kyoto-0.jpg",
        timeout=WAIT,
    )
    grid = albums_page.photo_view
    grid.setFocus()
    grid.setCurrentIndex(albums_page.photos_model.index(0))
    QTest.keyClick(grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(albums_page.photos_model.rows) == 2, timeout=WAIT)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(albums_page.photos_model.rows) == 3, timeout=WAIT)
    assert album_photos(dated_library, "Kyoto")[0] == "kyoto-0.jpg"

    # The Albums page lists it with its cover; the menu offers it for other photos.
    albums_page.show_albums()
    window.albums.reload()
    # An answer from before the undo may still be on its way; the page ends at three.
    qtbot.waitUntil(
        lambda: [t.subtitle for t in albums_page.model.rows] == ["3 photos"], timeout=WAIT
    )
    tile = albums_page.model.rows[0]
    assert tile.name == "Kyoto" and tile.cover_id is not None
    menu = page.actions.build_menu(window)
    add = next(a.menu() for a in menu.actions() if a.text() == "Add to album")
    assert [a.text() for a in add.actions() if a.text()] == ["Kyoto", "New album…"]


def test_stars_round_trip_through_exiftool(tmp_path: Path):
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("needs exiftool (apt-get install libimage-exiftool-perl)")
    folder, library = tmp_path / "Pictures", tmp_path / "library.db"
    folder.mkdir()
    for name, colour in (("lake.jpg", (20, 90, 160)), ("field.jpg", (90, 160, 20))):
        Image.new("RGB", (320, 240), colour).save(folder / name)
    # Another program's stars: Lightroom's xmp:Rating, Windows' EXIF Rating.
    subprocess.run([exiftool, "-q", "-overwrite_original", "-XMP-xmp:Rating=3",
                    str(folder / "lake.jpg")], check=True)  # fmt: skip
    subprocess.run([exiftool, "-q", "-overwrite_original", "-IFD0:Rating=1",
                    str(folder / "field.jpg")], check=True)  # fmt: skip
    lake_bytes = (folder / "lake.jpg").read_bytes()
    lib = ("--library", library)
    album("scan", folder, *lib, "--workers", "1")
    assert found(library, "★3+") == ["lake.jpg"]
    assert sorted(found(library, "1 star")) == ["field.jpg", "lake.jpg"]

    # Stars given in album are written back where the library's setting says (sidecars).
    from album.interop.write_names import save_mode
    from album.store.library import Library

    with Library.open(library) as opened:
        save_mode(opened, "sidecar")
    album("rate", "5", folder / "field.jpg", *lib)
    album("favourite", folder / "field.jpg", *lib)
    read = subprocess.run(
        [exiftool, "-j", "-n", "-XMP-xmp:Rating", "-XMP-microsoft:RatingPercent",
         str(folder / "field.jpg.xmp")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    tags = json.loads(read.stdout)[0]
    assert tags["Rating"] == 5 and tags["RatingPercent"] == 99
    # Undo writes the file again: back to what it said before album's stars.
    album("undo", *lib)  # the heart
    album("undo", *lib)  # the stars
    assert found(library, "★5") == []
    assert sorted(found(library, "1 star")) == ["field.jpg", "lake.jpg"]
    read = subprocess.run([exiftool, "-j", "-n", "-XMP-xmp:Rating", str(folder / "field.jpg.xmp")],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(read.stdout)[0]["Rating"] == 1  # what the photo said before
    album("rate", "2", folder / "lake.jpg", *lib)
    assert (folder / "lake.jpg").read_bytes() == lake_bytes  # a sidecar: the photo untouched
    # A rescan reads the files again, but a rating given in album is a decision: it stays.
    subprocess.run([exiftool, "-q", "-overwrite_original", "-XMP-xmp:Rating=4",
                    str(folder / "lake.jpg")], check=True)  # fmt: skip
    album("scan", folder, *lib, "--workers", "1")
    assert found(library, "2 stars") == ["lake.jpg"] and found(library, "★3+") == []


def test_stars_and_albums_with_real_keys_and_a_real_drag_on_a_real_x_server(
    x_desktop, dated_library
):
    folder = dated_library.parent / "For the print shop"
    out = run_on_x("tests.x11_albums", dated_library, folder, env=x_desktop, timeout=300)
    shown = json.loads(out.strip().splitlines()[-1])
    pictures = dated_library.parent / "Pictures"
    assert sorted(p.name for p in folder.iterdir()) == ["kyoto-0.jpg", "kyoto-1.jpg"]
    for name in ("kyoto-0.jpg", "kyoto-1.jpg"):  # copies, byte for byte
        assert (folder / name).read_bytes() == (pictures / name).read_bytes()
    assert shown["exported"].startswith("2 photos of 2 exported to")
    assert shown["tile"] == [4, True]
    assert shown["menu"][:1] == ["Add to album"] and "Export…" in shown["menu"]
    assert shown["sidebar"] == "▸ Kyoto walk"
    assert shown["page"] == "Albums"
    assert shown["album"] == ["kyoto-1.jpg", "kyoto-0.jpg"]
    assert shown["after_undo"] == ["kyoto-1.jpg", "kyoto-0.jpg"]


def test_a_page_never_goes_back_to_what_it_showed_before_an_edit(qtbot, tmp_path: Path):
    """Reads run side by side: a slow read asked before an edit must not overwrite the
    answer of the read asked after it (an album once showed 2 photos after Ctrl+Z gave 3)."""
    from album.ui.app import application
    from album.ui.backend import Backend

    application()
    path = tmp_path / "lib" / "library.db"
    Library.open(path).close()
    backend = Backend(path)
    shown: list[str] = []

    def slow(_library: Library) -> str:
        time.sleep(0.5)
        return "before the edit"

    backend.query(slow, shown.append, latest="albums")
    backend.query(lambda _library: "after the edit", shown.append, latest="albums")
    backend.query(lambda _library: "another page", shown.append, latest="people")
    backend.jobs.wait()
    qtbot.wait(50)
    assert "before the edit" not in shown
    assert sorted(shown) == ["after the edit", "another page"]
