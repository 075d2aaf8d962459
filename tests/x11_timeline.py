"""The timeline walked with the real keyboard and mouse on a real X server: run by
test_timeline.py in its own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_timeline LIBRARY

Ctrl+1 opens Photos; Ctrl+G and a date typed section by section ("25", "December", "2018")
go to that day; a click low on the strip of years goes to the oldest photos and one at its
top back to the newest; a click on a tile and Return open that photo, Down moves a line to
the next day. Prints what each step showed, as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from tests.x11_journey import (
    click_at,
    focus,
    keys,
    open_x_window,
    pump,
    type_text,
    viewer_open,
    wait,
)


def main() -> int:
    library = Path(sys.argv[1])
    window = open_x_window(library)
    window.resize(1200, 460)  # shorter than the timeline: it scrolls
    shown: dict[str, object] = {}
    try:
        focus(window)
        keys("ctrl+1")
        page, view = window.photos, window.photos.view
        wait(lambda: len(page.model.rows) == 8, "the photos")
        wait(lambda: view.verticalScrollBar().maximum() > 0, "a timeline taller than the window")
        names = [Path(p.path).name for p in page.model.rows]

        def current() -> str:
            index = view.currentIndex()
            return names[index.row()] if index.isValid() else ""

        keys("ctrl+g")
        wait(lambda: QApplication.focusWidget() is page.date, "the keyboard in Go to")
        for part in ("25", "December", "2018"):
            type_text(part)
        wait(lambda: current() == "christmas-1.jpg", "the day typed", timeout=10)
        rect = view.visualRect(view.currentIndex())
        shown["typed_date"] = page.date.date().toString("yyyy-MM-dd")
        shown["went_to"] = current()
        shown["day_top"] = rect.top()

        strip = page.scrubber
        bar = view.verticalScrollBar()
        click_at(strip, QPoint(strip.width() // 2, strip.height() - 2))
        shown["strip_bottom"] = [bar.value(), bar.maximum()]
        click_at(strip, QPoint(strip.width() // 2, 1))
        shown["strip_top"] = bar.value()

        tile = view.visualRect(page.model.index(names.index("kyoto-1.jpg")))
        click_at(view.viewport(), tile.center())
        shown["clicked"] = current()
        keys("Down")
        shown["down"] = current()
        keys("Up", "Return")
        wait(lambda: viewer_open() is not None, "the viewer")
        viewer = viewer_open()
        assert viewer is not None
        shown["opened"] = Path(page.model.rows[viewer.position].path).name
        focus(viewer)
        keys("Escape")
        wait(lambda: viewer_open() is None, "the viewer closed")
        print(json.dumps(shown), flush=True)
    finally:
        window.close()
        pump(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
