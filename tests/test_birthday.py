"""A person's birthday (issue 19): set, cleared and undone from the command line and the
window, kept through rescans and regroups, and the age it gives each photo.

The photos are real: child 1 of the FG-NET set at 2, 5, 8 and 10 (file names like 001A05:
child 1 at 5; each carries an EXIF date), plus LFW portraits, which have no date.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from album.people.ages import (
    Age,
    BirthdayError,
    age_at,
    age_in_photo,
    by_year,
    long_date,
    parse_birthday,
    photo_caption,
    photo_date,
    year_heading,
    years_old,
)
from tests.conftest import album, copy_photos, export, library_copy, run_on_x

CHILD = "fgnet_001"
FILE_AGE = re.compile(r"\d{3}A(\d{2})")


# -- the age in a photo ------------------------------------------------------------------------


def test_ages_read_in_months_under_two_and_in_years_after():
    born = date(2015, 3, 12)
    assert str(age_at(born, date(2015, 3, 12))) == "newborn"
    assert str(age_at(born, date(2015, 4, 12))) == "1 month"
    assert str(age_at(born, date(2015, 11, 20))) == "8 months"
    assert str(age_at(born, date(2017, 3, 11))) == "23 months"
    assert str(age_at(born, date(2017, 3, 12))) == "2 years"
    assert str(age_at(born, date(2020, 3, 11))) == "4 years"
    assert age_at(born, date(2020, 3, 12)) == Age(5, 60)
    # Born on 29 February: the year is complete on 1 March.
    assert age_at(date(2016, 2, 29), date(2019, 2, 28)) == Age(2, 35)
    assert age_at(date(2016, 2, 29), date(2019, 3, 1)) == Age(3, 36)


def test_a_photo_before_the_birthday_or_without_a_date_has_no_age():
    born = "2015-03-12"
    assert age_in_photo(born, "2015-03-11T23:59:59") is None
    assert photo_caption(born, "2014-08-01T10:00:00") == "2014"  # the year, no age
    assert age_in_photo(born, None) is None
    assert photo_caption(born, None) == "no date"
    assert age_in_photo(born, "0000:00:00 00:00:00") is None  # a camera whose clock was unset
    assert age_in_photo(None, "2016-01-01T00:00:00") is None
    # A time and an offset do not move the photo to another day.
    assert str(age_in_photo(born, "2015-11-20T23:30:00+05:00")) == "8 months"
    assert str(age_in_photo(born, "2015-11-20")) == "8 months"
    assert photo_caption(born, "2020-06-01T09:00:00Z") == "2020 · 5 years"
    assert photo_date("2020-06-01T09:00:00-07:00") == date(2020, 6, 1)


def test_a_year_heading_says_the_ages_of_that_year_and_counts_its_photos():
    born = date(2010, 3, 12)
    # A year holds a birthday: its photos show two ages, and the heading says both.
    assert year_heading(born, 2015, ["2015-01-02", "2015-06-01T10:00:00"]) == (
        "2015 · 4–5 years old · 2 photos"
    )
    assert year_heading(born, 2015, ["2015-06-01"]) == "2015 · 5 years old · 1 photo"
    assert year_heading(born, 2010, ["2010-03-12"]) == "2010 · newborn · 1 photo"
    assert (
        year_heading(born, 2010, ["2010-03-12", "2010-11-20"]) == "2010 · 0–8 months old · 2 photos"
    )
    assert year_heading(born, 2012, ["2012-01-02", "2012-12-01"]) == (
        "2012 · 21 months–2 years old · 2 photos"
    )
    # Taken before the birthday (a wrong date, or a wrong birthday): the year and the count.
    assert year_heading(born, 2009, ["2009-05-01"]) == "2009 · 1 photo"
    assert year_heading(born, None, [None, None, None]) == "No date · 3 photos"
    assert years_old([]) is None
    assert years_old([Age(5, 60), Age(5, 61)]) == "5 years old"


def test_photos_group_by_year_with_the_undated_last():
    taken = ["2015-06-01", None, "0000:00:00 00:00:00", "2012-01-01T10:00:00", "2015-01-02"]
    assert by_year(taken, lambda t: t) == [
        (2012, ["2012-01-01T10:00:00"]),
        (2015, ["2015-06-01", "2015-01-02"]),  # in the order given within a year
        (None, [None, "0000:00:00 00:00:00"]),  # a camera's unset clock is no date
    ]
    assert by_year([], lambda t: t) == []


def test_birthdays_are_real_past_days_written_year_first():
    assert parse_birthday("2015-03-12") == date(2015, 3, 12)
    assert long_date("2015-03-12") == "12 March 2015"
    for text, why in (
        ("2019-02-30", "not a day of the calendar"),
        ("12/03/2015", "YYYY-MM-DD"),
        ("20150312", "YYYY-MM-DD"),
        ((date.today() + timedelta(days=1)).isoformat(), "in the future"),
        ("1066-10-14", "too long ago"),
    ):
        with pytest.raises(BirthdayError, match=why):
            parse_birthday(text)


# -- a scanned library -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def child_library(tmp_path_factory: pytest.TempPathFactory, faces: Path) -> tuple[Path, Path]:
    """Child 1's four dated photos and one undated portrait, all named 'Kim' (the way a user
    would: `album move`), and two portraits of Colin Powell left as an unnamed group."""
    root = tmp_path_factory.mktemp("birthday")
    folder = root / "Pictures"
    copy_photos(sorted((faces / "children" / CHILD).iterdir()), folder)
    lfw = faces / "lfw-62x10"
    copy_photos(sorted((lfw / "Serena_Williams").iterdir())[:1], folder)
    copy_photos(sorted((lfw / "Colin_Powell").iterdir())[:2], folder)
    library = root / "template.db"
    album("scan", folder, "--library", library, "--workers", "2")
    kim = [
        largest_face(p)
        for p in export(library)["photos"]
        if CHILD in p["path"] or "Serena" in p["path"]
    ]
    album("move", *kim, "--to", "Kim", "--library", library)
    return folder, library


@pytest.fixture
def lib(child_library: tuple[Path, Path], tmp_path: Path) -> Path:
    return library_copy(child_library[1], tmp_path)


def largest_face(photo: dict) -> int:
    top, right, bottom, left = max(
        (f["box"] for f in photo["faces"]), key=lambda b: (b[2] - b[0]) * (b[1] - b[3])
    )
    return next(f["id"] for f in photo["faces"] if f["box"] == [top, right, bottom, left])


def person(library: Path, name: str) -> dict:
    return next(p for p in export(library)["people"] if p["name"] == name)


def consistent_birthday(library: Path) -> date:
    """A birthday every child photo agrees with: a photo of age A on day D was taken by a
    child born after D less A+1 years and on or before D less A years."""
    earliest, latest = date.min, date.max
    for photo in export(library)["photos"]:
        found = FILE_AGE.search(Path(photo["path"]).name)
        if found is None:
            continue
        age, taken = int(found[1]), photo_date(photo["taken_at"])
        assert taken is not None, "every FG-NET photo has an EXIF date"
        earliest = max(earliest, _years_before(taken, age + 1) + timedelta(days=1))
        latest = min(latest, _years_before(taken, age))
    assert earliest <= latest, "the files' dates and ages agree on a birthday"
    return earliest + (latest - earliest) / 2


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# -- the command line --------------------------------------------------------------------------


def test_album_birthday_sets_shows_exports_clears_and_undoes(lib: Path):
    said = album("birthday", "Kim", "2015-03-12", "--library", lib).stdout
    assert "Birthday of 'Kim': 12 March 2015" in said
    listed = album("people", "--library", lib).stdout.splitlines()
    assert listed[0].split() == ["id", "name", "photos", "faces", "to", "review"]
    (kim_line,) = [line for line in listed if " Kim " in line]
    assert kim_line.endswith("born 2015-03-12")
    assert kim_line.split()[2:4] == ["5", "5"], "the counts stay where they were"
    assert not any("born" in line for line in listed if " Kim " not in line)
    assert person(lib, "Kim")["birthday"] == "2015-03-12"

    undone = album("undo", "--library", lib).stdout
    assert "Undone: Birthday of 'Kim': 12 March 2015" in undone
    assert "Matching" not in undone, "a birthday changes no faces: nothing to match"
    assert person(lib, "Kim")["birthday"] is None
    assert "born" not in album("people", "--library", lib).stdout
    album("redo", "--library", lib)
    assert person(lib, "Kim")["birthday"] == "2015-03-12"

    assert (
        "Cleared the birthday of 'Kim'"
        in album("birthday", "Kim", "--clear", "--library", lib).stdout
    )
    assert person(lib, "Kim")["birthday"] is None
    album("undo", "--library", lib)
    assert person(lib, "Kim")["birthday"] == "2015-03-12"
    history = album("history", "--library", lib).stdout.splitlines()
    assert "Cleared the birthday of 'Kim'  (undone)" in history[0]


def test_a_bad_birthday_says_why_and_changes_nothing(lib: Path):
    album("birthday", "Kim", "2015-03-12", "--library", lib)
    before = export(lib)
    history = album("history", "--library", lib).stdout
    unnamed = next(p["id"] for p in before["people"] if p["name"] is None)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for args, why in (
        (["Nobody", "2015-03-12"], "nobody is called 'Nobody'"),
        (["999", "2015-03-12"], "there is no person 999"),
        (["Kim", "2019-02-30"], "2019-02-30 is not a day of the calendar"),
        (["Kim", tomorrow], f"{tomorrow} is in the future"),
        (["Kim", "12/03/2015"], "write it as YYYY-MM-DD"),
        (["Kim"], "or --clear"),
        (["Kim", "2016-01-01", "--clear"], "not both"),
        ([str(unnamed), "2015-03-12"], "name this person first"),
    ):
        result = album("birthday", *args, "--library", lib, check=False)
        assert result.returncode != 0, args
        assert why in result.stderr, (args, result.stderr)
        assert result.stdout == "", "nothing was done, so nothing is said to be"
    assert export(lib) == before
    assert album("history", "--library", lib).stdout == history


def test_the_birthday_survives_a_rescan_and_a_regroup(lib: Path, child_library):
    folder, _ = child_library
    album("birthday", "Kim", "2015-03-12", "--library", lib)
    album("scan", folder, "--reanalyze", "--library", lib, "--workers", "2")
    assert person(lib, "Kim")["birthday"] == "2015-03-12"
    album("cluster", "--library", lib)
    kim = person(lib, "Kim")
    assert kim["birthday"] == "2015-03-12" and kim["faces"] == 5
    assert "born 2015-03-12" in album("people", "--library", lib).stdout


def test_merging_keeps_the_birthday_and_undo_brings_the_person_back_with_it(lib: Path):
    album("birthday", "Kim", "2015-03-12", "--library", lib)
    kim_id = person(lib, "Kim")["id"]
    unnamed = next(p["id"] for p in export(lib)["people"] if p["name"] is None)
    # Into an unnamed group: it takes Kim's name, and her birthday with it.
    album("merge", "Kim", unnamed, "--into", unnamed, "--library", lib)
    merged = person(lib, "Kim")
    assert merged["id"] == unnamed and merged["birthday"] == "2015-03-12"
    album("undo", "--library", lib)
    kim = person(lib, "Kim")
    assert kim["id"] == kim_id and kim["birthday"] == "2015-03-12" and kim["faces"] == 5


def test_a_library_from_before_birthdays_upgrades_and_its_old_edits_still_undo(tmp_path: Path):
    from album.people.service import PeopleService
    from album.store import backup, edits
    from album.store import people as rows
    from album.store.library import Library
    from album.store.schema import LATEST_VERSION, MIGRATIONS

    path = tmp_path / "lib" / "library.db"
    path.parent.mkdir(mode=0o700)
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 5")
    conn.execute("INSERT INTO people (id, name, hidden, created_at) VALUES (1, 'Ada', 1, 0)")
    # A v5 edit log row: people rows had no birthday then.
    conn.execute(
        "INSERT INTO edits (at, kind, summary, before, after) VALUES (0, 'hide', 'Hid Ada', "
        """'{"faces": {}, "people": {"1": ["Ada", 0, null, 0]}, "rejections": {}}', """
        """'{"faces": {}, "people": {"1": ["Ada", 1, null, 0]}, "rejections": {}}')"""
    )
    conn.commit()
    conn.close()
    with Library.open(path) as library:
        assert library.version == LATEST_VERSION
        assert rows.person(library.conn, 1) == rows.Person(1, "Ada", True, None, None)
        with library.write() as db:  # as if set since, and its edit forgotten
            rows.set_birthday(db.conn, 1, "1990-05-01")
        service = PeopleService(library)
        assert service.undo() == "Hid Ada"
        ada = rows.person(library.conn, 1)
        assert ada is not None and not ada.hidden and ada.birthday == "1990-05-01"
        service.set_birthday(1, date(1991, 5, 1))
        assert edits.latest(library.conn, undone=False).before["people"]["1"][4] == "1990-05-01"
        service.undo()
        assert rows.person(library.conn, 1).birthday == "1990-05-01"
    (copy,) = [p for p in backup.backups(path) if "before-v" in p.name]
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5


# -- the window --------------------------------------------------------------------------------


def caption_age(caption: str) -> float | None:
    """The age a tile shows, in years ("2015 · 5 years", "1992 · 8 months"), or None."""
    found = re.search(r"· (\d+) (year|month)s?$", caption)
    if found is None:
        return None
    return int(found[1]) / (12 if found[2] == "month" else 1)


def test_the_person_page_shows_the_birthday_and_the_age_in_each_photo(qtbot, lib: Path):
    from PySide6.QtCore import QDate, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from album.ui.birthday_dialog import BirthdayDialog
    from album.ui.models import Heading
    from tests.conftest import open_window

    born = consistent_birthday(lib)
    window = open_window(qtbot, lib)
    qtbot.waitUntil(lambda: any(p.name == "Kim" for p in window.people.model.rows), timeout=20_000)
    kim = next(p for p in window.people.model.rows if p.name == "Kim")
    window.show_person(kim.id)
    page = window.person
    qtbot.waitUntil(lambda: len(page.faces.rows) == 5 and page.person is not None, timeout=20_000)
    assert page.birthday_button.isEnabled()
    assert "born" not in page.stats.text()
    assert page.face_view.itemDelegate().lines == 0, "no birthday: the tiles are faces only"

    def answer(clear: bool = False) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, BirthdayDialog)
        if clear:
            dialog.clear.click()
        else:
            dialog.edit.setDate(QDate(born.year, born.month, born.day))
            dialog.ok.click()

    QTimer.singleShot(100, answer)
    qtbot.mouseClick(page.birthday_button, Qt.MouseButton.LeftButton)
    said = f"born {long_date(born)}"
    qtbot.waitUntil(lambda: said in page.stats.text(), timeout=20_000)
    qtbot.waitUntil(lambda: len(page.faces.captions) == 5, timeout=20_000)
    assert person(lib, "Kim")["birthday"] == born.isoformat()

    paths = {p.id: Path(p.path).name for p in page.photos.tiles()}
    shown = [
        (paths[face[1]], page.faces.data(page.faces.index(row)))
        for row, face in enumerate(page.faces.rows)
        if not isinstance(face, Heading)
    ]
    assert page.face_view.itemDelegate().lines == 1, "a line under each face for its age"
    ages_in_files = []
    for name, caption in shown:
        found = FILE_AGE.search(name)
        if found is None:  # the LFW portrait: no date, no age
            assert caption == "no date", caption
            continue
        age = caption_age(caption)
        assert age is not None, caption
        assert abs(age - int(found[1])) <= 1, (name, caption)
        ages_in_files.append(int(found[1]))
    assert ages_in_files == sorted(ages_in_files) == [2, 5, 8, 10], "oldest photos first"
    assert shown[-1][1] == "no date", "the undated photo comes last"
    photo_captions = [
        page.photos.data(page.photos.index(r))
        for r, photo in enumerate(page.photos.rows)
        if not isinstance(photo, Heading)
    ]
    assert sorted(photo_captions) == sorted(c for _, c in shown), "the Photos tab says it too"

    window.undo_action.trigger()  # Ctrl+Z takes the birthday back
    qtbot.waitUntil(lambda: "born" not in page.stats.text(), timeout=20_000)
    qtbot.waitUntil(lambda: not page.faces.captions, timeout=20_000)
    assert page.faces.data(page.faces.index(0)) == ""
    assert person(lib, "Kim")["birthday"] is None

    window.redo_action.trigger()
    qtbot.waitUntil(lambda: said in page.stats.text(), timeout=20_000)
    QTimer.singleShot(100, lambda: answer(clear=True))
    qtbot.mouseClick(page.birthday_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "born" not in page.stats.text(), timeout=20_000)
    assert person(lib, "Kim")["birthday"] is None


HEADING = re.compile(r"^(\d{4}) · (\d+)(?:–(\d+))? years old · (\d+) photos?$")


def kim_faces_in(library: Path, photo_names: tuple[str, ...]) -> list[int]:
    return [
        face["id"]
        for photo in export(library)["photos"]
        if any(name in photo["path"] for name in photo_names)
        for face in photo["faces"]
        if face["person"] == "Kim"
    ]


def make_suggestions(library: Path, face_ids: list[int]) -> None:
    """These faces as Kim's suggestions, so Confirm has something to confirm. Made by hand:
    the matcher would not suggest a child's face from another age, nor Serena's, and setting a
    birthday matches Kim again, which takes such suggestions back (as it should)."""
    conn = sqlite3.connect(library)
    try:
        with conn:
            conn.executemany(
                "UPDATE faces SET person_id = (SELECT id FROM people WHERE name = 'Kim'), "
                "label_source = 'auto', confidence = 0.9 WHERE id = ?",
                [(face,) for face in face_ids],
            )
    finally:
        conn.close()


def test_the_person_page_groups_faces_by_year_under_headings(qtbot, monkeypatch, lib: Path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from album.ui.models import Heading
    from tests.conftest import open_window

    born = consistent_birthday(lib)
    dated_photos = sorted(
        (p for p in export(lib)["photos"] if CHILD in p["path"]), key=lambda p: p["taken_at"]
    )
    suggestions = kim_faces_in(lib, (Path(dated_photos[1]["path"]).name, "Serena"))
    assert len(suggestions) == 2
    make_suggestions(lib, suggestions)
    window = open_window(qtbot, lib)
    qtbot.waitUntil(lambda: any(p.name == "Kim" for p in window.people.model.rows), timeout=20_000)
    kim = next(p for p in window.people.model.rows if p.name == "Kim")
    window.show_person(kim.id)
    page, view = window.person, window.person.face_view
    qtbot.waitUntil(lambda: len(page.faces.rows) == 5 and page.person is not None, timeout=20_000)

    # Without a birthday: faces only, in the usual order (confirmed first, suggestions last).
    plain = list(page.faces.rows)
    assert not any(isinstance(r, Heading) for r in [*page.faces.rows, *page.photos.rows])
    assert [r[2] for r in plain] == ["user"] * 3 + ["auto"] * 2
    assert view.uniformItemSizes(), "no headings: one tile's size lays out them all"

    page.backend.edit(lambda s: s.set_birthday(kim.id, born))  # what Birthday… does
    qtbot.waitUntil(lambda: any(isinstance(r, Heading) for r in page.faces.rows), timeout=20_000)
    qtbot.waitUntil(lambda: not page.backend.jobs.busy, timeout=20_000)  # Kim matched again
    make_suggestions(lib, suggestions)
    page.backend.changed.emit()
    qtbot.waitUntil(
        lambda: sum(r[2] == "auto" for r in page.face_rows()) == 2 and not page.backend.jobs.busy,
        timeout=20_000,
    )
    rows = page.faces.rows
    assert not view.uniformItemSizes()

    # One heading per year, in date order, the undated last; each over its own year's faces.
    years = [photo_date(p["taken_at"]).year for p in dated_photos]
    groups: list[tuple[Heading, list]] = []
    for row in rows:
        if isinstance(row, Heading):
            groups.append((row, []))
        else:
            groups[-1][1].append(row)
    assert isinstance(rows[0], Heading), "the first row is the first year's heading"
    assert [int(h.text[:4]) for h, _ in groups[:-1]] == sorted(set(years))
    assert groups[-1][0].text == "No date · 1 photo"
    assert [page.faces.captions[f[1]] for f in groups[-1][1]] == ["no date"]
    file_age = {p["id"]: int(FILE_AGE.search(Path(p["path"]).name)[1]) for p in dated_photos}
    for heading, faces in groups[:-1]:
        found = HEADING.match(heading.text)
        assert found is not None, heading.text
        youngest, oldest = int(found[2]), int(found[3] or found[2])
        assert int(found[4]) == len(faces) >= 1, heading.text
        for face in faces:
            assert page.faces.captions[face[1]].startswith(found[1] + " · "), heading.text
            assert youngest - 1 <= file_age[face[1]] <= oldest + 1, (heading.text, face)
    assert sorted(f for _, faces in groups for f in faces) == sorted(plain), "every face, once"
    photo_headings = [r.text for r in page.photos.rows if isinstance(r, Heading)]
    assert photo_headings == [h.text for h, _ in groups], "the Photos tab has the same years"

    # Each heading is a line of its own across the tiles' columns, between two rows of tiles.
    last = page.faces.index(len(rows) - 1)
    qtbot.waitUntil(lambda: view.visualRect(last).isValid(), timeout=20_000)
    rects = [view.visualRect(page.faces.index(r)) for r in range(len(rows))]
    tiles = [rect for rect, row in zip(rects, rows, strict=True) if not isinstance(row, Heading)]
    for number, row in enumerate(rows):
        if not isinstance(row, Heading):
            continue
        heading = rects[number]
        assert heading.left() == tiles[0].left(), "a heading starts where the tiles do"
        assert heading.width() >= 3 * tiles[0].width(), "a heading spans the columns"
        assert heading.right() < view.viewport().width()
        assert not any(heading.intersects(tile) for tile in tiles)
        below = rects[number + 1]
        assert below.left() == tiles[0].left() and below.top() > heading.bottom()
        if number:
            assert rects[number - 1].bottom() < heading.top()
        assert not page.faces.flags(page.faces.index(number)) & Qt.ItemFlag.ItemIsSelectable

    # The keys never stop on a heading; Ctrl+A selects every face and no heading.
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_End)
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 1, "Home: the first face, not the heading over it"
    QTest.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    selected = {i.row() for i in view.selectionModel().selectedIndexes()}
    assert selected == {r for r, row in enumerate(rows) if not isinstance(row, Heading)}
    faces = [r[0] for r in rows if not isinstance(r, Heading)]
    assert page.selected_faces() == faces
    assert page.confirm_button.isEnabled() and page.reject_button.isEnabled()
    assert not page.cover_button.isEnabled(), "a cover is one face"

    # What each action would hand the library: faces, never a heading.
    done: list[tuple[str, tuple]] = []

    class Service:
        def __getattr__(self, name: str):
            return lambda *args: done.append((name, args))

    monkeypatch.setattr(page.backend, "edit", lambda fn, *_: fn(Service()))
    page.confirm_button.click()
    page.reject_button.click()
    page.remove_button.click()
    suggested = [r[0] for r in rows if not isinstance(r, Heading) and r[2] == "auto"]
    assert done == [
        ("confirm", (suggested,)),
        ("reject", (faces, kim.id)),
        ("remove_faces", (faces,)),
    ]
    monkeypatch.undo()

    # Confirmed for real: the page reloads with its headings where they were.
    headings = [r for r in rows if isinstance(r, Heading)]
    page.confirm_button.click()
    qtbot.waitUntil(lambda: all(r[2] == "user" for r in page.face_rows()), timeout=20_000)
    assert [r for r in page.faces.rows if isinstance(r, Heading)] == headings
    assert sorted(page.selected_faces()) == sorted(faces), "the selection stayed on the faces"

    # The birthday cleared: no headings, the usual order again.
    page.backend.edit(lambda s: s.set_birthday(kim.id, None))
    qtbot.waitUntil(lambda: not page.faces.captions, timeout=20_000)
    assert not any(isinstance(r, Heading) for r in [*page.faces.rows, *page.photos.rows])
    # All confirmed now: the usual order is by id (a confirmed face keeps no confidence), once
    # the grid stops holding still for the keys just pressed on it.
    usual = sorted((f, p, "user") for f, p, _, _ in plain)
    qtbot.waitUntil(lambda: [r[:3] for r in page.faces.rows] == usual, timeout=10_000)
    assert view.uniformItemSizes() and page.photo_view.uniformItemSizes()


def test_an_unnamed_person_page_offers_no_birthday(qtbot, lib: Path):
    from tests.conftest import open_window

    window = open_window(qtbot, lib)
    qtbot.waitUntil(lambda: any(p.name is None for p in window.people.model.rows), timeout=20_000)
    unnamed = next(p for p in window.people.model.rows if p.name is None)
    window.show_person(unnamed.id)
    page = window.person
    qtbot.waitUntil(
        lambda: page.person is not None and page.person.id == unnamed.id, timeout=20_000
    )
    assert not page.birthday_button.isEnabled()
    assert "Name this person first" in page.birthday_button.toolTip()


def test_a_birthday_typed_with_real_keys_on_a_real_x_server(x_desktop, lib: Path):
    """Birthday… clicked and the date typed through the X server, section by section."""
    kim = person(lib, "Kim")["id"]
    out = run_on_x("tests.x11_birthday", lib, kim, env=x_desktop, timeout=300)
    shown = json.loads(out.strip().splitlines()[-1])
    assert "born 12 March 1990" in shown["summary"], shown
    assert any(caption.endswith("years") for caption in shown["captions"]), shown
    assert person(lib, "Kim")["birthday"] == "1990-03-12"


def test_the_dialog_refuses_a_day_to_come_and_says_why(qtbot):
    from PySide6.QtCore import QDate

    from album.ui.birthday_dialog import BirthdayDialog

    dialog = BirthdayDialog(None, "Kim", None)
    qtbot.addWidget(dialog)
    dialog.show()
    tomorrow = date.today() + timedelta(days=1)
    dialog.edit.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    dialog.ok.click()
    assert dialog.isVisible(), "a birthday in the future was taken"
    assert "future" in dialog.problem.text()
    dialog.edit.setDate(QDate(2015, 3, 12))
    dialog.ok.click()
    assert not dialog.isVisible()
    assert dialog.answer().birthday == date(2015, 3, 12)
