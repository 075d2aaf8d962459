"""Render every view of the album window offscreen, from a real scan, into docs/screenshots.

    QT_QPA_PLATFORM=offscreen uv run python docs/make_screenshots.py [--faces ../shared/faces]

It walks the way a person would: an empty window, a dropped folder scanning (with a regroup
beside it), the people grid, naming someone in place and in the name dialog, a person's page
with suggestions, the review queue, every photo by day, the places, photos of two people
together, the photo viewer with its boxes and a box being drawn, the folders page, the
settings, the unsorted faces, the keyboard map, About, and the library problem banner.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QPainter, QPalette, QPixmap  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget  # noqa: E402

from album.people.service import PeopleService  # noqa: E402
from album.store import queries  # noqa: E402
from album.store.library import Library  # noqa: E402
from album.ui.app import application, create_window  # noqa: E402
from album.ui.dialogs import AboutDialog, SettingsDialog  # noqa: E402
from album.ui.keyboard import KeyboardDialog  # noqa: E402
from album.ui.main_window import MainWindow  # noqa: E402
from album.ui.name_dialog import NameDialog  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZE = (1280, 820)
LFW_PEOPLE = ["Serena_Williams", "Colin_Powell", "Jennifer_Aniston", "Tony_Blair", "Hugo_Chavez"]
NAMED = {"Serena_Williams": "Serena Williams", "Colin_Powell": "Colin Powell"}


def pump(seconds: float) -> None:
    app = QApplication.instance()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait_for(condition: object, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        pump(0.05)


def shot(widget: QWidget, name: str) -> None:
    pump(1.0)  # let thumbnails arrive
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(REPO)}")


def largest_face(library: Library, photo_id: int) -> int:
    """The largest face of a photo: the one its folder names (a portrait's own)."""
    found = queries.faces_in_photo(library.conn, photo_id)
    return max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[1] - f.box[3])).id


