"""People on a really scanned library: grouping, naming, every edit, and the promise that
nothing automatic ever undoes a decision."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from album.cli import main
from album.people.service import EditError, NameTaken, PeopleService
from album.people.suggest import review_queue
from album.store import queries
from album.store.library import Library
from tests.conftest import album, cached_crops, copy_photos, export, library_copy, photos_by_name

LFW = ["Colin_Powell", "Serena_Williams", "Tony_Blair", "Laura_Bush", "Hugo_Chavez"]
OBAMA_AND_BIDEN = ["frec_obama_and_biden.jpg", "frec_two_people.jpg"]


@pytest.fixture(scope="session")
def scanned(tmp_path_factory: pytest.TempPathFactory, faces: Path) -> tuple[Path, Path]:
    """One real scan, shared: 5 people x 10 portraits, Obama and Biden alone and together."""
    root = tmp_path_factory.mktemp("people")
    folder = root / "Pictures"
    lfw = faces / "lfw-62x10"
    copy_photos([p for name in LFW for p in sorted((lfw / name).iterdir())], folder / "lfw")
    mixed = faces / "group-photos" / "mixed"
    ref = faces / "group-photos" / "reference"
    copy_photos(
        [mixed / n for n in OBAMA_AND_BIDEN]
        + sorted((ref / "Barack_Obama").iterdir())
        + sorted((ref / "Joe_Biden").iterdir()),
        folder / "news",
    )
    library = root / "template.db"
    album("scan", folder, "--library", library, "--workers", "2")
    return folder, library


@pytest.fixture
def lib(scanned: tuple[Path, Path], tmp_path: Path) -> Path:
    return library_copy(scanned[1], tmp_path)


def cli(*args: object) -> int:
    return main([str(a) for a in args])


def identity(path: str) -> str:
    """Who a test photo shows, from its file name (a two-person photo: 'both')."""
    name = Path(path).name
    if name.startswith("mixed__"):
        return "both"
    for person in [*LFW, "Barack_Obama", "Joe_Biden"]:
        if person in name:
            return person
    return name.split("__")[0]


def people_by_identity(library: Path) -> dict[str, Counter]:
    """For each LFW identity, which person ids its faces landed in."""
    found: dict[str, Counter] = {}
    for photo in export(library)["photos"]:
        who = identity(photo["path"])
        for face in photo["faces"]:
            found.setdefault(who, Counter())[face["person_id"]] += 1
    return found


def person_of(library: Path, who: str) -> int:
    """The group holding most of this identity's faces."""
    counts = people_by_identity(library)[who]
    grouped = [(n, p) for p, n in counts.items() if p is not None]
    assert grouped, f"{who}'s faces were not grouped: {counts}"
    return max(grouped)[1]


def decisions(library: Path) -> dict:
    """Everything a user decided, in terms that survive re-analysis (paths and boxes)."""
    with sqlite3.connect(library) as conn:
        labels = sorted(
            conn.execute(
                "SELECT ph.path, f.top, f.left, p.name, f.person_id FROM faces f "
                "JOIN photos ph ON ph.id = f.photo_id LEFT JOIN people p ON p.id = f.person_id "
                "WHERE f.label_source = 'user'"
            )
        )
        rejected = sorted(
            conn.execute(
                "SELECT ph.path, f.top, f.left, r.person_id FROM rejections r "
                "JOIN faces f ON f.id = r.face_id JOIN photos ph ON ph.id = f.photo_id"
            )
        )
        removed = sorted(
            conn.execute(
                "SELECT ph.path, f.top, f.left FROM faces f JOIN photos ph ON ph.id = f.photo_id "
                "WHERE f.removed = 1"
            )
        )
        names = sorted(conn.execute("SELECT id, name, hidden FROM people WHERE name IS NOT NULL"))
    return {"labels": labels, "rejections": rejected, "removed": removed, "names": names}


def test_each_person_becomes_one_group(lib: Path):
    found = people_by_identity(lib)
    owners: dict[int, set[str]] = {}
    for who, counts in found.items():
        for person in counts:
            if person is not None:
                owners.setdefault(person, set()).add(who)
    mixed = {p: w for p, w in owners.items() if len(w - {"both"}) > 1}
    assert not mixed, f"groups mixing people: {mixed}"
    for who in LFW:
        biggest = max((n for p, n in found[who].items() if p is not None), default=0)
        assert biggest >= 5, f"{who}: {found[who]}"
    assert "(unnamed)" in album("people", "--library", lib).stdout


