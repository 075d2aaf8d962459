"""People invariants on a library of a few thousand faces, built through the scan writer.

The small libraries of the other tests hold one group per person, so a later name never
competes with an earlier automatic match; these tests need the crowd: real LFW embeddings,
look-alikes included, several groups per person.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from album.cli import main
from album.people.regroup import Regroup, RegroupCancelled
from album.people.service import PeopleService
from album.people.update import update_people, write_plan
from album.store.library import Library
from benchmarks.library_builder import build_library, faces_root
from tests.conftest import cached_crops

PHOTOS = 2000


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    faces = faces_root()
    if faces is None:
        pytest.skip("needs ../shared/faces/lfw-embeddings.npz (or $ALBUM_FACES)")
    root = tmp_path_factory.mktemp("crowd")
    library = root / "library.db"
    build_library(library, root / "photos", PHOTOS, faces, min_photos_per_person=4, noise=0.02)
    with Library.open(library) as lib:
        update_people(lib)
    return library


@pytest.fixture
def lib(crowd: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "library.db"
    shutil.copy(crowd, copy)
    return copy


def _people_of_faces(library: Library) -> dict[int, int | None]:
    return dict(library.conn.execute("SELECT id, person_id FROM faces WHERE removed = 0"))


def _largest_groups(library: Library, count: int) -> list[int]:
    rows = library.conn.execute(
        "SELECT f.person_id FROM faces f JOIN people p ON p.id = f.person_id "
        "WHERE p.name IS NULL GROUP BY f.person_id ORDER BY count(*) DESC LIMIT ?",
        (count,),
    )
    return [r[0] for r in rows]


def _lost(before: dict[int, int | None], after: dict[int, int | None]) -> list[int]:
    return [f for f, p in before.items() if p is not None and after.get(f) is None]


def test_naming_twenty_people_leaves_no_grouped_face_without_a_person(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        grouped = {f: p for f, p in _people_of_faces(library).items() if p is not None}
        for k, person in enumerate(_largest_groups(library, 20)):
            if library.conn.execute("SELECT 1 FROM people WHERE id = ?", (person,)).fetchone():
                service.name_person(person, f"Person {k}")
                lost = _lost(grouped, _people_of_faces(library))
                assert lost == [], f"naming person {k} left grouped faces without a person"
        matched = library.conn.execute(
            "SELECT count(*) FROM faces WHERE label_source = 'auto'"
        ).fetchone()[0]
    assert matched > 0, "the names matched nothing: the library is too easy to test this"


def test_undoing_names_returns_matched_faces_to_their_groups(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        start = _people_of_faces(library)
        named = _largest_groups(library, 8)
        for k, person in enumerate(named):
            if library.conn.execute("SELECT 1 FROM people WHERE id = ?", (person,)).fetchone():
                service.name_person(person, f"Person {k}")
        auto = library.conn.execute(
            "SELECT count(*) FROM faces WHERE label_source = 'auto'"
        ).fetchone()[0]
        assert auto > 0
        while service.can_undo():
            before = _people_of_faces(library)
            service.undo()
            lost = _lost(before, _people_of_faces(library))
            # An undone match may only return a face to where the clustering left it.
            assert [f for f in lost if start[f] is not None] == []
        assert _lost(start, _people_of_faces(library)) == []
        named_left = library.conn.execute("SELECT count(*) FROM people WHERE name IS NOT NULL")
        assert named_left.fetchone()[0] == 0


def test_a_rejected_face_is_left_without_that_person_because_the_user_said_so(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        person = _largest_groups(library, 1)[0]
        service.name_person(person, "Ada")
        face = library.conn.execute(
            "SELECT id FROM faces WHERE person_id = ? LIMIT 1", (person,)
        ).fetchone()[0]
        before = _people_of_faces(library)
        service.reject([face])
        after = _people_of_faces(library)
        assert after[face] != person
        assert [f for f in _lost(before, after) if f != face] == []


def test_the_rematch_after_an_edit_decides_what_a_full_rematch_would(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library, defer_rematch=True)
        for k, person in enumerate(_largest_groups(library, 10)):
            if library.conn.execute("SELECT 1 FROM people WHERE id = ?", (person,)).fetchone():
                service.name_person(person, f"Person {k}")
                service.follow_up()
        quick = {
            r[0]: r[1:]
            for r in library.conn.execute("SELECT id, person_id, label_source FROM faces")
        }
        update_people(library, recluster=False)
        full = {
            r[0]: r[1:]
            for r in library.conn.execute("SELECT id, person_id, label_source FROM faces")
        }
    differ = [f for f in quick if quick[f] != full[f]]
    assert len(differ) <= len(quick) // 1000, differ[:20]


def test_the_cli_says_the_name_then_when_the_matching_after_it_is_done(
    lib: Path, capsys: pytest.CaptureFixture
):
    with Library.open(lib) as library:
        person = _largest_groups(library, 1)[0]
    assert main(["--library", str(lib), "name", str(person), "Ada"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Named 'Ada'"
    assert lines[1].startswith("Matching the library to 'Ada'... done, ")
    matched = int(lines[1].split("done, ")[1].split()[0])
    with Library.open(lib) as library:
        auto = library.conn.execute(
            "SELECT count(*) FROM faces WHERE person_id = ? AND label_source = 'auto'", (person,)
        ).fetchone()[0]
    assert matched >= auto


def _labels(library: Library) -> dict[int, tuple]:
    rows = library.conn.execute("SELECT id, person_id, label_source, removed FROM faces")
    return {r[0]: r[1:] for r in rows}


def test_an_edit_made_while_the_regroup_process_plans_is_never_overwritten(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        regroup = Regroup(lib).start()
        plan = regroup.plan(timeout=300)  # planned from the library as it was before the edits
        assert plan is not None and plan.labels
        group, other = _largest_groups(library, 2)
        service.name_person(group, "Ada")
        moved = library.conn.execute(
            "SELECT id FROM faces WHERE person_id = ? LIMIT 1", (other,)
        ).fetchone()[0]
        service.move_to_name([moved], "Grace")
        before = _labels(library)
        report = write_plan(library, plan)
        after = _labels(library)
    assert report.skipped_edited > 0
    user_faces = [f for f, label in before.items() if label[1] == "user"]
    assert user_faces and all(after[f] == before[f] for f in user_faces)


def test_a_regroup_that_gives_faces_to_someone_merged_away_meanwhile_still_writes(lib: Path):
    """The plan was made while a group existed; the user merged that group into another
    before the plan was written. The write keeps the faces as they are instead of failing."""
    with Library.open(lib) as library:
        service = PeopleService(library)
        plan = Regroup(lib).start().plan(timeout=300)
        assert plan is not None
        group, other = _largest_groups(library, 2)
        unsorted = library.conn.execute(
            "SELECT id FROM faces WHERE person_id IS NULL AND removed = 0 LIMIT 1"
        ).fetchone()[0]
        plan.labels[unsorted] = (other, "cluster", None)  # the plan joins it to `other`
        plan.was[unsorted] = (None, None)
        service.merge([other], into=group)  # ... which the user merges away meanwhile
        report = write_plan(library, plan)
        assert report.skipped_edited > 0
        assert _labels(library)[unsorted][0] is None


def test_a_name_typed_during_a_regroup_survives_it(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        regroup = Regroup(lib).start()
        group = _largest_groups(library, 1)[0]
        service.name_person(group, "Ada")
        named = {f for f, label in _labels(library).items() if label[:2] == (group, "user")}
        report = regroup.finish(library, timeout=300)
        assert report.clustered > 0
        after = _labels(library)
        assert all(after[f][:2] == (group, "user") for f in named)
        assert (
            library.conn.execute("SELECT name FROM people WHERE id = ?", (group,)).fetchone()[0]
            == "Ada"
        )


def test_killing_the_regroup_process_loses_nothing(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        service.name_person(_largest_groups(library, 1)[0], "Ada")
        before = _labels(library)
        regroup = Regroup(lib).start()
        regroup.process.kill()
        with pytest.raises(RegroupCancelled):
            regroup.finish(library, timeout=60)
        assert _labels(library) == before
        assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        report = Regroup(lib).start().finish(library, timeout=300)  # the next one works
        assert report.clustered > 0


def test_a_backup_restores_to_a_working_library(lib: Path, tmp_path: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        person = _largest_groups(library, 1)[0]
        service.name_person(person, "Ada")
        saved = _labels(library)
        copy = library.backup(reason="test")
    restored = tmp_path / "restored.db"
    shutil.copy(copy, restored)
    with Library.open(restored) as library:
        assert _labels(library) == saved
        service = PeopleService(library)
        service.name_person(_largest_groups(library, 1)[0], "Grace")
        assert service.undo() == "Named 'Grace'"
        assert service.undo() == "Named 'Ada'"
        assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Crops are derived: the backup leaves them out, and they come back from the photos.
        assert cached_crops(restored) == {}


def _group(library: Library, person: int) -> dict[int, tuple]:
    return {f: label for f, label in _labels(library).items() if label[0] == person}


def _name_largest_group(library: Library) -> tuple[PeopleService, int, dict[int, tuple]]:
    """The largest group named 'Ada', its follow-up (the settle) not yet run; the group's
    labels as they were before."""
    service = PeopleService(library, defer_rematch=True)
    person = _largest_groups(library, 1)[0]
    grouped = _group(library, person)
    service.name_person(person, "Ada")
    return service, person, grouped


def test_naming_a_group_writes_no_face_row_and_undo_gives_the_group_back(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library, defer_rematch=True)
        person = _largest_groups(library, 1)[0]
        grouped = _group(library, person)
        assert len(grouped) > 20 and all(label[1] == "cluster" for label in grouped.values())
        changes = library.conn.total_changes
        service.name_person(person, "Ada")
        # The edit is the name (people, the undo log, the note to confirm): not one row per face.
        assert library.conn.total_changes - changes < 5
        service.follow_up()  # confirms the group, then matches around Ada
        named = _group(library, person)
        assert all(named[f][1] == "user" for f in grouped)
        assert service.undo() == "Named 'Ada'"
        assert {f: _labels(library)[f] for f in grouped} == grouped
        assert service.redo() == "Named 'Ada'"
        service.follow_up()
        assert all(_labels(library)[f][:2] == (person, "user") for f in grouped)
        assert service.undo() == "Named 'Ada'"
        assert {f: _labels(library)[f] for f in grouped} == grouped


def test_a_group_named_just_before_a_kill_is_confirmed_on_the_next_open(lib: Path):
    with Library.open(lib) as library:
        _service, person, grouped = _name_largest_group(library)  # the process ends here
    with Library.open(lib) as library:
        assert all(_labels(library)[f][:2] == (person, "user") for f in grouped)
        update_people(library)  # a regroup after it leaves the named group alone
        assert all(_labels(library)[f][:2] == (person, "user") for f in grouped)
        assert PeopleService(library).undo() == "Named 'Ada'"
        assert {f: _labels(library)[f] for f in grouped} == grouped


def test_a_group_named_and_undone_before_its_settle_stays_a_group(lib: Path):
    with Library.open(lib) as library:
        service, person, grouped = _name_largest_group(library)
        service.undo()
        service.follow_up()
        assert {f: _labels(library)[f] for f in grouped} == grouped
        assert library.conn.execute(
            "SELECT name FROM people WHERE id = ?", (person,)
        ).fetchone() == (None,)


def test_undoing_a_merge_into_a_group_named_just_before_keeps_it_confirmed(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library, defer_rematch=True)
        person, other = _largest_groups(library, 2)
        grouped = _group(library, person)
        service.name_person(person, "Ada")
        service.merge([other], into=person)  # before the naming's follow-up ran
        service.follow_up()  # nothing left to confirm: the merge confirmed Ada's faces
        service.undo()  # ... and gives them back grouped
        service.follow_up()
        assert all(_labels(library)[f][:2] == (person, "user") for f in grouped)
        assert service.undo() == "Named 'Ada'"
        assert {f: _labels(library)[f] for f in grouped} == grouped
