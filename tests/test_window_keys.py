"""The window as a photographer drives it: the keyboard map, the messages, the grids that hold
still, the Unsorted faces. Offscreen, on a real library scanned from real photos; the same
journey on a real X server is in test_window_x11.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from album.ui.main_window import PAGES, MainWindow
from tests.test_window import (  # noqa: F401  (fixtures)
    lfw_people_session,
    open_window,
    photo_folder,
    private_settings,
    say_yes,
    scanned_library,
)


@pytest.fixture
def window(qtbot, scanned_library: Path, tmp_path: Path) -> MainWindow:  # noqa: F811
    library = tmp_path / "library.db"
    shutil.copy(scanned_library, library)
    window = open_window(qtbot, library)
    qtbot.waitUntil(lambda: len(window.people.model.rows) >= 3, timeout=20_000)
    return window


def test_every_page_opens_from_the_view_menu_and_ctrl_1_to_4(qtbot, window: MainWindow):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    for action in view_menu.actions():
        if action.text() in PAGES:
            action.trigger()
            assert window.current_page() == action.text()
    for number, name in enumerate(PAGES, start=1):
        QTest.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() == name


def test_people_in_the_sidebar_goes_back_to_the_grid(qtbot, window: MainWindow):
    window.show_person(window.people.model.rows[0].id)
    assert window.people_stack.currentWidget() is window.person
    window.show_page("Photos")
    window.sidebar.setCurrentRow(PAGES.index("People"))
    assert window.people_stack.currentWidget() is window.people


def focused():
    from PySide6.QtWidgets import QApplication

    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the user presses it: to whatever has the keyboard now."""
    QTest.keyClick(focused(), key, modifier)


def hidden_people(library: Path) -> int:
    import sqlite3

    with sqlite3.connect(library) as conn:
        return conn.execute("SELECT count(*) FROM people WHERE hidden").fetchone()[0]


def activate(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)


def test_space_after_merge_hides_nobody(qtbot, window: MainWindow, say_yes):  # noqa: F811
    activate(qtbot, window)
    before = len(window.people.model.rows)
    window.people.view.setFocus()
    selection = window.people.view.selectionModel()
    for row in (0, 1):
        selection.select(window.people.model.index(row), selection.SelectionFlag.Select)
    QTest.mouseClick(window.people.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.people.model.rows) == before - 1, timeout=30_000)
    assert focused() is window.people.view
    press(Qt.Key.Key_Space)
    press(Qt.Key.Key_Space)
    qtbot.wait(1500)
    assert hidden_people(window.backend.library_path) == 0
    assert not any(p.hidden for p in window.people.model.rows)


def name_one_face(qtbot, window: MainWindow, name: str) -> int:
    """Name one face of the biggest group: its other faces become questions in Review."""
    person = window.people.model.rows[0]
    window.show_person(person.id)
    qtbot.waitUntil(lambda: len(window.person.faces.rows) >= 4, timeout=30_000)
    first_face = window.person.faces.rows[0][0]
    window.backend.edit(lambda s: s.name_face(first_face, name))
    return first_face


def test_review_answers_by_keys_without_a_click(qtbot, window: MainWindow):
    activate(qtbot, window)
    name_one_face(qtbot, window, "Colin")
    window.sidebar.setFocus()
    window.sidebar.setCurrentRow(PAGES.index("Review"))  # a click on the sidebar, no more
    review = window.review.faces
    qtbot.waitUntil(lambda: review.current is not None and review.current.person == "Colin")
    left = len(review.items)
    first = review.current.face_id
    press(Qt.Key.Key_Y)
    qtbot.waitUntil(lambda: review.current is None or review.current.face_id != first)
    assert len(review.items) == left - 1
    # Skip goes to the end: the skipped face is the last one asked, not the next.
    if len(review.items) >= 2:
        skipped = review.current.face_id
        press(Qt.Key.Key_S)
        assert review.current.face_id != skipped
        assert review.items[-1].face_id == skipped
    # The count only goes down while the library changes under the answers.
    counts = []
    for key in (Qt.Key.Key_Y, Qt.Key.Key_N, Qt.Key.Key_Y, Qt.Key.Key_N):
        if review.current is None:
            break
        counts.append(len(review.items))
        press(key)  # a Yes teaches the matcher: new questions wait for the next round
        qtbot.wait(800)  # the edit lands, the page reloads
    assert counts == sorted(counts, reverse=True) and len(set(counts)) == len(counts)
    assert "Name a few people" not in review.left.text()


