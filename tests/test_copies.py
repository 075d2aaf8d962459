"""Deciding copies, from the command line, on real photos and their real copies.

Until the user decides, a set of copies counts once: a named face on a copy does not make
two photos of the person, and a stranger's photo sent twice is no group of two. "Keep this
one" moves the other files to the system's trash (XDG: this test's own data folder), only
after a yes, and the name, stars and album the copy carried are the kept photo's after.
"Keep all" answers a set for good, and moves nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import album


def _lfw(faces: Path, name: str, number: int = 1) -> Path:
    return faces / "lfw-62x10" / name / f"{name}_{number:04d}.jpg"


@pytest.fixture
def copied(tmp_path: Path, faces: Path) -> tuple[Path, dict[str, Path]]:
    """Photos and copies of them, scanned and grouped: Colin and a half-size copy of him
    (as a messenger sends it back), Serena and a byte copy in a backup folder, and two
    different photos of Tony."""
    folder = tmp_path / "Pictures"
    photos = {
        "colin": folder / "colin.jpg",
        "colin copy": folder / "From WhatsApp" / "IMG-0001.jpg",
        "serena": folder / "serena.jpg",
        "serena copy": folder / "Backup" / "serena.jpg",
        "tony 1": folder / "tony-1.jpg",
        "tony 2": folder / "tony-2.jpg",
    }
    for path in photos.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_lfw(faces, "Colin_Powell"), photos["colin"])
    colin = Image.open(photos["colin"]).convert("RGB")
    colin.resize((colin.width * 3 // 4, colin.height * 3 // 4), Image.Resampling.LANCZOS).save(
        photos["colin copy"], "JPEG", quality=80
    )
    shutil.copyfile(_lfw(faces, "Serena_Williams"), photos["serena"])
    shutil.copyfile(photos["serena"], photos["serena copy"])
    shutil.copyfile(_lfw(faces, "Tony_Blair", 6), photos["tony 1"])
    shutil.copyfile(_lfw(faces, "Tony_Blair", 7), photos["tony 2"])
    library = tmp_path / "lib" / "library.db"
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    album("cluster", "--library", library)
    return library, photos


def _faces(library: Path, photo: Path) -> list[dict]:
    return json.loads(album("faces", photo, "--json", "--library", library).stdout)


def _person(library: Path, name: str) -> dict:
    people = json.loads(album("people", "--json", "--all", "--library", library).stdout)
    return next(p for p in people if p["name"] == name)


def _trash() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files"


def test_copies_count_once_until_one_is_kept_and_the_copy_goes_to_the_trash(copied):
    library, photos = copied
    # A stranger's photo and its copy are one photo, not a group of two faces.
    assert all(f["person_id"] is None for f in _faces(library, photos["serena"]))
    assert all(f["person_id"] is None for f in _faces(library, photos["serena copy"]))
    # Two photos of Tony are: the copies' exclusion does not stop real groups.
    tony = _faces(library, photos["tony 1"])[0]["person_id"]
    assert tony is not None and tony == _faces(library, photos["tony 2"])[0]["person_id"]

    # The user names Colin on the copy, gives it stars and puts it in an album.
    [face] = _faces(library, photos["colin copy"])
    album("name", "--face", face["id"], "Colin", "--library", library)
    album("rate", "4", photos["colin copy"], "--library", library)
    album("album-add", "Trip", photos["colin copy"], "--library", library)
    colin = _person(library, "Colin")
    assert colin["photos"] == 1, "Colin on a photo and on its copy: one photo"

    listed = json.loads(album("duplicates", "--json", "--library", library).stdout)
    sets = {frozenset(Path(p["path"]).name for p in s["photos"]): s for s in listed}
    assert frozenset({"colin.jpg", "IMG-0001.jpg"}) in sets

    # No terminal to ask at and no --yes: nothing moves.
    refused = album("duplicates", "--keep", photos["colin"], "--library", library, check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert photos["colin copy"].exists()

    kept = album("duplicates", "--keep", photos["colin"], "--yes", "--library", library)
    assert "1 of 1 copy moved to the trash" in kept.stdout
    assert not photos["colin copy"].exists()
    assert (_trash() / "IMG-0001.jpg").read_bytes()[:2] == b"\xff\xd8", "in the trash, whole"
    assert photos["colin"].exists()
    # The name, the stars and the album are the kept photo's now.
    [face] = _faces(library, photos["colin"])
    assert face["person"] == "Colin" and face["label_source"] == "user"
    trip = json.loads(album("albums", "--json", "--photos", "Trip", "--library", library).stdout)
    assert [Path(p["path"]).name for p in trip] == ["colin.jpg"]
    assert trip[0]["rating"] == 4
    assert _person(library, "Colin")["photos"] == 1
    listed = json.loads(album("duplicates", "--json", "--library", library).stdout)
    assert all("colin.jpg" not in {Path(p["path"]).name for p in s["photos"]} for s in listed)


def test_keep_all_answers_a_set_for_good_and_moves_nothing(copied):
    library, photos = copied
    album("duplicates", "--keep-all", photos["serena copy"], "--library", library)
    assert photos["serena"].exists() and photos["serena copy"].exists()
    listed = json.loads(album("duplicates", "--json", "--library", library).stdout)
    names = {
        Path(p["path"]).parent.name + "/" + Path(p["path"]).name
        for s in listed
        for p in s["photos"]
    }
    assert "Backup/serena.jpg" not in names and "Pictures/serena.jpg" not in names
    # Still asked about: the other set.
    assert "Pictures/colin.jpg" in names
    again = album(
        "duplicates", "--keep", photos["serena"], "--yes", "--library", library, check=False
    )
    assert again.returncode == 1 and "no copies left to decide" in again.stderr
    assert not _trash().exists() or not any(_trash().iterdir())


def test_the_duplicates_page_keeps_one_after_the_user_confirms(copied, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from tests.conftest import open_window

    library, photos = copied
    window = open_window(qtbot, library)
    window.show_page("Duplicates")
    page = window.duplicates
    qtbot.waitUntil(lambda: len(page.cards) == 2, timeout=20_000)
    assert "2 sets of copies" in page.summary.text()
    card = next(c for c in page.cards if "colin.jpg" in c.found.members[0].photo.path)
    # Side by side, with what tells them apart, the one album keeps first and marked.
    texts = [label.text() for label in card.findChildren(type(page.summary))]
    assert any("album would keep this one" in t and "colin.jpg" in t for t in texts)
    assert any("IMG-0001.jpg" in t and "From WhatsApp" in t for t in texts)
    qtbot.waitUntil(page.pictures_shown, timeout=20_000)

    # Cancel, the default: nothing moves.
    qtbot.mouseClick(card.buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    assert "move 1 copy to the trash" in page.confirm.text()
    qtbot.keyClick(page.confirm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.confirm is None)
    qtbot.wait(300)
    assert photos["colin copy"].exists() and not page.busy

    qtbot.mouseClick(card.buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    trash = next(
        b for b in page.confirm.buttons()
        if page.confirm.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
    )  # fmt: skip
    qtbot.mouseClick(trash, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not photos["colin copy"].exists(), timeout=20_000)
    assert (_trash() / "IMG-0001.jpg").exists()
    qtbot.waitUntil(lambda: len(page.cards) == 1, timeout=20_000)
    assert "serena.jpg" in page.cards[0].found.members[0].photo.path
    assert "1 set of copies" in page.summary.text()


def test_the_duplicates_page_by_keys_alone(copied, qtbot):
    """Ctrl+6 and the keys in the keyboard map, no click: a set and a photo are chosen (and
    marked), Return asks first, Alt+T in the question trashes the copy, A keeps a set."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from tests.conftest import open_window

    library, photos = copied
    window = open_window(qtbot, library)

    def back_to_the_window() -> None:
        """What the window manager does on opening and after a dialog; offscreen, nobody does."""
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5_000)

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """A key as the user presses it: to whatever has the keyboard now."""
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard"
        qtbot.keyClick(widget, key, modifier)

    back_to_the_window()
    press(Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    page = window.duplicates
    qtbot.waitUntil(lambda: len(page.cards) == 2, timeout=20_000)

    def shown() -> tuple[int, int]:
        """The set and photo the page marks, checked against where the keyboard is."""
        [card] = [c for c in page.cards if c.property("current")]
        [photo] = [n for n, p in enumerate(card.pictures) if p.property("chosen")]
        assert QApplication.focusWidget() is card.buttons[photo]
        return page.cards.index(card), photo

    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.cards[0].buttons[0])
    assert shown() == (0, 0), "the first set, the photo album would keep"
    press(Qt.Key.Key_Down)
    assert shown() == (1, 0)
    press(Qt.Key.Key_Down)
    assert shown() == (1, 0), "no set below the last"
    press(Qt.Key.Key_PageUp)
    assert shown() == (0, 0)
    colin = next(n for n, c in enumerate(page.cards) if "colin" in c.found.members[0].photo.path)
    for _ in range(colin):
        press(Qt.Key.Key_Down)
    card = page.cards[colin]
    copy = card.found.members[1]
    texts = [label.text() for label in card.findChildren(type(page.summary))]
    # A re-saved file with the same picture reads so, not "0 of 64 bits apart".
    likeness = "the same picture, another file" if copy.distance == 0 else "of 64 bits apart"
    assert any(likeness in t and "IMG-0001.jpg" in t for t in texts)
    press(Qt.Key.Key_Right)
    assert shown() == (colin, 1)
    press(Qt.Key.Key_Right)
    assert shown() == (colin, 1), "no photo after the last"
    press(Qt.Key.Key_Left)
    assert shown() == (colin, 0)

    # Return asks first; Escape (Cancel) moves nothing and the keys are back on the page.
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    assert "Keep colin.jpg and move 1 copy to the trash" in page.confirm.text()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.confirm)
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.confirm is None)
    qtbot.wait(300)
    assert photos["colin copy"].exists()
    back_to_the_window()
    assert QApplication.focusWidget() is card.buttons[0]

    # K asks the same; Alt+T is "Move to Trash": the set leaves, the keys go to the next one.
    press(Qt.Key.Key_K)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.confirm)
    press(Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not photos["colin copy"].exists(), timeout=20_000)
    qtbot.waitUntil(lambda: len(page.cards) == 1, timeout=20_000)
    assert "1 set of copies" in page.summary.text()
    back_to_the_window()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.cards[0].buttons[0])
    assert shown() == (0, 0) and "serena" in page.cards[0].found.members[0].photo.path

    # A: "Keep all", no question; nothing moves and no set is left.
    press(Qt.Key.Key_A)
    qtbot.waitUntil(lambda: not page.cards, timeout=20_000)
    assert page.summary.text().startswith("No copies")
    assert photos["serena"].exists() and photos["serena copy"].exists()


def test_keeping_one_with_real_keys_and_clicks_on_a_real_x_server(x_desktop, copied):
    from tests.conftest import run_on_x

    library, photos = copied
    out = run_on_x("tests.x11_copies", library, env=x_desktop, timeout=300)
    shown = json.loads(out.strip().splitlines()[-1])
    assert shown["page"] == "Duplicates"
    assert "move 1 copy to the trash" in shown["question"] and shown["asked_in_front"]
    assert shown["kept_after_escape"] is True
    assert shown["chosen_by_keys"][1] == 0, "K keeps the photo album would keep"
    assert not photos["colin copy"].exists() and (_trash() / "IMG-0001.jpg").exists()
    assert sorted(shown["left"]) == ["serena.jpg", "serena.jpg"]
    assert shown["summary"].startswith("No copies") and shown["kept_marks"] == 2
    assert photos["serena"].exists() and photos["serena copy"].exists()
