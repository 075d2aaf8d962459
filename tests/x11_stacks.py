"""A stack in the timeline with the real keyboard and mouse on a real X server: run by
test_stacks.py in its own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_stacks LIBRARY

Ctrl+1 opens Photos; the RAW+JPEG pair is one tile with its badge; a click on it and Return
open the viewer, whose caption names the RAW under it; a click on the RAW's name opens it
with the system's program, and so does O; Escape closes it. Prints what each
step showed, as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from album.ui.main_window import MainWindow
from album.ui.models import BadgeRole
from tests.x11_journey import click_at, focus, keys, run_walk, viewer_open, wait


def walk(window: MainWindow, library: Path) -> dict[str, object]:
    shown: dict[str, object] = {}
    focus(window)
    keys("ctrl+1")
    page, view = window.photos, window.photos.view
    wait(lambda: len(page.model.rows) == 3, "the photos")
    names = [Path(p.path).name for p in page.model.rows]
    shown["page"] = window.current_page()
    shown["tiles"] = sorted(names)
    index = page.model.index(names.index("IMG_0001.JPG"))
    shown["badge"] = page.model.data(index, BadgeRole)

    click_at(view.viewport(), view.visualRect(index).center())
    shown["clicked"] = names[view.currentIndex().row()]
    keys("Return")
    wait(lambda: viewer_open() is not None, "the viewer")
    viewer = viewer_open()
    assert viewer is not None
    wait(lambda: bool(viewer.versions), "the versions in the viewer")
    shown["opened"] = Path(viewer.photo.path).name if viewer.photo else None
    shown["caption"] = viewer.caption.text()
    # The RAW's name beside the caption opens it with the system's program: recorded here.
    opened: list[str] = []

    class Recorder(QObject):
        @Slot("QUrl")
        def open(self, url: QUrl) -> None:
            opened.append(url.toLocalFile())

    recorder = Recorder()
    QDesktopServices.setUrlHandler("file", recorder, "open")
    label = viewer.versions_link
    prefix = label.fontMetrics().horizontalAdvance("Open ")
    click_at(label, QPoint(label.contentsRect().left() + prefix + 12, label.height() // 2))
    wait(lambda: bool(opened), "the RAW opened")
    focus(viewer)
    keys("o")  # the same from the keyboard
    wait(lambda: len(opened) == 2, "the RAW opened by its key")
    QDesktopServices.unsetUrlHandler("file")
    shown["version_opened"] = [Path(p).name for p in opened]
    focus(viewer)
    keys("Escape")
    wait(lambda: viewer_open() is None, "the viewer closed")
    return shown


if __name__ == "__main__":
    sys.exit(run_walk(walk))