def test_not_a_face_and_undo_in_review_by_keys(qtbot, window: MainWindow):
    activate(qtbot, window)
    name_one_face(qtbot, window, "Colin")
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    review = window.review.faces
    qtbot.waitUntil(lambda: review.current is not None and review.current.person == "Colin")
    face = review.current.face_id
    press(Qt.Key.Key_X)
    qtbot.waitUntil(lambda: "Removed 1 face" in window.statusBar().currentMessage())
    assert all(i.face_id != face for i in review.items)
    press(Qt.Key.Key_Z)
    qtbot.waitUntil(lambda: review.current is not None and review.current.face_id == face)


def test_the_viewer_browses_by_keys_and_buttons(qtbot, window: MainWindow):
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.photos.model.rows) >= 6, timeout=20_000)
    ids = [p.id for p in window.photos.model.rows]
    viewer = window.open_photo(ids[0], ids)
    qtbot.addWidget(viewer)
    viewer.activateWindow()
    qtbot.waitUntil(lambda: viewer.isActiveWindow(), timeout=5_000)
    steps = [
        (Qt.Key.Key_Right, 1),
        (Qt.Key.Key_Space, 2),
        (Qt.Key.Key_PageDown, 3),
        (Qt.Key.Key_Left, 2),
        (Qt.Key.Key_PageUp, 1),
        (Qt.Key.Key_End, len(ids) - 1),
        (Qt.Key.Key_Right, len(ids) - 1),
        (Qt.Key.Key_Home, 0),
    ]
    for key, position in steps:
        press(key)
        assert viewer.position == position, QTest.__name__
    qtbot.waitUntil(lambda: f"1 of {len(ids)}" in viewer.caption.text(), timeout=10_000)
    assert not viewer.previous.isEnabled()
    QTest.mouseClick(viewer.next, Qt.MouseButton.LeftButton)
    assert viewer.position == 1


def test_the_keyboard_map_is_in_the_help_menu(qtbot, window: MainWindow):
    from album.ui.keyboard import KEYMAP, KeyboardDialog

    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert any(a.text() == "&Keyboard shortcuts" for a in help_menu.actions())
    dialog = KeyboardDialog(window)
    qtbot.addWidget(dialog)
    shown = {dialog.table.topLevelItem(i).text(0) for i in range(dialog.table.topLevelItemCount())}
    for section, keys in KEYMAP:
        assert section in shown
        assert all(key in shown for key, _ in keys)


def test_delete_on_a_person_page_is_not_this_person_and_undoes(qtbot, window: MainWindow):
    activate(qtbot, window)
    person = window.people.model.rows[0]
    window.people.rename(person.id, "Serena")
    qtbot.waitUntil(lambda: window.people.model.rows[0].name == "Serena", timeout=30_000)
    window.show_person(person.id)
    page = window.person
    qtbot.waitUntil(lambda: len(page.faces.rows) == person.faces, timeout=30_000)
    face = page.faces.rows[-1][0]

    press(Qt.Key.Key_End)  # the grid has the keyboard: the last face becomes current

    assert page.selected_faces() == [face]
    press(Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: face not in {r[0] for r in page.faces.rows}, timeout=30_000)
    assert "not Serena" in window.statusBar().currentMessage()
    assert hidden_people(window.backend.library_path) == 0
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: face in {r[0] for r in page.faces.rows}, timeout=30_000)


def test_the_people_grid_holds_still_while_the_user_is_on_it(qtbot, window: MainWindow):
    activate(qtbot, window)
    people = window.people
    people.sort.setCurrentIndex(people.sort.findData("name"))
    qtbot.waitUntil(lambda: all(p.name is None for p in people.model.rows), timeout=10_000)
    people.rename(people.model.rows[0].id, "Zoe")
    qtbot.waitUntil(lambda: any(p.name == "Zoe" for p in people.model.rows), timeout=30_000)

    def place(name: str) -> int:
        return next(i for i, p in enumerate(people.model.rows) if p.name == name)

    order = [p.id for p in people.model.rows]
    # The user is on the grid: a tile selected, the keyboard there, keys being pressed.
    people.view.setFocus()
    people.view.setCurrentIndex(people.model.index(0))
    other = next(p.id for p in people.model.rows if p.name is None)
    window.backend.edit(lambda s: s.name_person(other, "Aaron"))  # sorts before Zoe now

    def named_while_keys_go() -> bool:
        QTest.keyClick(people.view, Qt.Key.Key_Right)
        QTest.keyClick(people.view, Qt.Key.Key_Left)
        return any(p.name == "Aaron" for p in people.model.rows)

    qtbot.waitUntil(named_while_keys_go, timeout=30_000)
    assert [p.id for p in people.model.rows] == order, "tiles moved under the user"
    assert place("Aaron") > place("Zoe")
    # The user leaves the grid (the keys stop, the pointer is elsewhere): the new order shows,
    # even though the grid keeps the keyboard and its selection.
    qtbot.waitUntil(lambda: place("Aaron") < place("Zoe"), timeout=10_000)
    assert people.view.hasFocus()


