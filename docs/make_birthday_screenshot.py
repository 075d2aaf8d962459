"""Render a person's page with a birthday offscreen: docs/screenshots/24-birthday-ages.png.

    QT_QPA_PLATFORM=offscreen uv run python docs/make_birthday_screenshot.py [--faces DIR]

Apart from make_screenshots.py because it needs photos with dates: one child of the FG-NET
set (`children/fgnet_078`, ages 0 to 12, each photo dated by its EXIF), named and given a
birthday that agrees with those dates, as a parent would: the page shows a heading per year
with the child's age then, and the age under every face. The other screenshots' portraits
carry no dates, and adding the child there would change every people grid they show.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS))

from make_screenshots import largest_face, scanned, scene, shot, wait_for  # noqa: E402

from album.people.service import PeopleService  # noqa: E402
from album.store import queries  # noqa: E402
from album.store.library import Library  # noqa: E402
from album.ui.main_window import MainWindow  # noqa: E402

CHILD = "fgnet_078"
NAME = "Leo"
# The files say 0 years on 1991-08-03, 1 year on 1992-12-04 ... 12 on 2003-01-21: every one
# of them holds for a birthday between 1990-12-06 and 1991-01-05.
BIRTHDAY = date(1990, 12, 20)


def prepare(faces: Path, root: Path) -> Path:
    """Scan the child's photos (the real `album scan`) and name and date them."""
    folder = root / "Pictures" / NAME
    shutil.copytree(faces / "children" / CHILD, folder)
    library_path = scanned(folder, root)
    with Library.open(library_path) as library:
        service = PeopleService(library)
        faces_found = [largest_face(library, p.id) for p in queries.all_photos(library.conn)]
        service.move_to_name(faces_found, NAME)
        person = queries.people(library.conn, name_filter=NAME)[0]
        service.set_birthday(person.id, BIRTHDAY)
    return library_path


def show(window: MainWindow) -> None:
    wait_for(lambda: len(window.people.model.rows) >= 1)
    window.show_person(window.people.model.rows[0].id)
    wait_for(lambda: len(window.person.faces.captions) >= 10)
    faces = window.person.faces
    wait_for(lambda: window.person.face_view.visualRect(faces.index(len(faces.rows) - 1)).isValid())
    shot(window, "24-birthday-ages")


if __name__ == "__main__":
    scene(__doc__.split("\n\n")[0], f"children/{CHILD}", prepare, show)
