"""Issue 21, the timeline: the Photos page shows photos by day, newest first, under month and
day headings that say where and who; a date, the strip of years and the keys go anywhere."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from album.ui.viewer import PhotoViewer
from tests.conftest import album, open_window, run_on_x

WAIT = 60_000


def test_photos_come_by_day_newest_first_with_where_and_who(qtbot, dated_library: Path):
    window = open_window(qtbot, dated_library)
    window.show_page("Photos")
    page, view = window.photos, window.photos.view
    qtbot.waitUntil(lambda: len(page.model.rows) == 8 and bool(view.notes), timeout=WAIT)
    names = [Path(p.path).name for p in page.model.rows]
    assert names == [
        "kyoto-2.jpg", "kyoto-1.jpg", "kyoto-0.jpg", "june.jpg",
        "christmas-1.jpg", "christmas-0.jpg", "scanned-print.jpg", "unknown.jpg",
    ]  # fmt: skip
    headings = [view.heading_text(i) for i in range(len(view.days))]
    assert headings[0].startswith("Sunday 14 July 2019 · Kyoto, Japan")
    assert "Colin Powell" in headings[0]
    assert headings[1].startswith("Sunday 2 June 2019")  # no place: no GPS in that one
    assert "Kyoto" not in headings[1]
    assert headings[2] == "Tuesday 25 December 2018 · Lisbon, Portugal"
    assert headings[3] == "Wednesday 1 March 2017 · date guessed from the file"
    assert headings[4] == "No date"
    assert [year for _, year in view.year_marks()] == ["2019", "2018", "2017"]
    # The newest photo is the first tile, at the top left, under its month and day.
    first = view.visualRect(page.model.index(0))
    assert 0 < first.top() < 100 and first.left() < 20
    assert view.month_at(0) == "July 2019"
    # The photos of one day share a line; the next day starts a line of its own.
    tops = [view.visualRect(page.model.index(r)).top() for r in range(5)]
    assert tops[0] == tops[1] == tops[2] < tops[3] < tops[4]


def test_a_date_the_strip_and_the_keys_go_anywhere(qtbot, dated_library: Path):
    window = open_window(qtbot, dated_library)
    window.resize(1200, 420)  # shorter than the timeline: it scrolls
    window.show_page("Photos")
    page, view = window.photos, window.photos.view
    qtbot.waitUntil(lambda: len(page.model.rows) == 8, timeout=WAIT)
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    row_of = {Path(p.path).name: r for r, p in enumerate(page.model.rows)}

    # "Go to" a date: the closest day with photos shows at the top, its first photo current.
    page.date.setDate(QDate(2018, 12, 20))
    qtbot.waitUntil(lambda: view.currentIndex().row() == row_of["christmas-1.jpg"], timeout=5_000)
    shown = view.visualRect(view.currentIndex())
    assert 0 < shown.top() < 120, shown
    assert view.indexAt(shown.center()).row() == row_of["christmas-1.jpg"]
    # Ctrl+G puts the keyboard in the date; typing a date goes there.
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.date
    page.go_to(dt.date(2019, 7, 1))  # between two days: the closer one (2 June is 29 days off)
    assert view.currentIndex().row() == row_of["kyoto-2.jpg"]

    # The strip: its bottom is the oldest photos, its top the newest.
    strip = page.scrubber
    QTest.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(10, strip.height() - 1))
    assert bar.value() == bar.maximum()
    QTest.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(10, 0))
    assert bar.value() == 0

    # Keys: Down from a day's line goes to the next day's, Right runs on across days.
    view.setFocus()
    view.setCurrentIndex(page.model.index(row_of["kyoto-1.jpg"]))
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == row_of["june.jpg"]
    QTest.keyClick(view, Qt.Key.Key_Up)  # the column it is in now: june's first
    assert view.currentIndex().row() == row_of["kyoto-2.jpg"]
    QTest.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == row_of["unknown.jpg"]
    assert view.visualRect(view.currentIndex()).bottom() <= view.viewport().height()
    QTest.keyClick(view, Qt.Key.Key_Home)
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    selected = sorted(i.row() for i in view.selectionModel().selectedIndexes())
    assert selected == [0, 1, 2, 3]
    QTest.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(view.selectionModel().selectedIndexes()) == 8
    # A click picks one photo, Enter opens it, in timeline order.
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(page.model.index(1)).center(),
    )
    assert [i.row() for i in view.selectionModel().selectedIndexes()] == [1]
    QTest.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.findChildren(PhotoViewer)), timeout=5_000)
    viewer = window.findChildren(PhotoViewer)[0]
    assert viewer.position == 1
    assert viewer.photo_ids == [p.id for p in page.model.rows]
    viewer.close()


def test_the_timeline_with_real_keys_and_clicks_on_a_real_x_server(x_desktop, dated_library):
    out = run_on_x("tests.x11_timeline", dated_library, env=x_desktop, timeout=300)
    shown = json.loads(out.strip().splitlines()[-1])
    assert shown["typed_date"] == "2018-12-25"
    assert shown["went_to"] == "christmas-1.jpg" and 0 < shown["day_top"] < 120, shown
    value, maximum = shown["strip_bottom"]
    assert maximum > 0 and value == maximum, shown
    assert shown["strip_top"] == 0
    assert shown["clicked"] == "kyoto-1.jpg"
    assert shown["down"] == "june.jpg"
    assert shown["opened"] == "kyoto-2.jpg"  # Up went to the column june stood in


def test_places_lists_the_cities_and_opens_their_photos_by_day(qtbot, dated_library: Path):
    listed = json.loads(album("places", "--json", "--library", dated_library).stdout)
    assert [(p["name"], p["photos"]) for p in listed] == [
        ("Kyoto, Japan", 3),
        ("Lisbon, Portugal", 1),
    ]
    assert "Kyoto, Japan" in album("places", "--library", dated_library).stdout

    window = open_window(qtbot, dated_library)
    qtbot.waitUntil(lambda: window.current_page() == "People", timeout=WAIT)
    QTest.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "Places"
    page = window.places
    qtbot.waitUntil(lambda: len(page.model.rows) == 4, timeout=WAIT)
    shown = [page.model.data(page.model.index(r)) for r in range(4)]
    assert shown == [
        "Japan · 1 place · 3 photos",
        "Kyoto",
        "Portugal · 1 place · 1 photo",
        "Lisbon",
    ]
    assert "2 places, 2 countries" in page.summary.text()
    # The keyboard is on the grid: Down to Kyoto (past its heading), Return opens it.
    assert QApplication.focusWidget() is page.view
    page.view.setCurrentIndex(page.model.index(1))
    QTest.keyClick(page.view, Qt.Key.Key_Return)
    photos = window.photos
    qtbot.waitUntil(lambda: window.current_page() == "Photos", timeout=5_000)
    qtbot.waitUntil(lambda: len(photos.model.rows) == 3, timeout=WAIT)
    assert {Path(p.path).name for p in photos.model.rows} == {f"kyoto-{i}.jpg" for i in range(3)}
    assert photos.place_chip.isVisible() and "Kyoto, Japan" in photos.place_chip.text()
    qtbot.waitUntil(lambda: photos.summary.text() == "3 photos in Kyoto, Japan", timeout=WAIT)
    QTest.mouseClick(photos.place_chip, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(photos.model.rows) == 8, timeout=WAIT)
    assert not photos.place_chip.isVisible()


def test_one_search_finds_people_places_and_dates(qtbot, dated_library: Path):
    def found(text: str) -> list[str]:
        out = album("photos", "--search", text, "--library", dated_library).stdout
        return [Path(line).name for line in out.splitlines() if line.startswith("/")]

    kyoto = ["kyoto-2.jpg", "kyoto-1.jpg", "kyoto-0.jpg"]
    assert found("Colin Powell Kyoto 2019") == kyoto
    assert found("kyo") == kyoto  # the start of a word, as it is typed
    assert found("Colin Kyoto") == kyoto  # a first name only one person has
    assert found("Lisbon") == ["christmas-0.jpg"]
    assert found("December") == ["christmas-1.jpg", "christmas-0.jpg"]
    assert found("summer 2019") == [*kyoto, "june.jpg"]
    assert found("Colin Powell and December") == []
    assert len(found("Pictures")) == 8  # the folder's name
    assert found("Atlantis") == []
    rows = json.loads(
        album("photos", "--search", "Japan", "--json", "--library", dated_library).stdout
    )
    assert [Path(r["path"]).name for r in rows] == kyoto
    assert rows[0]["moment"] == "2019-07-14T12:05:30" and rows[0]["guessed"] is False

    window = open_window(qtbot, dated_library)
    window.show_page("Photos")
    page = window.photos
    # The first screen comes before the whole reading, and the names offered with the latter.
    qtbot.waitUntil(lambda: bool(page.completer.model().stringList()), timeout=WAIT)
    assert len(page.model.rows) == 8
    offered = page.completer.model().stringList()
    assert {"Colin Powell", "Kyoto", "Japan", "Lisbon", "July"} <= set(offered)
    page.who.setFocus()
    QTest.keyClicks(page.who, "Kyoto 2019")
    qtbot.waitUntil(lambda: len(page.model.rows) == 3, timeout=WAIT)
    assert page.summary.text() == "3 photos · 2019 · “kyoto”"
    page.who.clear()
    QTest.keyClicks(page.who, "Atlantis")
    qtbot.waitUntil(lambda: page.summary.text() == "Nothing matches “Atlantis”", timeout=WAIT)
    assert page.model.rows == []
