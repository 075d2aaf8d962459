"""A stack in the timeline with the real keyboard and mouse on a real X server: run by
test_stacks.py in its own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_stacks LIBRARY

Ctrl+1 opens Photos; the RAW+JPEG pair is one tile with its badge; a click on it and Return
open the viewer, whose caption names the RAW under it; Escape closes it. Prints what each
step showed, as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

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
    focus(viewer)
    keys("Escape")
    wait(lambda: viewer_open() is None, "the viewer closed")
    return shown


if __name__ == "__main__":
    sys.exit(run_walk(walk))
