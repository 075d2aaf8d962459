"""The window on a library of thousands of faces: regroup with progress and Cancel, names typed
while it plans, and a long People grid that loads only the tiles on screen.

The library is built through the scan writer from real dlib embeddings
(`benchmarks/library_builder.py`, 3,000 photos, about 4,500 faces in some 600 groups), so the
regroup really plans in its own process and the grid really is many screens long. No timing is
asserted here: how fast is `benchmarks/window_scale.py`'s business.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from album.people.update import update_people
from album.store.library import Library
from album.ui.app import application, create_window
from album.ui.main_window import MainWindow
from album.ui.thumbnails import WORKERS
from benchmarks.library_builder import build_library, faces_root
from tests.conftest import open_window

PHOTOS = 3000
WAIT = 120_000


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    faces = faces_root()
    if faces is None:
        pytest.skip("needs ../shared/faces/lfw-embeddings.npz (or $ALBUM_FACES)")
    root = tmp_path_factory.mktemp("big-window")
    library = root / "library.db"
    build_library(library, root / "photos", PHOTOS, faces, noise=0.02)
    with Library.open(library) as lib:
        update_people(lib)
        lib.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return library


@pytest.fixture
def window(qtbot, big_template: Path, tmp_path: Path) -> MainWindow:
    library = tmp_path / "library.db"
    shutil.copy(big_template, library)
    window = open_window(qtbot, library)
    qtbot.waitUntil(lambda: len(window.people.model.rows) > 100, timeout=WAIT)
    return window


def snapshot(library: Path) -> tuple[list[tuple], list[tuple]]:
    """Everything a regroup may change: who each face is, how sure, and the people."""
    conn = sqlite3.connect(library)
    try:
        faces = conn.execute(
            "SELECT id, person_id, label_source, confidence FROM faces ORDER BY id"
        ).fetchall()
        people = conn.execute("SELECT * FROM people ORDER BY id").fetchall()
        return faces, people
    finally:
        conn.close()


def group_faces_again(window: MainWindow) -> None:
    next(
        a
        for m in window.menuBar().actions()
        for a in m.menu().actions()
        if a.text() == "Group faces &again"
    ).trigger()


def settle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: not window.backend.jobs.busy and not window.backend.regrouping, timeout=WAIT
    )


def test_regroup_cancelled_from_the_window_changes_nothing(qtbot, window: MainWindow):
    settle(qtbot, window)
    library = window.backend.library_path
    before = snapshot(library)
    bar = window.regroup_bar
    seen: list[str] = []
    accepted: list[bool] = []

    def on_progress(stage: str, faces: int) -> None:
        seen.append(stage)
        # The moment the regroup's process has read the library and starts matching (its
        # snapshot taken, its plan not yet made), the user presses Cancel.
        if stage == "matching" and not accepted:
            assert bar.isVisible() and bar.cancel.isEnabled()
            assert "matching" in bar.label.text()
            accepted.append(window.backend.regrouping)
            QTest.mouseClick(bar.cancel, Qt.MouseButton.LeftButton)
            accepted.append(not bar.cancel.isEnabled())

    said: list[str] = []
    window.backend.message.connect(said.append)
    window.backend.regroup_progress.connect(on_progress)
    group_faces_again(window)
    qtbot.waitUntil(lambda: any("cancelled" in s for s in said), timeout=WAIT)
    settle(qtbot, window)
    assert accepted == [True, True], "Cancel was not offered while the regroup planned"
    assert "grouping" not in seen and "writing" not in seen
    assert not bar.isVisible()
    assert snapshot(library) == before
    # Cancelled is not broken: the next regroup runs to the end and shows its progress.
    seen.clear()
    said.clear()
    group_faces_again(window)
    qtbot.waitUntil(lambda: any(s.startswith("Faces grouped again") for s in said), timeout=WAIT)
    assert seen[:2] == ["starting", "reading"] and "grouping" in seen and "writing" in seen


def test_a_name_typed_during_a_regroup_survives_it(qtbot, window: MainWindow):
    settle(qtbot, window)
    people = window.people
    row = next(i for i, p in enumerate(people.model.rows) if p.name is None)
    person = people.model.rows[row].id
    named: list[str] = []

    def on_progress(stage: str, faces: int) -> None:
        if stage != "matching" or named:
            return
        # The regroup's process planned from the library as it was; the user names a group.
        index = people.model.index(row)
        people.view.setFocus()
        people.view.setCurrentIndex(index)
        people.view.edit(index)
        editor = QApplication.focusWidget()
        assert isinstance(editor, QLineEdit)
        QTest.keyClicks(editor, "Typed While Grouping")
        QTest.keyClick(editor, Qt.Key.Key_Return)
        named.append(stage)

    said: list[str] = []
    window.backend.message.connect(said.append)
    window.backend.regroup_progress.connect(on_progress)
    group_faces_again(window)
    qtbot.waitUntil(lambda: any(s.startswith("Faces grouped again") for s in said), timeout=WAIT)
    settle(qtbot, window)
    assert named == ["matching"]
    conn = sqlite3.connect(window.backend.library_path)
    try:
        found = conn.execute(
            "SELECT p.id, count(f.id) FROM people p JOIN faces f ON f.person_id = p.id "
            "WHERE p.name = ? GROUP BY p.id",
            ("Typed While Grouping",),
        ).fetchall()
    finally:
        conn.close()
    assert len(found) == 1 and found[0][0] == person and found[0][1] > 0
    qtbot.waitUntil(
        lambda: (
            people.model.index_of(person).isValid()
            and people.model.data(people.model.index_of(person)) == "Typed While Grouping"
        ),
        timeout=WAIT,
    )


def test_scrolling_a_big_grid_loads_only_the_tiles_on_screen(qtbot, window: MainWindow):
    settle(qtbot, window)
    thumbnails, view, model = window.thumbnails, window.people.view, window.people.model
    on_screen = window.people.on_screen
    qtbot.waitUntil(lambda: thumbnails.queued() == 0, timeout=WAIT)
    thumbnails.wait()
    decoded: list[int] = []
    original = thumbnails._decode
    # A slow disk: the workers decode nothing until the scroll stops, so the requests of every
    # screen scrolled past are still waiting when the next screen comes (on this machine's
    # fast crops the workers would otherwise keep up, and nothing would be left to drop).
    gate = threading.Event()

    def counting(key: tuple[str, int], path: str | None) -> object:
        gate.wait(60)
        decoded.append(key[1])
        return original(key, path)

    thumbnails._decode = counting  # type: ignore[method-assign]
    bar = view.verticalScrollBar()
    # The grid lays its tiles out in batches between events: the scroll bar is only its full
    # length once the last tile has a place.
    end = model.index(len(model.rows) - 1)
    qtbot.waitUntil(lambda: view.visualRect(end).isValid(), timeout=WAIT)
    assert bar.maximum() > 10 * view.viewport().height(), "the grid is not many screens long"
    seen: set[int] = set(on_screen.on_screen())
    while bar.value() < bar.maximum():
        bar.setValue(min(bar.maximum(), bar.value() + view.viewport().height()))
        QApplication.processEvents()  # one paint per screen, as a fast scroll gives
        seen |= on_screen.on_screen()
    last = on_screen.on_screen()
    gate.set()
    assert model.rows[-1].cover_face_id in last, "the grid did not reach its end"
    qtbot.waitUntil(lambda: all(thumbnails.cached("face", f) for f in last), timeout=WAIT)
    thumbnails.wait()
    assert thumbnails.queued() == 0
    assert thumbnails.dropped > 0, f"{len(decoded)} loaded, {len(seen)} seen, none dropped"
    never_shown = set(decoded) - seen
    assert never_shown == set(), f"{len(never_shown)} crops loaded for tiles never on screen"
    # The last screen, and at most the one crop each worker had started when the scroll began.
    assert len(decoded) <= len(last) + WORKERS, (
        f"{len(decoded)} loaded, {len(last)} on the last screen: tiles scrolled past were loaded"
    )


def test_two_names_typed_one_after_another_with_the_keyboard_both_stick(qtbot, window: MainWindow):
    """After a name, the grid holds its order while the user is on it; the next F2 moved the
    keyboard to the editor, the held order was applied, the editor closed, and the rest of
    the name went into the filter box."""
    settle(qtbot, window)
    people = window.people
    for name in ("Ada", "Bob"):
        settle(qtbot, window)
        qtbot.waitUntil(lambda: not people._loading and not window._reload_timer.isActive())
        row = next(i for i, p in enumerate(people.model.rows) if p.name is None)
        person = people.model.rows[row].id
        people.view.setFocus()
        people.view.setCurrentIndex(people.model.index(row))
        QTest.keyClick(people.view, Qt.Key.Key_F2)
        editor = QApplication.focusWidget()
        assert isinstance(editor, QLineEdit) and editor is not people.filter
        QTest.keyClicks(editor, name)
        QTest.keyClick(editor, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda p=person, n=name: people.model.data(people.model.index_of(p)) == n,
            timeout=WAIT,
        )
        assert people.filter.text() == ""
    settle(qtbot, window)
    conn = sqlite3.connect(window.backend.library_path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM people WHERE name IS NOT NULL")}
    finally:
        conn.close()
    assert names == {"Ada", "Bob"}


def test_the_days_backup_waits_for_the_people_tiles(qtbot, big_template: Path, tmp_path: Path):
    from album.store import backup
    from album.ui.app import back_up_after_first_look

    library = tmp_path / "library.db"
    shutil.copy(big_template, library)  # no backup yet: one is due
    application()
    window = create_window(library)
    qtbot.addWidget(window)
    backups_when_shown: list[int] = []
    window.people.loaded.connect(lambda: backups_when_shown.append(len(backup.backups(library))))
    window.show()
    back_up_after_first_look(window)
    qtbot.waitUntil(lambda: bool(backup.backups(library)), timeout=WAIT)
    assert backups_when_shown and backups_when_shown[0] == 0
    assert len(window.people.model.rows) > 100


def test_a_grid_refresh_keeps_the_tiles_and_repaints_only_what_changed(qtbot, window: MainWindow):
    """A refresh that brings the same people must not reset the grid (a reset lays out every
    tile again and drops the scroll position); one that renames a person repaints that tile."""
    settle(qtbot, window)
    people, model = window.people, window.people.model
    resets: list[bool] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(True))
    picture = [Qt.ItemDataRole.DecorationRole]

    def repainted(first: object, last: object, roles: list[object]) -> None:
        if list(roles) != picture:  # a face arriving repaints its tile; that is not a refresh
            changed.append((first.row(), last.row()))  # type: ignore[attr-defined]

    model.dataChanged.connect(repainted)
    qtbot.waitUntil(lambda: window.thumbnails.queued() == 0, timeout=WAIT)
    people.reload()
    qtbot.waitUntil(lambda: not people._loading, timeout=WAIT)
    assert resets == [] and changed == [], "a refresh with nothing new redrew the grid"

    # Another process names one person (no matching follows a bare write): the next refresh
    # brings the same people with one name changed.
    # (one whose place in the grid a name cannot change: no one else has its number of faces)
    faces = [p.faces for p in model.rows]
    row = next(i for i in range(1, len(faces) - 1) if faces.count(faces[i]) == 1)
    person = model.rows[row].id
    conn = sqlite3.connect(window.backend.library_path)
    with conn:
        conn.execute("UPDATE people SET name = 'Zed' WHERE id = ?", (person,))
    conn.close()
    people.reload()
    qtbot.waitUntil(lambda: model.data(model.index_of(person)) == "Zed", timeout=WAIT)
    assert resets == [], "one new name reset the whole grid"
    assert changed == [(row, row)], "one new name repainted more than its tile"


def test_wherever_a_scroll_stops_the_tiles_on_screen_get_their_pictures(qtbot, window: MainWindow):
    """At every offset of one tile's height, even where the viewport's corner and centre fall
    between two tiles, the tiles on screen get their faces: such a stop once looked like an
    empty screen, and every waiting request, the screen's own too, was dropped."""
    settle(qtbot, window)
    thumbnails, view, model = window.thumbnails, window.people.view, window.people.model
    end = model.index(len(model.rows) - 1)
    qtbot.waitUntil(lambda: view.visualRect(end).isValid(), timeout=WAIT)
    bar = view.verticalScrollBar()
    pitch = view.visualRect(model.index(0)).height() + 2 * view.spacing() + 2
    middle = bar.maximum() // 2
    for offset in range(0, pitch, 3):
        bar.setValue(middle + offset)
        QApplication.processEvents()
        rect = view.viewport().rect()
        shown = [
            row.cover_face_id
            for n, row in enumerate(model.rows)
            if row.cover_face_id is not None and view.visualRect(model.index(n)).intersects(rect)
        ]
        assert shown, "no tile on screen"
        qtbot.waitUntil(
            lambda shown=shown: all(thumbnails.cached("face", f) for f in shown), timeout=WAIT
        )
