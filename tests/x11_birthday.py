"""A birthday given with the real keyboard and mouse on a real X server: run by
test_birthday.py in its own process (the test session's Qt is offscreen) with
QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_birthday LIBRARY PERSON_ID

The person's page is opened, Birthday… clicked through the X server, the date typed into the
dialog's date field section by section as a user types it, and Return pressed; the page must
then say when they were born and show an age under their photos. Prints the captions shown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from album.ui.birthday_dialog import BirthdayDialog
from album.ui.main_window import MainWindow
from tests.x11_journey import click, focus, keys, open_x_window, pump, type_text, wait

BORN = ("12", "March", "1990")


def give_birthday(window: MainWindow, person: int) -> None:
    window.show_person(person)
    page = window.person
    wait(lambda: page.person is not None and page.person.id == person, "the person's page")
    wait(lambda: page.birthday_button.isEnabled(), "Birthday… enabled")
    focus(window)
    answered: list[str] = []

    def answer() -> None:
        # The dialog runs its own event loop: the answer is typed from inside it.
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, BirthdayDialog):
            QTimer.singleShot(200, answer)
            return
        focus(dialog)
        wait(dialog.edit.hasFocus, "the date field has the keyboard")
        # As a user types a day: the field moves on by itself once a part is whole.
        for part in BORN:
            type_text(part)
        shown = dialog.edit.date()
        answered.append(f"{shown.day()} {shown.month()} {shown.year()}")
        keys("Return")

    QTimer.singleShot(200, answer)
    click(page.birthday_button)
    wait(lambda: bool(answered), "the dialog answered")
    print("typed", answered[0], flush=True)
    wait(lambda: "born 12 March 1990" in page.stats.text(), "the page says the birthday")
    pump(0.5)


def main() -> int:
    library, person = Path(sys.argv[1]), int(sys.argv[2])
    window = open_x_window(library)
    try:
        give_birthday(window, person)
        captions = sorted(set(window.person.faces.captions.values()))
        print(json.dumps({"summary": window.person.stats.text(), "captions": captions}))
    finally:
        window.close()
        pump(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
