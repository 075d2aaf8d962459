"""Starting the window: one QApplication, one window per library, folders from the command line.

A second `album` started on the same library hands its folders to the running window and exits,
so two processes never write one library.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from album.config import LIBRARY_ENV, default_library_path
from album.store.library import LibraryError
from album.ui.backend import Backend
from album.ui.dialogs import LIBRARY_KEY, WORKERS_KEY, app_settings
from album.ui.main_window import MainWindow
from album.ui.single_instance import SingleInstance
from album.ui.style import STYLESHEET

# The backup waits for the People tiles, then this long for their faces to load first.
BACKUP_DELAY_MS = 2000
# ...or this long, when no People list is shown (an empty library, another page).
BACKUP_LATEST_MS = 15_000
SWITCH_INTERVAL_S = 0.0005
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("album")
    app.setOrganizationName("album")
    app.setApplicationDisplayName("album")
    app.setDesktopFileName("album")
    app.setStyleSheet(STYLESHEET)
    # The GUI thread waits for the GIL each time Qt calls into Python (every tile painted,
    # every row's data); with a worker thread busy in Python (reading 7,822 people) each wait
    # was up to the default 5 ms, and a screen of tiles added up to 60+ ms stalls.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    icon = RESOURCES / "album.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def chosen_library(args: argparse.Namespace) -> Path:
    """--library, else $ALBUM_LIBRARY, else the one picked in Settings, else the default."""
    if getattr(args, "library", None):
        return Path(args.library).expanduser()
    if os.environ.get(LIBRARY_ENV):
        return default_library_path()
    stored = app_settings().value(LIBRARY_KEY)
    return Path(str(stored)).expanduser() if stored else default_library_path()


def create_window(library: Path) -> MainWindow:
    backend = Backend(library)
    workers = app_settings().value(WORKERS_KEY)
    if workers:
        with contextlib.suppress(ValueError):
            backend.settings = backend.settings.replace(workers=max(1, int(str(workers))))
    window = MainWindow(backend)
    # Everything made so far (modules, Qt wrappers, the window) lives as long as the window:
    # out of the collector's sight, a full collection no longer walks it on the GUI thread
    # (44-190 ms pauses at 100,000 photos).
    gc.freeze()
    return window


def back_up_after_first_look(window: MainWindow) -> None:
    """The day's backup, once the People tiles are on screen. A fixed 2 s after `show()`
    was not enough at 100,000 photos: the backup (3.6 s reading 116 MB) started before the
    first people list had loaded and held the tiles back from 2.3 s to 4.5 s."""
    started: list[bool] = []

    def start(delay: int) -> None:
        if not started:
            started.append(True)
            QTimer.singleShot(delay, window.backend.back_up)

    window.people.loaded.connect(lambda: start(BACKUP_DELAY_MS))
    QTimer.singleShot(BACKUP_LATEST_MS, lambda: start(0))


def run_app(args: argparse.Namespace) -> int:
    app = application()
    library = chosen_library(args).absolute()
    folders = [os.path.abspath(f) for f in getattr(args, "folders", []) or []]
    missing = [f for f in folders if not os.path.exists(f)]
    if missing:
        print(f"album: no such file or folder: {missing[0]}", file=sys.stderr)
        return 2
    instance = SingleInstance(str(library))
    if instance.hand_over(folders):
        print("album is already open: the folders went to its window.", file=sys.stderr)
        return 0
    if not instance.listen():  # lost a start-up race: the winner is listening now
        if instance.hand_over(folders):
            return 0
        print("album: another album is starting on this library; try again", file=sys.stderr)
        return 1
    try:
        window = create_window(library)
    except LibraryError as exc:
        QMessageBox.critical(None, "album cannot open its library", str(exc))
        return 1
    instance.received.connect(window.open_paths)
    window.show()
    back_up_after_first_look(window)
    if folders:
        window.add_paths(folders)
    code = app.exec()
    instance.close()
    return code