def test_naming_sticks_through_rescan_recluster_and_new_settings(
    lib: Path, scanned: tuple[Path, Path]
):
    folder = scanned[0]
    with Library.open(lib) as library:
        service = PeopleService(library)
        powell = person_of(lib, "Colin_Powell")
        service.name_person(powell, "Colin Powell")
        blair = person_of(lib, "Tony_Blair")
        service.name_person(blair, "Tony Blair")
        one_blair_face = queries.faces_of(library.conn, blair)[0][0]
        service.reject([one_blair_face])
        chavez_face = queries.faces_of(library.conn, person_of(lib, "Hugo_Chavez"))[0][0]
        service.remove_faces([chavez_face])
    before = decisions(lib)
    assert len(before["labels"]) >= 8 and before["rejections"] and before["removed"]

    album("scan", folder, "--library", lib)
    album("cluster", "--library", lib)
    album("scan", folder, "--library", lib, "--reanalyze", "--detect-size", "1200")
    album("scan", folder, "--library", lib, "--reanalyze", "--detect-size", "1600")
    assert decisions(lib) == before
    data = export(lib)
    assert not any(f["id"] == chavez_face for p in data["photos"] for f in p["faces"])
    named = {p["name"] for p in data["people"] if p["name"]}
    assert named == {"Colin Powell", "Tony Blair"}


def test_two_faces_of_one_photo_are_never_one_person(lib: Path):
    data = export(lib)
    for photo in data["photos"]:
        people = [f["person_id"] for f in photo["faces"] if f["person_id"] is not None]
        assert len(people) == len(set(people)), photo["path"]
    together = photos_by_name(data)["mixed__frec_obama_and_biden.jpg"]
    first, second = (f["id"] for f in together["faces"][:2])
    with Library.open(lib) as library:
        service = PeopleService(library)
        service.name_face(first, "Someone")
        someone = queries.people(library.conn, name_filter="Someone")[0].id
        with pytest.raises(EditError, match="already confirmed in that photo"):
            service.move_faces([second], someone)
        with pytest.raises(EditError, match="same photo"):
            service.move_faces([first, second], person_of(lib, "Laura_Bush"))


