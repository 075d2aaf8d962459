"""The Settings dialog's open lists on a real X server: run by test_settings_dialog.py in its
own process (the test session's Qt is offscreen, which drew the blank row as text).

    python -m tests.x11_settings LIBRARY

Prints, for each choice of "Write names to photos", how many pixels of text the screen shows
in its row of the open list (read back from the X server).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from album.ui.app import application, create_window
from album.ui.dialogs import SettingsDialog
from tests.x11_journey import pump, wait


def main() -> int:
    app = application()
    assert app.platformName() == "xcb", app.platformName()
    window = create_window(Path(sys.argv[1]))
    window.resize(1200, 800)
    window.show()
    wait(window.isVisible, "the window")
    dialog = SettingsDialog(window.backend, window)
    dialog.show()
    wait(dialog.isVisible, "the Settings dialog")
    pump(0.5)
    combo = dialog.write_names
    combo.showPopup()
    view = combo.view()
    wait(view.isVisible, "the open list")
    pump(0.8)
    screen = app.primaryScreen().grabWindow(0).toImage()
    drawn = {}
    for row in range(combo.count()):
        rect = view.visualRect(combo.model().index(row, 0))
        top_left = view.viewport().mapToGlobal(rect.topLeft())
        background = screen.pixelColor(top_left.x() + 2, top_left.y() + rect.height() // 2)
        ink = 0
        for y in range(top_left.y() + 1, top_left.y() + rect.height() - 1):
            for x in range(top_left.x(), top_left.x() + rect.width(), 2):
                if abs(screen.pixelColor(x, y).lightness() - background.lightness()) > 60:
                    ink += 1
        drawn[combo.itemData(row)] = ink
    combo.hidePopup()
    dialog.reject()
    window.close()
    pump(0.3)
    print(json.dumps(drawn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