def test_messages_name_people_never_their_ids(qtbot, window: MainWindow, say_yes):  # noqa: F811
    import re

    said: list[str] = []
    window.backend.message.connect(said.append)
    people = window.people
    before = len(people.model.rows)
    selection = people.view.selectionModel()
    for row in (0, 1):
        selection.select(people.model.index(row), selection.SelectionFlag.Select)
    people.merge_selected()
    qtbot.waitUntil(lambda: len(people.model.rows) == before - 1, timeout=30_000)
    people.view.clearSelection()
    selection.select(people.model.index(0), selection.SelectionFlag.Select)
    people.toggle_hidden()
    qtbot.waitUntil(lambda: any(s.startswith("Hid") for s in said), timeout=30_000)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: any(s.startswith("Undone") for s in said), timeout=30_000)
    assert said and not [s for s in said if re.search(r"person \d", s)], said
    assert "Hid an unnamed person (" in " ".join(said)
    assert "Merged 2 unnamed people into one" in " ".join(said)
    # Singulars, and a rescan of an unchanged library is good news.
    people.show_hidden.setChecked(True)
    qtbot.waitUntil(lambda: "people," in people.count.text(), timeout=10_000)
    with qtbot.waitSignal(window.backend.scan_finished, timeout=120_000):
        QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: any(s.startswith("Up to date") for s in said), timeout=10_000)
    assert not any("0 photos analyzed" in s for s in said)


