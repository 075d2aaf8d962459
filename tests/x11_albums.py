"""Stars, hearts and albums with the real keyboard and mouse on a real X server: run by
test_albums.py in its own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_albums LIBRARY EXPORT_FOLDER

A click on a tile and the keys 4 and F rate it and give it a heart; the context menu's
Add to album ▸ New album… makes an album from it (its name typed); a second tile dragged with
the mouse onto that album in the sidebar goes into it; a click on the album in the sidebar
opens it; Delete takes a photo out and Ctrl+Z puts it back; Export… with a folder typed copies
the album there. Prints what each step showed, as
JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu

from album.ui.export_dialog import ExportDialog
from tests.x11_journey import (
    click,
    click_at,
    focus,
    keys,
    open_x_window,
    pump,
    sql,
    type_text,
    wait,
)


def drag(path: list[QPoint]) -> None:
    """Press at the first point, move through the others, release at the last. From a
    process of its own: Qt runs the drag in an event loop of its own (QDrag.exec), so this
    one keeps pumping events while the X server delivers the moves."""
    steps = [f"xdotool mousemove --sync {path[0].x()} {path[0].y()}", "xdotool mousedown 1"]
    for point in path[1:]:
        steps += ["sleep 0.3", f"xdotool mousemove --sync {point.x()} {point.y()}"]
    steps += ["sleep 0.4", "xdotool mouseup 1"]
    mover = subprocess.Popen(["sh", "-c", "; ".join(steps)])
    while mover.poll() is None:
        pump(0.05)
    pump(0.5)


def rated(library: Path, name: str) -> list:
    return list(sql(library, f"SELECT rating, favourite FROM photos WHERE path LIKE '%/{name}'")[0])


def main() -> int:
    library, out = Path(sys.argv[1]), Path(sys.argv[2])
    window = open_x_window(library)
    shown: dict[str, object] = {}
    try:
        focus(window)
        keys("ctrl+1")
        page, view = window.photos, window.photos.view
        wait(lambda: len(page.model.rows) == 8, "the photos")
        names = [Path(p.path).name for p in page.model.rows]

        def tile(name: str) -> QPoint:
            return view.visualRect(page.model.index(names.index(name))).center()

        click_at(view.viewport(), tile("kyoto-1.jpg"))
        keys("4", "f")
        wait(lambda: rated(library, "kyoto-1.jpg") == [4, 1], "4 stars and a heart saved")
        kyoto = page.model.rows[names.index("kyoto-1.jpg")]
        shown["tile"] = [kyoto.rating, kyoto.favourite]

        # Right-click: Add to album ▸ New album…, a name typed, Return.
        click_at(view.viewport(), tile("kyoto-1.jpg"), "3")
        wait(lambda: isinstance(QApplication.activePopupWidget(), QMenu), "the context menu")
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        shown["menu"] = [a.text() for a in menu.actions() if a.text()]
        keys("Down", "Right")  # the first entry (Add to album) opens its list
        wait(lambda: QApplication.activePopupWidget() is not menu, "the albums list")
        keys("Up", "Return")  # its last entry: New album…
        wait(lambda: isinstance(QApplication.activeModalWidget(), QInputDialog), "the name asked")
        type_text("Kyoto walk")
        keys("Return")
        first_album = len(window.sidebar.pages)  # the albums come under the pages
        wait(lambda: window.sidebar.count() == first_album + 1, "the album in the sidebar")
        shown["sidebar"] = window.sidebar.item(first_album).text().strip()

        # Drag another photo with the mouse onto the album in the sidebar.
        focus(window)
        click_at(view.viewport(), tile("kyoto-0.jpg"))
        start = tile("kyoto-0.jpg")
        target = window.sidebar.visualItemRect(window.sidebar.item(first_album)).center()
        path = [view.viewport().mapToGlobal(start + QPoint(d, d)) for d in (0, 10, 30, 60)]
        path += [window.sidebar.viewport().mapToGlobal(target + QPoint(0, d)) for d in (3, 0)]
        drag(path)
        wait(
            lambda: sql(library, "SELECT count(*) FROM album_photos")[0][0] == 2,
            "the dragged photo in the album",
        )

        # A click on the album in the sidebar opens it; Delete takes a photo out; Ctrl+Z.
        click_at(window.sidebar.viewport(), target)
        albums = window.albums
        wait(lambda: len(albums.photos_model.rows) == 2, "the album's photos")
        shown["page"] = window.current_page()
        shown["album"] = [Path(p.path).name for p in albums.photos_model.rows]
        grid = albums.photo_view
        first = grid.visualRect(albums.photos_model.index(0)).center()
        click_at(grid.viewport(), first)
        keys("Delete")
        wait(lambda: len(albums.photos_model.rows) == 1, "a photo taken out")
        keys("ctrl+z")
        wait(lambda: len(albums.photos_model.rows) == 2, "the photo back")
        shown["after_undo"] = [Path(p.path).name for p in albums.photos_model.rows]

        # Export… on the album: a folder typed, Return, the copies made; Escape closes.
        click(albums.export_button)
        wait(lambda: isinstance(QApplication.activeModalWidget(), ExportDialog), "the export")
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        click(dialog.folder)
        type_text(str(out))
        keys("Return")
        wait(lambda: dialog.report is not None, "the export done")
        shown["exported"] = dialog.status.text()
        keys("Escape")
        wait(lambda: not dialog.isVisible(), "the export dialog closed")
        print(json.dumps(shown), flush=True)
    finally:
        window.close()
        pump(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