def test_a_rejected_face_is_never_proposed_again(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        serena = person_of(lib, "Serena_Williams")
        service.name_person(serena, "Serena")
        face = queries.faces_of(library.conn, serena)[-1][0]
        service.reject([face])
        for _ in range(2):
            service.recluster()
            service.rematch()
        assert face not in {f[0] for f in queries.faces_of(library.conn, serena)}
        assert all(item.face_id != face for item in review_queue(library, person_id=serena))


def test_named_persons_new_photos_are_matched_automatically(
    tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    folder = tmp_path / "Pictures"
    library = tmp_path / "library.db"
    copy_photos(lfw_people["Colin_Powell"][:4] + lfw_people["Laura_Bush"][:4], folder)
    album("scan", folder, "--library", library)
    powell = person_of(library, "Colin_Powell")
    album("name", powell, "Colin", "--library", library)
    copy_photos(lfw_people["Colin_Powell"][4:8], folder / "later")
    album("scan", folder, "--library", library)
    later = [p for p in export(library)["photos"] if "/later/" in p["path"]]
    matched = [f for p in later for f in p["faces"] if f["person"] == "Colin"]
    assert len(matched) >= 3
    assert all(f["label_source"] == "auto" and 0.5 < f["confidence"] <= 1 for f in matched)
    # Confirming them all at once makes them the user's.
    album("confirm", "--person", "Colin", "--above", "0.5", "--library", library)
    confirmed = [
        f
        for p in export(library)["photos"]
        for f in p["faces"]
        if f["id"] in {m["id"] for m in matched}
    ]
    assert {f["label_source"] for f in confirmed} == {"user"}


def test_a_confirmed_face_helps_match_the_rest_at_once(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        laura = person_of(lib, "Laura_Bush")
        faces = [f[0] for f in queries.faces_of(library.conn, laura)]
        service.name_face(faces[0], "Laura")  # one face, confirmed as a new named person...
        laura = queries.people(library.conn, name_filter="Laura")[0]
        # ...and her other faces are suggested right away, without a recluster.
        assert laura.suggested >= 1


def _state(lib: Path) -> tuple:
    data = export(lib)
    faces = sorted(
        (f["id"], f["person_id"], f["label_source"])
        for p in data["photos"]
        for f in p["faces"]
        if f["label_source"] != "auto"
    )
    people = sorted((p["id"], p["name"], p["hidden"]) for p in data["people"])
    return faces, people, decisions(lib)


def test_undo_restores_exactly_and_redo_reapplies(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        powell, blair = person_of(lib, "Colin_Powell"), person_of(lib, "Tony_Blair")
        serena = person_of(lib, "Serena_Williams")
        steps = [
            lambda: service.name_person(powell, "Powell"),
            lambda: service.merge([serena, blair], into=serena),
            lambda: service.move_faces([queries.faces_of(library.conn, serena)[0][0]], powell),
            lambda: service.reject([queries.faces_of(library.conn, powell)[0][0]]),
            lambda: service.remove_faces([queries.faces_of(library.conn, powell)[-1][0]]),
            lambda: service.set_hidden(powell, True),
            lambda: service.name_person(powell, "Colin"),
        ]
        states = [_state(lib)]
        for step in steps:
            step()
            states.append(_state(lib))
        for expected in reversed(states[:-1]):
            assert service.undo() is not None
            assert _state(lib) == expected
        assert service.undo() is None
        for expected in states[1:]:
            assert service.redo() is not None
            assert _state(lib) == expected


def test_renaming_to_an_existing_name_asks_before_merging(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        a, b = person_of(lib, "Colin_Powell"), person_of(lib, "Tony_Blair")
        service.name_person(a, "Pat")
        with pytest.raises(NameTaken):
            service.name_person(b, "pat")
        service.name_person(b, "pat", merge=True)
        assert queries.people(library.conn, name_filter="Pat")[0].faces >= 12
    assert cli("name", b, "Pat", "--library", lib) == 2  # b no longer exists


def test_forget_leaves_nothing_that_mentions_the_person(lib: Path):
    with Library.open(lib) as library:
        service = PeopleService(library)
        person = person_of(lib, "Hugo_Chavez")
        service.name_person(person, "Hugo Forgettable")
        faces = [f[0] for f in queries.faces_of(library.conn, person)]
        service.reject([faces[0]])
        service.forget(person)
    with sqlite3.connect(lib) as conn:
        assert (
            conn.execute("SELECT count(*) FROM people WHERE id = ?", (person,)).fetchone()[0] == 0
        )
        theirs = faces[1:]  # faces[0] was "not them": it is someone else's face, kept
        marks = ",".join("?" * len(theirs))
        rows = conn.execute(
            f"SELECT f.embedding, f.person_id FROM faces f WHERE f.id IN ({marks})", theirs
        ).fetchall()
        assert rows and all(r == (None, None) for r in rows)
        assert not set(theirs) & cached_crops(lib).keys(), "their crops left the cache"
        kept = conn.execute("SELECT embedding FROM faces WHERE id = ?", (faces[0],)).fetchone()
        assert kept[0] is not None
        assert (
            conn.execute(
                "SELECT count(*) FROM rejections WHERE person_id = ?", (person,)
            ).fetchone()[0]
            == 0
        )
        logged = " ".join(r[0] + r[1] for r in conn.execute("SELECT before, after FROM edits"))
        assert "Forgettable" not in logged


def test_people_commands_from_the_terminal(lib: Path, capsys: pytest.CaptureFixture):
    obama_alone = person_of(lib, "Barack_Obama")
    biden_alone = person_of(lib, "Joe_Biden")
    assert cli("name", obama_alone, "Barack Obama", "--library", lib) == 0
    assert cli("name", biden_alone, "Joe Biden", "--library", lib) == 0
    capsys.readouterr()
    assert cli("photos", "--person", "Barack Obama", "--person", "Joe Biden", "--library", lib) == 0
    together = capsys.readouterr().out.split()
    assert {Path(p).name for p in together} == {f"mixed__{n}" for n in OBAMA_AND_BIDEN}
    photo = together[0]
    assert cli("faces", photo, "--library", lib) == 0
    listed = capsys.readouterr().out
    assert "Barack Obama" in listed and "Joe Biden" in listed
    face = int(listed.split()[1])
    assert cli("hide", "Joe Biden", "--library", lib) == 0
    capsys.readouterr()
    assert cli("people", "--library", lib) == 0
    assert "Joe Biden" not in capsys.readouterr().out
    assert cli("people", "--all", "--library", lib) == 0
    assert "Joe Biden [hidden]" in capsys.readouterr().out
    assert cli("unhide", "Joe Biden", "--library", lib) == 0
    assert cli("reject", face, "--library", lib) == 0
    assert cli("move", face, "--to", "Somebody New", "--library", lib) == 0
    assert cli("remove-face", face, "--library", lib) == 0
    assert cli("undo", "--steps", "3", "--library", lib) == 0
    capsys.readouterr()
    assert cli("history", "--library", lib) == 0
    assert "(undone)" in capsys.readouterr().out
    assert cli("merge", "Barack Obama", "Joe Biden", "--library", lib) == 0
    assert cli("review", "--library", lib) == 0
    assert cli("merges", "--library", lib) == 0
    assert cli("forget", "Barack Obama", "--library", lib) == 2  # needs --yes
    assert cli("forget", "Barack Obama", "--yes", "--library", lib) == 0
    assert cli("name", "Nobody Such", "X", "--library", lib) == 2
    assert cli("move", "12345678", "--to", "X", "--library", lib) == 1
    assert "no face 12345678" in capsys.readouterr().err


def test_the_smallest_group_is_a_library_setting_that_rescans_keep(
    lib: Path, scanned: tuple[Path, Path]
):
    def group_sizes() -> list[int]:
        return sorted(p["faces"] for p in export(lib)["people"])

    before = group_sizes()
    assert min(before) < 6, "the test needs a group smaller than six faces"
    assert cli("cluster", "--min-size", "6", "--library", lib) == 0
    after = group_sizes()
    assert after and min(after) >= 6, after
    assert after == [n for n in before if n >= 6], "the big groups stayed as they were"
    album("scan", scanned[0], "--library", lib, "--workers", "2", "--reanalyze")  # regroups
    assert group_sizes() == after
    refused = album("cluster", "--min-size", "0", "--library", lib, check=False)
    assert refused.returncode == 2 and "from 1 to 100" in refused.stderr
    assert cli("cluster", "--min-size", "2", "--library", lib) == 0
    assert group_sizes() == before