def answer_name_dialog(text: str) -> None:
    """Type into the name dialog the moment it opens, then press Return once."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    def type_it() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, type_it)
            return
        edit = dialog.findChild(QLineEdit)
        QTest.keyClicks(edit, text)
        QTest.keyClick(edit, Qt.Key.Key_Return)

    QTimer.singleShot(50, type_it)


def unsorted_in(library: Path) -> list[tuple[int, int]]:
    import sqlite3

    with sqlite3.connect(library) as conn:
        return conn.execute(
            "SELECT id, (right - left) * (bottom - top) FROM faces "
            "WHERE person_id IS NULL AND removed = 0"
        ).fetchall()


def test_unsorted_faces_have_a_place_in_people_and_are_named_in_bulk(qtbot, window: MainWindow):
    from album.ui.dialogs import SettingsDialog

    activate(qtbot, window)
    library = window.backend.library_path
    dialog = SettingsDialog(window.backend, window)
    dialog.min_group.setValue(9)  # groups of eight: every face is unsorted now
    dialog.accept()
    people = window.people
    qtbot.waitUntil(lambda: people.unsorted.isVisible(), timeout=30_000)
    total = len(unsorted_in(library))
    assert people.unsorted.text() == f"Unsorted — {total} faces ›"
    QTest.mouseClick(people.unsorted, Qt.MouseButton.LeftButton)
    page = window.unsorted
    assert window.people_stack.currentWidget() is page
    qtbot.waitUntil(lambda: len(page.faces.rows) == total, timeout=20_000)
    area = dict(unsorted_in(library))
    shown = [area[r[0]] for r in page.faces.rows]
    assert shown == sorted(shown, reverse=True), "not best (largest) first"
    # Three faces chosen by keys and named at once.
    press(Qt.Key.Key_Home)
    press(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    press(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    chosen = page.selected_faces()
    assert len(chosen) == 3
    answer_name_dialog("Somebody")
    press(Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: len(unsorted_in(library)) <= total - 3, timeout=30_000)
    # (naming may also match more of that person's faces: they leave Unsorted too)
    qtbot.waitUntil(lambda: len(page.faces.rows) == len(unsorted_in(library)), timeout=30_000)
    assert not set(chosen) & {r[0] for r in page.faces.rows}
    assert "Somebody" in names_in(library)
    # One more marked "not a face" with Delete, then both undone: once the matching after the
    # name is done (it may take more of the unsorted faces, and the one chosen must stay).
    qtbot.waitUntil(lambda: not window.backend.jobs.busy, timeout=30_000)
    qtbot.waitUntil(lambda: len(page.faces.rows) == len(unsorted_in(library)), timeout=30_000)
    activate(qtbot, window)  # (offscreen, nobody hands the window back after the dialog)
    press(Qt.Key.Key_End)
    press(Qt.Key.Key_Home)
    gone = page.selected_faces()[0]
    press(Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: gone not in {r[0] for r in page.faces.rows}, timeout=30_000)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: gone in {r[0] for r in page.faces.rows}, timeout=30_000)
    assert "Somebody" in names_in(library)


def names_in(library: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(library) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM people WHERE name IS NOT NULL")}


@pytest.mark.qt_log_ignore("This plugin does not support")  # the offscreen completer popup
def test_the_smaller_things_a_photographer_notices(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    from album.ui import main_window
    from album.ui.dialogs import AboutDialog, SettingsDialog
    from album.ui.main_window import start_folder
    from album.ui.person_page import ask_name

    # "Group faces again" says it started and what it found.
    said: list[str] = []
    window.backend.message.connect(said.append)
    regroup = next(
        a
        for m in window.menuBar().actions()
        for a in m.menu().actions()
        if a.text() == "Group faces &again"
    )
    regroup.trigger()
    qtbot.waitUntil(lambda: any(s.startswith("Faces grouped again") for s in said), timeout=30_000)
    assert said[0] == "Grouping faces again…"
    # "Add folder…" opens in Pictures or home, then beside the last folder added; never in
    # the directory album runs from.
    monkeypatch.chdir(tmp_path)
    assert start_folder() != str(tmp_path)
    asked: list[str] = []
    chosen = tmp_path / "Holidays"
    chosen.mkdir()

    def pick(parent: object, caption: str, folder: str = "", *args: object) -> str:
        asked.append(folder)
        return str(chosen)

    monkeypatch.setattr(main_window, "choose_folder", pick)
    monkeypatch.setattr(window, "add_paths", lambda paths: None)
    window.choose_folder()
    assert start_folder() == str(tmp_path)
    assert asked and asked[0] != ""

    # One Return on a name offered by the completer takes it.
    def choose() -> None:
        edit = QApplication.activeModalWidget().findChild(QLineEdit)
        QTest.keyClicks(edit, "Ser")
        popup = edit.completer().popup()
        qtbot.waitUntil(popup.isVisible, timeout=5_000)
        QTest.keyClick(popup, Qt.Key.Key_Down)
        QTest.keyClick(popup, Qt.Key.Key_Return)

    QTimer.singleShot(100, choose)
    assert ask_name(window, "Who?", "Name:", ["Serena Williams", "Colin Powell"]) == (
        "Serena Williams"
    )
    # Dialogs wide enough for what they say; settings explained in sight.
    about = AboutDialog(window.backend, window)
    qtbot.addWidget(about)
    assert about.minimumWidth() >= 480
    settings = SettingsDialog(window.backend, window)
    qtbot.addWidget(settings)
    texts = " ".join(label.text() for label in settings.findChildren(type(about.text)))
    assert "looks closer only where faces can hide" in texts and "stay unsorted" in texts
    # Photo tiles show the whole photo.
    assert window.photos.view.itemDelegate().whole
    assert window.person.photo_view.itemDelegate().whole


def test_window_size_and_place_are_remembered(qtbot, scanned_library: Path, tmp_path: Path):  # noqa: F811
    library = tmp_path / "library.db"
    shutil.copy(scanned_library, library)
    first = open_window(qtbot, library)
    first.resize(700, 520)  # inside the offscreen screen (800 x 600)
    qtbot.wait(100)
    size = (first.width(), first.height())
    assert size != (1180, 780)
    first.close()
    from album.ui.app import create_window

    again = create_window(library)  # as album starts it: no size asked for
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == size


def test_a_folder_is_removed_from_the_library_not_from_the_disk(
    qtbot,
    window: MainWindow,
    photo_folder: Path,  # noqa: F811
    say_yes,  # noqa: F811
):
    import sqlite3

    library = window.backend.library_path
    QTest.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    folders = window.folders
    qtbot.waitUntil(lambda: folders.folders.topLevelItemCount() == 1, timeout=20_000)
    assert not folders.remove.isEnabled()
    folders.folders.setCurrentItem(folders.folders.topLevelItem(0))
    QTest.mouseClick(folders.remove, Qt.MouseButton.LeftButton)
    assert say_yes and "photo files stay where they are" in say_yes[0]
    qtbot.waitUntil(lambda: folders.folders.topLevelItemCount() == 0, timeout=20_000)
    with sqlite3.connect(library) as conn:
        assert conn.execute("SELECT count(*) FROM photos").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM faces").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (0,)
    assert len(list(photo_folder.iterdir())) == 24
    assert "Removed" in window.statusBar().currentMessage()


@pytest.mark.qt_log_ignore("This plugin does not support")  # the offscreen popup
def test_the_sort_list_shows_its_current_choice(qtbot, window: MainWindow):
    sort = window.people.sort
    sort.showPopup()
    view = sort.view()
    qtbot.waitUntil(view.isVisible, timeout=5_000)
    qtbot.wait(200)
    image = view.viewport().grab().toImage()
    rect = view.visualRect(sort.model().index(sort.currentIndex(), 0))
    colours = {
        image.pixel(x, y)
        for x in range(rect.left(), rect.right(), 2)
        for y in range(rect.top(), rect.bottom(), 2)
    }
    sort.hidePopup()
    assert len(colours) > 3, "the current item of the sort list is drawn blank"
