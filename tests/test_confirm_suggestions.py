"""Issue 20, item 6: "Confirm suggestions ≥ 80%" is one click. Confirming faces makes the
person's other faces look more like them; what that brings above the bar is confirmed by the
same click, and one Ctrl+Z takes the whole click back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.conftest import album, copy_photos, export, open_window

WAIT = 120_000


def faces_of(library: Path, person: int) -> list[dict]:
    return [
        face
        for photo in export(library)["photos"]
        for face in photo["faces"]
        if face["person_id"] == person
    ]


def suggested(library: Path, person: int, above: float = 0.0) -> list[int]:
    return [
        f["id"]
        for f in faces_of(library, person)
        if f["label_source"] == "auto" and (f["confidence"] or 0) >= above
    ]


def test_one_click_confirms_every_suggestion_above_the_bar_and_one_undo_takes_it_back(
    qtbot, tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    folder, library = tmp_path / "Pictures", tmp_path / "library.db"
    for name in ("George_W_Bush", "Tony_Blair", "Colin_Powell", "Junichiro_Koizumi"):
        copy_photos(lfw_people[name], folder)
    album("scan", folder, "--library", library, "--workers", "1")
    # One face named by itself: its group's other faces become suggestions, some of them
    # just under 80 % until the first ones are confirmed.
    group = next(p for p in export(library)["people"] if p["name"] is None)
    face = faces_of(library, group["id"])[0]["id"]
    album("name", "--face", face, "Ada", "--library", library)
    ada = next(p["id"] for p in export(library)["people"] if p["name"] == "Ada")
    waiting = suggested(library, ada)
    assert len(waiting) >= 5, "the photos should leave suggestions to confirm"

    window = open_window(qtbot, library)
    window.show_person(ada)
    page = window.person
    qtbot.waitUntil(page.confirm_all_button.isEnabled, timeout=WAIT)
    assert page.threshold.value() == 80
    qtbot.mouseClick(page.confirm_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not suggested(library, ada, 0.8), timeout=WAIT)
    qtbot.waitUntil(lambda: not window.backend.jobs.busy, timeout=WAIT)
    qtbot.wait(500)
    assert not suggested(library, ada, 0.8), "a second click was still needed"
    confirmed = {f["id"] for f in faces_of(library, ada) if f["label_source"] == "user"}
    assert set(waiting) <= confirmed | set(suggested(library, ada))

    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: [f["id"] for f in faces_of(library, ada) if f["label_source"] == "user"] == [face],
        timeout=WAIT,
    )
