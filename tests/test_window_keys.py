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
