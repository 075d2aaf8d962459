""" "Ada or Ben?" answered with real keys on a real X server: run by test_review_choice.py in its
own process (the test session's Qt is offscreen) with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_review_choice LIBRARY FOLDER

LIBRARY holds two people kept apart (Ada and Ben) and photos close to both. Every key is an X
event sent by xdotool through the X server to the window, as a keyboard would: Ctrl+3 opens
Review, 1 names the face Ada (or whoever is first), Z takes it back, N says neither, 2 names
the next face the second person. Exits 0 when the journey went through.
"""

from __future__ import annotations

import sys
from pathlib import Path

from album.ui.main_window import MainWindow
from tests.x11_journey import focus, keys, run_journey, sql, wait


def label(library: Path, face: int) -> tuple[str | None, str | None]:
    rows = sql(
        library,
        "SELECT p.name, f.label_source FROM faces f LEFT JOIN people p ON p.id = f.person_id "
        f"WHERE f.id = {int(face)}",
    )
    return rows[0]


def rejected(library: Path, face: int) -> set[str]:
    rows = sql(
        library,
        "SELECT p.name FROM rejections r JOIN people p ON p.id = r.person_id "
        f"WHERE r.face_id = {int(face)}",
    )
    return {r[0] for r in rows}


def journey(window: MainWindow, library: Path, folder: Path) -> None:
    focus(window)
    keys("ctrl+3")
    assert window.current_page() == "Review", window.current_page()
    review = window.review.faces
    wait(lambda: review.current is not None, "a question in Review")
    item = review.current
    assert item is not None and item.is_choice and item.apart, item
    face, first = item.face_id, item.person
    assert review.question.text() == f"{first} or {item.rival}?", review.question.text()

    keys("1")
    wait(lambda: label(library, face) == (first, "user"), f"face {face} named {first}")
    keys("z")
    wait(lambda: label(library, face) != (first, "user"), "the answer taken back")
    wait(lambda: review.current is not None and review.current.face_id == face, "asked again")

    keys("n")
    wait(lambda: rejected(library, face) == {"Ada", "Ben"}, "neither: both rejected")
    wait(lambda: review.current is not None and review.current.face_id != face, "next question")
    nxt = review.current
    assert nxt is not None and nxt.is_choice, nxt
    keys("2")
    wait(lambda: label(library, nxt.face_id) == (nxt.rival, "user"), "the second person")


if __name__ == "__main__":
    sys.exit(run_journey(journey))
