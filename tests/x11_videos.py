"""Videos with the real keyboard and mouse on a real X server: run by test_videos.py in its
own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_videos LIBRARY

Ctrl+1 opens the Photos page; a click on a video's tile and Return play it, and so does a
double-click: the system's player gets the file (Qt's handler for `file` URLs is this
script's recorder, as a desktop's is its player), and no photo viewer opens. Prints what each
step showed, as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from album.ui.main_window import MainWindow
from album.ui.models import BadgeRole
from album.ui.viewer import PhotoViewer
from tests.x11_journey import focus, keys, pump, run_walk, wait, xdotool


class Player(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toLocalFile())


def walk(window: MainWindow, library: Path) -> dict[str, object]:
    player = Player()
    QDesktopServices.setUrlHandler("file", player, "open")
    shown: dict[str, object] = {}
    focus(window)
    keys("ctrl+1")
    page, view = window.photos, window.photos.view
    model = page.model

    def video_row() -> int | None:
        rows = [i for i, p in enumerate(model.rows) if getattr(p, "duration", None)]
        return rows[0] if rows else None

    wait(lambda: video_row() is not None, "a video on the Photos page")
    index = model.index(video_row())
    view.scrollTo(index)
    pump(0.5)
    shown["badge"] = model.data(index, BadgeRole)
    centre = view.viewport().mapToGlobal(view.visualRect(index).center())
    xdotool("mousemove", "--sync", str(centre.x()), str(centre.y()))
    pump(0.2)
    xdotool("click", "1")
    pump(0.4)
    keys("Return")
    wait(lambda: len(player.urls) == 1, "Return to play it")
    xdotool("click", "--repeat", "2", "--delay", "80", "1")
    wait(lambda: len(player.urls) >= 2, "a double-click to play it")
    pump(1.0)  # one player, not two: a double-click is one activation
    shown["played"] = player.urls
    shown["viewer"] = bool(window.findChildren(PhotoViewer))
    return shown


if __name__ == "__main__":
    sys.exit(run_walk(walk))
