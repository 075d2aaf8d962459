"""The Duplicates page with the real keyboard and mouse on a real X server: run by
test_copies.py in its own process with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_copies LIBRARY

Ctrl+6 opens the page; a click on "Keep this one" under the photo album would keep asks
first; Escape answers no and nothing moves. Then the page's own keys: Down to that set, K
asks again, Alt+T ("Move to Trash") sends the copy to the trash and the set leaves the page;
A keeps every photo of the other set. Prints what each step showed, as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from album.ui.main_window import MainWindow
from tests.x11_journey import click, focus, keys, pump, run_walk, sql, wait


def keys_on(page: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and page.isAncestorOf(focused)


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

    # The keys: the focus went back to the page with the question; Up to the first set,
    # Down to this one, K for "Keep this one" of the photo marked (the one album keeps).
    wait(lambda: keys_on(page), "the keys back on the page")
    keys("Up")
    for _ in range(page.cards.index(card)):
        keys("Down")
    wait(lambda: page.current == page.cards.index(card), "the set chosen")
    shown["chosen_by_keys"] = [page.current, page.chosen]
    keys("k")
    wait(lambda: page.confirm is not None and page.confirm.isVisible(), "the question")
    keys("alt+t")
    wait(lambda: not copy.exists(), "the copy in the trash")
    wait(lambda: len(page.cards) == 1, "the set gone from the page")
    shown["left"] = [m.photo.path.split("/")[-1] for m in page.cards[0].found.members]

    # The other set: A keeps all of it, without a question.
    wait(lambda: keys_on(page), "the keys on the page")
    keys("a")
    wait(lambda: not page.cards, "no sets left")
    shown["summary"] = page.summary.text()
    shown["kept_marks"] = sql(library, "SELECT count(*) FROM photos WHERE copies_kept IS NOT NULL")[
        0
    ][0]
    return shown


if __name__ == "__main__":
    sys.exit(run_walk(walk))
