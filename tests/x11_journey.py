"""A photographer's first hour, on a real X server: run by test_window_x11.py in its own process
(the test session's Qt is offscreen) with QT_QPA_PLATFORM=xcb and DISPLAY set.

    python -m tests.x11_journey LIBRARY FOLDER

Every key and click here is a real X event sent by xdotool to the window, through the X server,
as a user's keyboard and mouse would send it. Exits 0 when the journey went through; an
AssertionError (and its traceback) otherwise.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from album.ui.app import application, create_window
from album.ui.main_window import PAGES, MainWindow
from album.ui.viewer import PhotoViewer


def pump(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def wait(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        pump(0.05)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=30)


def keys(*names: str) -> None:
    """Key presses as the X server delivers them to the focused window."""
    for name in names:
        xdotool("key", "--delay", "60", name)
        pump(0.25)


def type_text(text: str) -> None:
    xdotool("type", "--delay", "40", text)
    pump(0.2)


def focus(widget: QWidget) -> None:
    """What a click on the title bar does: the X server gives the window the keyboard."""
    window = widget.window()
    xdotool("windowfocus", "--sync", str(int(window.winId())))
    wait(window.isActiveWindow, f"{window.windowTitle()} active")


def click(widget: QWidget) -> None:
    centre = widget.mapToGlobal(QPoint(widget.width() // 2, widget.height() // 2))
    xdotool("mousemove", "--sync", str(centre.x()), str(centre.y()))
    pump(0.2)
    xdotool("click", "1")
    pump(0.4)


def click_at(widget: QWidget, point: QPoint, button: str = "1") -> None:
    """A click (button 1, or 3 for the context menu) at a point of the widget."""
    where = widget.mapToGlobal(point)
    xdotool("mousemove", "--sync", str(where.x()), str(where.y()))
    pump(0.2)
    xdotool("click", button)
    pump(0.4)


def sql(library: Path, query: str) -> list[tuple]:
    with sqlite3.connect(library) as conn:
        return conn.execute(query).fetchall()


def named(library: Path, name: str) -> bool:
    with sqlite3.connect(library) as conn:
        return bool(conn.execute("SELECT 1 FROM people WHERE name = ?", (name,)).fetchone())


def viewer_open() -> PhotoViewer | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, PhotoViewer) and w.isVisible()),
        None,
    )


def journey(window: MainWindow, library: Path, folder: Path) -> None:
    backend = window.backend
    focus(window)
    # Open, add a folder, let the scan run.
    finished: list[object] = []
    backend.scan_finished.connect(finished.append)
    window.add_paths([str(folder)])
    wait(lambda: bool(finished), "the scan to finish", timeout=300)
    wait(lambda: len(window.people.model.rows) >= 3, "people in the grid")
    # Every page by menu, then by Ctrl+1-4.
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    for action in view_menu.actions():
        action.trigger()
        pump(0.2)
        assert window.current_page() == action.text(), action.text()
    for number, name in enumerate(PAGES, start=1):
        keys(f"ctrl+{number}")
        assert window.current_page() == name, (name, window.current_page())
    # Name by keyboard: Ctrl+2, the first person, F2, a name, Return.
    keys("ctrl+2", "Home", "F2")
    wait(lambda: window.people.view.state() == window.people.view.State.EditingState, "editor")
    type_text("Ada Lovelace")
    keys("Return")
    wait(lambda: named(library, "Ada Lovelace"), "the name given")
    # Merge the two other people with a click on Merge, then Space: nothing may be hidden.
    wait(lambda: any(p.name == "Ada Lovelace" for p in window.people.model.rows), "named tile")
    people = window.people
    unnamed = [i for i, p in enumerate(people.model.rows) if p.name is None][:2]
    assert len(unnamed) == 2, people.model.rows
    before = len(people.model.rows)
    selection = people.view.selectionModel()
    people.view.clearSelection()
    for row in unnamed:
        selection.select(people.model.index(row), selection.SelectionFlag.Select)
    click(people.merge_button)
    wait(lambda: len(people.model.rows) == before - 1, "the merge")
    keys("space", "space")
    pump(1.0)
    assert sql(library, "SELECT count(*) FROM people WHERE hidden")[0][0] == 0, "Space hid someone"
    # Unsorted faces named in bulk: with groups of 99 every face is unsorted.
    backend.save_min_group_size(99)
    keys("ctrl+2")
    wait(lambda: people.unsorted.isVisible(), "the Unsorted place in People")
    click(people.unsorted)
    page = window.unsorted
    wait(lambda: len(page.faces.rows) >= 3, "unsorted faces")
    # Three faces of one person (the file names say who), chosen by click and Ctrl+click.
    paths = dict(
        sql(library, "SELECT f.id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id")
    )
    who = [Path(paths[r[0]]).name.split("__")[0] for r in page.faces.rows]
    person = max(set(who), key=who.count)
    rows = [i for i, w in enumerate(who) if w == person][:3]
    assert len(rows) == 3, who
    for number, row in enumerate(rows):
        rect = page.view.visualRect(page.faces.index(row))
        page.view.scrollTo(page.faces.index(row))
        point = page.view.viewport().mapToGlobal(rect.center())
        xdotool("mousemove", "--sync", str(point.x()), str(point.y()))
        if number:
            xdotool("keydown", "ctrl", "click", "1", "keyup", "ctrl")
        else:
            xdotool("click", "1")
        pump(0.3)
    chosen = page.selected_faces()
    assert sorted(chosen) == sorted(page.faces.rows[r][0] for r in rows), chosen
    QTimer.singleShot(800, lambda: (type_text("Grace Hopper"), xdotool("key", "Return")))
    keys("F2")
    wait(lambda: named(library, "Grace Hopper"), "the bulk name")
    grace = sql(
        library,
        "SELECT f.id FROM faces f JOIN people p ON p.id = f.person_id "
        "WHERE p.name = 'Grace Hopper' AND f.label_source = 'user'",
    )
    assert {r[0] for r in grace} == set(chosen), (grace, chosen)
    # Review, answered by keys only: the other faces of those three are asked about now.
    focus(window)  # (no window manager here to hand the keyboard back after the dialog)
    keys("ctrl+3")
    assert window.current_page() == "Review"
    review = window.review.faces
    wait(lambda: review.current is not None, "a question in Review")
    answered = 0
    for key in ("y", "n", "s", "y"):
        if review.current is None:
            break
        current = review.current.face_id
        keys(key)
        if key != "s":
            wait(lambda c=current: review.current is None or review.current.face_id != c, key)
            answered += 1
    assert answered >= 1
    # The viewer, browsed by arrows.
    keys("ctrl+1")
    wait(lambda: len(window.photos.model.rows) >= 4, "photos")
    keys("Home", "Return")
    wait(lambda: viewer_open() is not None, "the viewer")
    viewer = viewer_open()
    assert viewer is not None
    focus(viewer)
    keys("Right", "Right", "Left")
    assert viewer.position == 1, viewer.position
    keys("End")
    assert viewer.position == len(viewer.photo_ids) - 1
    keys("Escape")
    wait(lambda: viewer_open() is None, "the viewer closed")
    backend.save_min_group_size(2)
    # Undo everything, with Ctrl+Z.
    focus(window)
    for _ in range(30):
        if not window.undo_action.isEnabled():
            break
        keys("ctrl+z")
        pump(0.8)
    wait(lambda: not window.undo_action.isEnabled(), "everything undone", timeout=60)
    assert sql(library, "SELECT count(*) FROM people WHERE name IS NOT NULL")[0][0] == 0
    assert sql(library, "SELECT count(*) FROM faces WHERE label_source = 'user'")[0][0] == 0


def open_x_window(library: Path) -> MainWindow:
    """The album window on the X server the environment names, shown and settled."""
    assert os.environ.get("QT_QPA_PLATFORM") == "xcb"
    app = application()
    assert app.platformName() == "xcb", app.platformName()
    window = create_window(library)
    window.resize(1200, 800)
    window.show()
    wait(window.isVisible, "the window")
    pump(0.5)
    return window


def run_walk(walk: Callable[[MainWindow, Path], dict[str, object]]) -> int:
    """``python -m tests.SCRIPT LIBRARY``: the window on LIBRARY, walked by ``walk``, which
    returns what each step showed; printed as one line of JSON for the test to check."""
    library = Path(sys.argv[1])
    window = open_x_window(library)
    try:
        shown = walk(window, library)
    finally:
        window.close()
        pump(0.5)
    print(json.dumps(shown))
    return 0


def run_journey(walk: Callable[[MainWindow, Path, Path], None]) -> int:
    """``python -m tests.SCRIPT LIBRARY FOLDER``: the window on LIBRARY, walked by ``walk``;
    prints "journey done" when it went through."""
    library, folder = Path(sys.argv[1]), Path(sys.argv[2])
    window = open_x_window(library)
    try:
        walk(window, library, folder)
    finally:
        window.close()
        pump(0.5)
    print("journey done")
    return 0


if __name__ == "__main__":
    sys.exit(run_journey(journey))