@contextmanager
def session(description: str, needs: str) -> Iterator[tuple[Path, Path]]:
    """(the face photos, a temporary root): the command line read, and the settings of this
    run kept in the root, away from the user's."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--faces",
        type=Path,
        default=Path(os.environ.get("ALBUM_FACES", REPO.parent / "shared" / "faces")),
    )
    args = parser.parse_args()
    if not (args.faces / needs).is_dir():
        sys.exit(f"no {needs} photos at {args.faces}: pass --faces or set ALBUM_FACES")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(root / "config")
        QSettings.setPath(
            QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(root / "config")
        )
        yield args.faces, root


def scanned(folder: Path, root: Path) -> Path:
    """The library of a real `album scan` of the folder."""
    library_path = root / "library" / "library.db"
    subprocess.run(
        [sys.executable, "-m", "album", "scan", str(folder), "--library", str(library_path)],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    return library_path


def scene(
    description: str,
    needs: str,
    prepare: Callable[[Path, Path], Path],
    show: Callable[[MainWindow], None],
) -> None:
    """One more screenshot, of a library of its own: ``prepare(faces, root)`` scans and edits
    it (returning its path), then ``show`` takes the pictures of its window. ``needs`` is the
    folder under the faces that must exist."""
    with session(description, needs) as (faces, root):
        library_path = prepare(faces, root)
        application()
        window = create_window(library_path)
        window.resize(*SIZE)
        window.show()
        show(window)
        wait_for(lambda: not window.backend.jobs.busy)  # nothing left running at close
        window.close()


# Where and when each person's portraits were taken (the timeline's days and places).
TRIPS = {
    "Serena_Williams": ("2024:07:14", (35.0100, 135.7667)),  # Kyoto
    "Colin_Powell": ("2023:12:25", (38.7139, -9.1394)),  # Lisbon
    "Jennifer_Aniston": ("2021:08:02", None),
    "Tony_Blair": ("2019:05:18", (48.8606, 2.3376)),  # Paris
}


def dated(source: Path, target: Path, day: str, place: tuple[float, float] | None) -> None:
    """A copy with the EXIF a phone writes: the date it was taken, and where."""
    image = Image.open(source)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = f"{day} 10:00:00"
    if place is not None:
        gps = exif.get_ifd(0x8825)
        latitude, longitude = place
        gps[1], gps[2] = "NS"[latitude < 0], (abs(latitude), 0.0, 0.0)
        gps[3], gps[4] = "EW"[longitude < 0], (abs(longitude), 0.0, 0.0)
    image.save(target, exif=exif, quality=95)


def photo_folder(faces: Path, root: Path) -> Path:
    folder = root / "Pictures"
    for name in LFW_PEOPLE:
        target = folder / "portraits" / name
        target.mkdir(parents=True)
        for photo in sorted((faces / "lfw-62x10" / name).iterdir())[:7]:
            if name in TRIPS:
                dated(photo, target / photo.name, *TRIPS[name])
            else:
                shutil.copy(photo, target / photo.name)
    events = folder / "events"
    events.mkdir()
    for photo in ("frec_obama_and_biden.jpg", "frec_two_people.jpg", "frec_kit_with_rose.jpg"):
        shutil.copy(faces / "group-photos" / "mixed" / photo, events / photo)
    for person in ("Barack_Obama", "Joe_Biden", "Kit_Harington", "Rose_Leslie"):
        for photo in (faces / "group-photos" / "reference" / person).iterdir():
            shutil.copy(photo, events / f"{person}-{photo.name}")
    (events / "scan-of-a-receipt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this download broke off")
    # Copies, as a family library has them: a portrait a messenger sent back smaller, and a
    # group photo imported twice (the same bytes in a backup folder).
    whatsapp, backup = folder / "From WhatsApp", folder / "Backup" / "old phone"
    whatsapp.mkdir()
    backup.mkdir(parents=True)
    portrait = Image.open(sorted((folder / "portraits" / "Colin_Powell").iterdir())[0])
    small = portrait.convert("RGB").resize((portrait.width * 3 // 4, portrait.height * 3 // 4))
    small.save(whatsapp / "IMG-20231226-WA0004.jpg", quality=80)
    shutil.copy(events / "frec_obama_and_biden.jpg", backup / "frec_obama_and_biden.jpg")
    # The group photo's camera RAW beside it (a TIFF-based file whose preview is the JPEG):
    # one photo, a stack, whose viewer offers to open the RAW.
    raw = (
        b"II*\x00\x08\x00\x00\x00" + bytes(120) + (events / "frec_obama_and_biden.jpg").read_bytes()
    )
    (events / "frec_obama_and_biden.CR2").write_bytes(raw)
    # Two portraits another program (digiKam) named: their sidecars give album the name.
    for photo in sorted((folder / "portraits" / "Hugo_Chavez").iterdir())[:2]:
        photo.with_name(photo.name + ".xmp").write_text(DIGIKAM_SIDECAR, encoding="utf-8")
    return folder


DIGIKAM_SIDECAR = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:digiKam="http://www.digikam.org/ns/1.0/"><digiKam:TagsList><rdf:Seq>'
    "<rdf:li>People/Hugo Chavez</rdf:li></rdf:Seq></digiKam:TagsList></rdf:Description>"
    "</rdf:RDF></x:xmpmeta>"
)


def name_people(library_path: Path) -> None:
    """Name most groups the way a user would: by looking at who is in them."""
    with Library.open(library_path) as library:
        service = PeopleService(library)
        conn = library.conn
        for person in queries.people(conn):
            photos = queries.photos_with(conn, [person.id])
            folders = [Path(p.path).parent.name for p in photos]
            files = [Path(p.path).name for p in photos]
            name = None
            for key, label in NAMED.items():
                if folders.count(key) > len(folders) / 2:
                    name = label
            for key, label in (("Barack_Obama", "Barack Obama"), ("Joe_Biden", "Joe Biden")):
                if sum(key in f for f in files) >= 1 and len(photos) >= 2:
                    name = label
            if name and not queries.people(conn, name_filter=name):
                service.name_person(person.id, name)
        # One face of another person, named: the rest of their faces become suggestions.
        first_face = conn.execute(
            "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id "
            "LEFT JOIN people pe ON pe.id = f.person_id "
            "WHERE p.path LIKE '%Tony_Blair%' AND f.removed = 0 AND pe.name IS NULL "
            "ORDER BY f.id LIMIT 1"
        ).fetchone()[0]
        service.name_face(first_face, "Tony Blair")


def main() -> None:
    with session(__doc__.split("\n\n")[0], "lfw-62x10") as (faces, root):
        folder = photo_folder(faces, root)
        application()
        library_path = root / "library" / "library.db"

        window = create_window(library_path)
        window.resize(*SIZE)
        window.show()
        pump(1.5)
        shot(window, "01-empty")

        window.add_paths([str(folder)])
        wait_for(lambda: window.backend.scanning and window.scan_bar.bar.value() >= 8)
        window.backend.pause_scan()
        wait_for(lambda: len(window.people.model.rows) >= 2, 60)
        pump(1.5)
        shot(window, "02-scanning")
        regroup_shot(window, "21-scan-and-regroup")
        window.backend.resume_scan()
        wait_for(lambda: not window.backend.scanning, 600)
        # The regroup after the scan plans in its own process: closing the window cancels it.
        wait_for(lambda: not window.backend.jobs.busy and not window.backend.regrouping, 120)
        window.close()
        pump(0.5)

        name_people(library_path)
        window = create_window(library_path)
        window.resize(*SIZE)
        window.show()
        wait_for(lambda: len(window.people.model.rows) >= 5)
        shot(window, "03-people")
        rename(window)
        shot(window, "04-rename-in-place")
        window.people.view.closePersistentEditor(window.people.view.currentIndex())
        pump(0.3)

        blair = next(p for p in window.people.model.rows if p.name == "Tony Blair")
        window.show_person(blair.id)
        wait_for(lambda: len(window.person.faces.rows) >= 2)
        shot(window, "05-person-with-suggestions")

        chavez = next(p for p in window.people.model.rows if p.name == "Hugo Chavez")
        window.show_person(chavez.id)
        wait_for(lambda: len(window.person.faces.rows) >= 2)
        shot(window, "15-person-named-in-files")
        name_dialog(window)

        window.show_page("Review")
        wait_for(lambda: window.review.faces.current is not None, 60)
        pump(1.5)
        shot(window, "06-review")

        window.show_page("Photos")
        wait_for(lambda: len(window.photos.model.rows) >= 30, 30)
        shot(window, "20-photos")
        window.show_page("Places")
        wait_for(lambda: len(window.places.model.rows) >= 4, 30)
        pump(1.0)
        shot(window, "26-places")
        organized(window)
        copies_page(window)
        window.show_page("Photos")
        window.photos.show_people(["Barack Obama", "Joe Biden"])
        wait_for(lambda: 0 < len(window.photos.model.rows) <= 3, 30)
        shot(window, "07-photos-together")

        # The group photo with its RAW under it: the caption offers to open the RAW.
        rows = window.photos.model.rows
        photo = next(
            (p for p in rows if p.path.endswith("events/frec_obama_and_biden.jpg")), rows[0]
        )
        viewer = window.open_photo(photo.id, [p.id for p in rows])
        viewer.resize(1100, 760)
        wait_for(lambda: len(viewer.boxes) >= 2 and bool(viewer.versions), 60)
        shot(viewer, "08-viewer")
        viewer.close()

        drawing_a_face(window, rows[0].id)

        window.show_page("Folders")
        wait_for(lambda: window.folders.folders.topLevelItemCount() >= 1, 30)
        shot(window, "09-folders")

        settings = SettingsDialog(window.backend, window)
        settings.show()
        pump(0.3)
        shot(settings, "10-settings")
        settings.reject()

        # Faces in no group: with a smallest group of 6 the smaller groups dissolve into them.
        window.backend.save_min_group_size(6)
        window.show_page("People")
        # Taken once the regroup has dissolved the small unnamed groups (named people stay).
        wait_for(
            lambda: (
                not window.backend.regrouping
                and window.people.unsorted.isVisible()
                and all(p.name or p.photos >= 6 for p in window.people.model.rows)
            ),
            120,
        )
        shot(window, "11-unsorted-in-people")
        window.show_unsorted()
        wait_for(lambda: len(window.unsorted.faces.rows) >= 3, 30)
        selection = window.unsorted.view.selectionModel()
        for row in range(3):
            selection.select(window.unsorted.faces.index(row), selection.SelectionFlag.Select)
        shot(window, "12-unsorted-faces")
        window.backend.save_min_group_size(2)

        regroup_in_progress(window)

        keyboard = KeyboardDialog(window)
        keyboard.show()
        shot(keyboard, "13-keyboard-shortcuts")
        keyboard.reject()
        about = AboutDialog(window.backend, window)
        about.show()
        shot(about, "14-about")
        about.reject()
        folder_dialog(window)
        damaged_then_checked(window)
        pump(0.5)


def organized(window: MainWindow) -> None:
    """Stars and hearts on the Photos page, the Albums page, one album, the export dialog."""
    window.show_page("Photos")
    photos = window.photos
    wait_for(lambda: len(photos.model.rows) >= 30, 30)
    ids = [p.id for p in photos.model.rows]
    backend = window.backend
    for stars, chosen in ((5, ids[0:3]), (4, ids[3:6]), (3, ids[6:8])):
        backend.organize(lambda o, s=stars, c=chosen: o.rate(c, s))
    backend.organize(lambda o: o.favourite(ids[1:5], True))
    backend.organize(lambda o: o.create("Summer with the family", ids[2:14]))
    backend.organize(lambda o: o.create("White House years", ids[20:29]))
    backend.organize(lambda o: o.create("The best ones", search="★4+"))
    backend.organize(lambda o: o.create("Favourites", search="favourites"))
    wait_for(lambda: len(backend.albums) == 4, 60)
    wait_for(lambda: photos.model.rows[0].rating == 5, 60)
    selection = photos.view.selectionModel()
    for row in range(3, 6):
        selection.select(photos.model.index(row), selection.SelectionFlag.Select)
    pump(1.0)
    shot(window, "27-stars-and-hearts")
    window.show_page("Albums")
    wait_for(lambda: len(window.albums.model.rows) == 4, 60)
    pump(1.5)
    shot(window, "28-albums")
    window.show_album(backend.albums[0].id)
    wait_for(lambda: len(window.albums.photos_model.rows) == 12, 60)
    pump(1.5)
    shot(window, "29-an-album")
    from album.ui.export_dialog import ExportDialog

    dialog = ExportDialog(backend, [p.id for p in window.albums.photos_model.rows], window)
    dialog.folder.setText(str(Path.home() / "Pictures" / "For the print shop"))
    dialog.resize_box.setChecked(True)
    dialog.gps.setChecked(True)
    dialog.show()
    pump(0.5)
    shot(dialog, "30-export")
    dialog.reject()
    window.show_page("Photos")


def copies_page(window: MainWindow) -> None:
    """The Duplicates page: each set side by side, the one album would keep marked."""
    window.show_page("Duplicates")
    page = window.duplicates
    wait_for(lambda: len(page.cards) == 2, 60)
    wait_for(page.pictures_shown, 60)
    pump(0.5)
    shot(window, "31-duplicates")
    window.show_page("Photos")


def folder_dialog(window: MainWindow) -> None:
    """Ctrl+O: Qt's own folder dialog, with icons that come from names alone (it never opens
    a file it lists: issue 18), opened beside the library."""
    taken: list[bool] = []

    def take() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, take)
            return
        dialog.setDirectory(str(window.backend.library_path.parent))
        pump(1.0)
        dialog.grab().save(str(OUT / "17-add-folder-dialog.png"))
        print("wrote docs/screenshots/17-add-folder-dialog.png")
        taken.append(True)
        dialog.reject()

    QTimer.singleShot(0, take)
    window.choose_folder()


def damaged_then_checked(window: MainWindow) -> None:
    """What the trial's lost work looks like now: something in the window's process opens the
    library's file outside SQLite, its locks go, the window notices, stops writing and says
    so; the next start checks the library and says what it found."""
    library = window.backend.library_path
    with open(library, "rb") as handle:  # the fault, done on purpose
        handle.read(100)
    wait_for(lambda: window.banner.isVisible(), 30)
    wait_for(lambda: "kept at" in window.banner.text.text(), 30)
    shot(window, "18-library-problem")
    window.close()
    pump(0.5)
    window = create_window(library)
    window.resize(*SIZE)
    window.show()
    wait_for(lambda: window.banner.isVisible(), 30)
    shot(window, "19-checked-after-a-problem")
    window.close()


def regroup_in_progress(window: MainWindow) -> None:
    """File ▸ Group faces again: its stage and Cancel in the status bar."""
    window.show_page("People")
    wait_for(lambda: not window.backend.jobs.busy and not window.backend.regrouping, 120)
    regroup_shot(window, "16-regroup-progress")


def regroup_shot(window: MainWindow, name: str) -> None:
    """Starts a regroup and takes the window the moment its process starts grouping (a small
    library plans in a blink); beside a paused scan, the status bar shows both jobs."""
    taken: list[bool] = []

    def take(stage: str, _faces: int) -> None:
        if stage == "grouping" and not taken:
            taken.append(True)
            QApplication.processEvents()  # lay the bar out before grabbing it
            window.grab().save(str(OUT / f"{name}.png"))
            print(f"wrote docs/screenshots/{name}.png")

    window.backend.regroup_progress.connect(take)
    window.backend.recluster()
    wait_for(lambda: bool(taken) and not window.backend.regrouping, 120)
    window.backend.regroup_progress.disconnect(take)


def name_dialog(window: MainWindow) -> None:
    """Rename on a person's page: the dialog as wide as its title, OK beside the field, and
    the names that match what is typed in a list under it (a window of its own, drawn in)."""
    dialog = NameDialog(window, "Rename", "Name:", sorted(window.person.names))
    dialog.show()
    pump(0.3)
    QTest.keyClicks(dialog.edit, "Ser")
    pump(0.5)
    popup = dialog.edit.completer().popup()
    picture = QPixmap(dialog.width() + 40, dialog.height() + popup.height() + 40)
    picture.fill(window.palette().color(QPalette.ColorRole.Window).darker(115))
    painter = QPainter(picture)
    painter.drawPixmap(20, 20, dialog.grab())
    if popup.isVisible():
        at = dialog.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0)))
        painter.drawPixmap(20 + at.x(), 20 + at.y(), popup.grab())
    painter.end()
    picture.save(str(OUT / "23-name-dialog.png"))
    print("wrote docs/screenshots/23-name-dialog.png")
    dialog.reject()
    dialog.deleteLater()


def drawing_a_face(window: MainWindow, photo_id: int) -> None:
    """A box being dragged in the viewer: drawn from the first pixels, dark under white."""
    viewer = window.open_photo(photo_id, [photo_id])
    viewer.resize(1100, 760)
    wait_for(lambda: viewer.scene_view.picture is not None, 60)
    pump(0.5)
    port = viewer.scene_view.viewport()
    start = QPoint(port.width() // 2 - 150, port.height() // 2 - 60)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 9):
        QTest.mouseMove(port, start + QPoint(14 * step, 12 * step))
        pump(0.02)
    shot(viewer, "22-drawing-a-face")
    # Back to a box too small to add, so letting go asks nothing (a modal question would wait
    # here for ever).
    QTest.mouseMove(port, start + QPoint(4, 4))
    QTest.mouseRelease(
        port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(4, 4)
    )
    viewer.close()


def rename(window: MainWindow) -> None:
    """Open the in-place name editor on an unnamed person and type, as a user would."""
    model = window.people.model
    row = next(i for i, p in enumerate(model.rows) if p.name is None)
    index = model.index(row)
    window.people.view.setCurrentIndex(index)
    window.people.view.edit(index)
    pump(0.3)
    editor = window.people.view.findChild(QLineEdit)
    if editor is not None:
        editor.setText("Jennifer Aniston")


if __name__ == "__main__":
    main()
