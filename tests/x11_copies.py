"""The Duplicates page with the real keyboard and mouse on a real X server: run by
test_copies.py in its own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_copies LIBRARY

Ctrl+6 opens the page; a click on "Keep this one" under the photo album would keep asks
first; Escape answers no and nothing moves; asked again, Alt+T ("Move to Trash") sends the
copy to the trash and the set leaves the page. Tab and Space reach "Keep all" on the other
set. Prints what each step showed, as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from album.ui.main_window import MainWindow
from tests.x11_journey import click, focus, keys, pump, run_walk, sql, wait


def walk(window: MainWindow, library: Path) -> dict[str, object]:
    shown: dict[str, object] = {}
    focus(window)
    keys("ctrl+6")
    page = window.duplicates
    wait(lambda: len(page.cards) == 2, "the two sets")
    wait(page.pictures_shown, "their pictures")
    shown["page"] = window.current_page()
    card = next(c for c in page.cards if c.found.members[0].photo.path.endswith("colin.jpg"))
    copy = Path(card.found.members[1].photo.path)

    click(card.buttons[0])
    wait(lambda: page.confirm is not None and page.confirm.isVisible(), "the question")
    shown["question"] = page.confirm.text()
    shown["asked_in_front"] = QApplication.activeWindow() is page.confirm
    keys("Escape")
    wait(lambda: page.confirm is None, "the question closed")
    pump(0.5)
    shown["kept_after_escape"] = copy.exists()

    click(card.buttons[0])
    wait(lambda: page.confirm is not None and page.confirm.isVisible(), "the question")
    keys("alt+t")
    wait(lambda: not copy.exists(), "the copy in the trash")
    wait(lambda: len(page.cards) == 1, "the set gone from the page")
    shown["left"] = [m.photo.path.split("/")[-1] for m in page.cards[0].found.members]

    # The other set, from the keyboard alone: its "Keep all" takes the focus, Space.
    other = page.cards[0]
    other.keep_all.setFocus()
    pump(0.2)
    keys("space")
    wait(lambda: not page.cards or page.cards[0] is not other, "the set answered")
    wait(lambda: not page.cards, "no sets left")
    shown["summary"] = page.summary.text()
    shown["kept_marks"] = sql(library, "SELECT count(*) FROM photos WHERE copies_kept IS NOT NULL")[
        0
    ][0]
    return shown


if __name__ == "__main__":
    sys.exit(run_walk(walk))
