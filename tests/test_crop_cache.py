"""Face crops live in a cache file beside the library: delete it or damage it and the avatars
come back from the photos with every name intact; forgetting a person or removing a face
deletes their crops from it; a library from before the cache moves its crops there."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from album.people.service import PeopleService
from album.store import backup, photos
from album.store.library import Library
from album.store.schema import LATEST_VERSION
from tests.conftest import REPO, album, cached_crops, copy_photos, crop_difference, export

PEOPLE = ("Colin_Powell", "Serena_Williams")


def _cache(library: Path) -> Path:
    return library.with_name(library.name + ".cache")


def _cache_files(library: Path) -> list[Path]:
    cache = _cache(library)
    return [p for p in (cache, Path(f"{cache}-wal"), Path(f"{cache}-shm")) if p.exists()]


def _faces_by_person(library: Path) -> dict[str, list[int]]:
    """The faces of each photographed person (the photo's folder name says who)."""
    found: dict[str, list[int]] = {}
    for photo in export(library)["photos"]:
        who = Path(photo["path"]).name.split("__")[0]
        found.setdefault(who, []).extend(f["id"] for f in photo["faces"])
    return found


def _names(library: Path) -> dict[int, str | None]:
    return {f["id"]: f["person"] for p in export(library)["photos"] for f in p["faces"]}


@pytest.fixture
def named(tmp_path: Path, lfw_people: dict[str, list[Path]]) -> tuple[Path, Path]:
    """A scanned library (4 photos of each of two people), each person named."""
    folder = tmp_path / "Pictures"
    copy_photos([p for name in PEOPLE for p in lfw_people[name][:4]], folder)
    library = tmp_path / "lib" / "library.db"
    album("scan", folder, "--library", library, "--workers", "2", "--quiet")
    faces = _faces_by_person(library)
    with Library.open(library) as lib:
        service = PeopleService(lib)
        service.move_to_name(faces["Colin_Powell"], "Colin")
        service.move_to_name(faces["Serena_Williams"], "Serena")
    return folder, library


def _load_avatars(qtbot, library: Path, face_ids: list[int]) -> None:
    """Ask the window's picture loader for every face, as the grids do, until all show."""
    from album.ui.app import application
    from album.ui.thumbnails import Thumbnails

    application()
    thumbnails = Thumbnails(library)
    for face in face_ids:
        thumbnails.face(face)
    qtbot.waitUntil(lambda: all(thumbnails.face(f) is not None for f in face_ids), timeout=60_000)
    thumbnails.wait()


def test_the_scan_writes_grid_sized_webp_crops_beside_the_library(named):
    _, library = named
    crops = cached_crops(library)
    faces = [f for ids in _faces_by_person(library).values() for f in ids]
    assert sorted(crops) == sorted(faces), "one crop per face, in the cache"
    for crop in crops.values():
        with Image.open(io.BytesIO(crop)) as image:
            assert image.format == "WEBP" and image.size == (120, 120)
    with sqlite3.connect(library) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "face_crops" not in tables
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert _cache(library).stat().st_mode & 0o777 == 0o600
    # Backups hold decisions and embeddings: the cache is never copied into backups/.
    with Library.open(library) as lib:
        copy = lib.backup(reason="test")
    assert [p.name for p in copy.parent.iterdir() if "cache" in p.name] == []


def test_the_cache_deleted_avatars_come_back_and_names_stay(qtbot, named):
    _, library = named
    names = _names(library)
    scanned = cached_crops(library)
    for path in _cache_files(library):
        path.unlink()
    assert _names(library) == names
    _load_avatars(qtbot, library, list(scanned))
    remade = cached_crops(library)
    assert remade.keys() == scanned.keys(), "every avatar was re-made from its photo and kept"
    for face, crop in remade.items():
        difference = crop_difference(crop, scanned[face])
        assert difference < 12, f"face {face}'s avatar is not the one the scan made"
    assert _names(library) == names
    assert "Colin" in album("people", "--library", library).stdout


@pytest.mark.parametrize("damage", ["garbage", "torn pages"])
def test_a_corrupt_cache_is_replaced_and_the_app_works(qtbot, named, damage):
    folder, library = named
    names = _names(library)
    cache = _cache(library)
    with Library.open(library) as lib:
        lib.crops.checkpoint()  # every crop in the file itself, none in its WAL
    data = bytearray(cache.read_bytes())
    if damage == "garbage":
        data[:] = b"\x13not a database\x00" * (len(data) // 16)
    else:  # the header stays, the pages behind it are overwritten
        for at in range(4096, len(data), 4096):
            data[at : at + 64] = b"\xa5" * 64
    cache.write_bytes(bytes(data))
    faces = sorted(names)
    _load_avatars(qtbot, library, faces)
    # Torn pages are found only when a read meets one: an avatar read from a good page before
    # the cache was replaced is shown but not in the new file; the next look re-makes it.
    _load_avatars(qtbot, library, faces)
    assert sorted(cached_crops(library)) == faces, "a fresh cache holds the re-made avatars"
    with sqlite3.connect(cache) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _names(library) == names
    assert "0 changed or resumed" in album("scan", folder, "--library", library).stdout
    assert "Nothing to repair." in album("check", "--library", library).stdout


def test_album_check_replaces_a_damaged_cache(named):
    _, library = named
    _cache(library).write_bytes(b"\x00" * 8192)
    result = album("check", "--library", library)
    assert "the face crop cache was damaged" in result.stdout
    assert "Analyzed again" not in result.stdout
    assert cached_crops(library) == {}


def _crop_pieces(crops: dict[int, bytes], faces: list[int]) -> list[bytes]:
    return [crops[f][len(crops[f]) // 2 : len(crops[f]) // 2 + 48] for f in faces]


def _on_disk(library: Path, pieces: list[bytes]) -> list[bytes]:
    """Which pieces any file of the library's folder still holds."""
    files = [p for p in library.parent.rglob("*") if p.is_file()]
    blobs = [p.read_bytes() for p in files]
    return [piece for piece in pieces if any(piece in blob for blob in blobs)]


def test_forget_deletes_the_persons_crops_from_the_cache(named):
    _, library = named
    faces = _faces_by_person(library)
    crops = cached_crops(library)
    hers = _crop_pieces(crops, faces["Serena_Williams"])
    his = _crop_pieces(crops, faces["Colin_Powell"])
    assert _on_disk(library, hers) == hers, "the control: her crops are on disk before"
    album("forget", "Serena", "--yes", "--library", library)
    left = cached_crops(library)
    assert not set(faces["Serena_Williams"]) & left.keys()
    assert set(faces["Colin_Powell"]) <= left.keys()
    assert _on_disk(library, hers) == [], "no byte of her crops stays in any file"
    assert _on_disk(library, his) == his


def test_removing_a_face_or_a_folder_deletes_their_crops(named):
    folder, library = named
    faces = _faces_by_person(library)
    not_a_face = faces["Colin_Powell"][0]
    with Library.open(library) as lib:
        PeopleService(lib).remove_faces([not_a_face])
        assert not_a_face not in cached_crops(library)
        assert set(faces["Serena_Williams"]) <= cached_crops(library).keys()
        photos.remove_root(lib, str(folder))
    assert cached_crops(library) == {}


def test_a_version_3_library_moves_its_crops_out_and_keeps_every_name(named, tmp_path: Path):
    """A library from before the cache (v3: crops in a `face_crops` table) upgrades: every
    name and face stays, its crops move to the cache as they were, the file gets smaller."""
    _, library = named
    crops = cached_crops(library)
    names = _names(library)
    with sqlite3.connect(library) as conn:
        before_faces = conn.execute("SELECT * FROM faces ORDER BY id").fetchall()
        before_people = conn.execute("SELECT * FROM people ORDER BY id").fetchall()
    old = tmp_path / "old" / "library.db"
    old.parent.mkdir(mode=0o700)
    source = sqlite3.connect(library)
    source.execute("VACUUM INTO ?", (str(old),))
    source.close()
    # v3 is v4 plus the crops table, v5 adds the faces' sharpness, v6 the people's
    # birthdays, v7 the faces' crowding, v8 the photos' places, v9 their moments, v10
    # albums and ratings, v11 their perceptual hashes, v12 videos, v13 copies and v14
    # stacks: put the table back and the columns away (v3 had none: NULL after the
    # upgrade), with 40 KB crops as a v3 scan's were 160 px JPEGs (and padded so the size
    # change shows).
    with sqlite3.connect(old) as conn:
        conn.execute("ALTER TABLE faces DROP COLUMN sharpness")
        conn.execute("ALTER TABLE faces DROP COLUMN crowding")
        conn.execute("ALTER TABLE people DROP COLUMN birthday")
        conn.execute("DROP INDEX photos_place")
        conn.execute("DROP INDEX photos_moment")
        conn.execute("DROP TRIGGER photos_moment_new")
        conn.execute("DROP TRIGGER photos_moment_changed")
        conn.execute("ALTER TABLE photos DROP COLUMN moment")
        for index in ("photos_rating", "photos_favourite", "album_photos_photo"):
            conn.execute(f"DROP INDEX {index}")
        conn.execute("DROP TABLE album_photos")
        conn.execute("DROP TABLE albums")
        for column in ("rating", "favourite", "rated", "phash"):
            conn.execute(f"ALTER TABLE photos DROP COLUMN {column}")
        for column in ("latitude", "longitude", "city", "region", "country"):
            conn.execute(f"ALTER TABLE photos DROP COLUMN {column}")
        # v12: videos (their kind and length, the frame of a video's face)
        for column in ("kind", "duration"):
            conn.execute(f"ALTER TABLE photos DROP COLUMN {column}")
        conn.execute("ALTER TABLE faces DROP COLUMN frame_ms")
        # v13: copies (the photo a copy's set keeps, a set the user kept whole)
        conn.execute("DROP INDEX photos_copy_of")
        for column in ("copy_of", "copies_kept"):
            conn.execute(f"ALTER TABLE photos DROP COLUMN {column}")
        # v14: stacks (the top a version is under, the label of a top's stack)
        conn.execute("DROP INDEX photos_stack_of")
        for column in ("stack_of", "stack_label"):
            conn.execute(f"ALTER TABLE photos DROP COLUMN {column}")
        before_faces = [(*row[:-3], None, None, None) for row in before_faces]
        conn.execute(
            "CREATE TABLE face_crops (face_id INTEGER PRIMARY KEY REFERENCES faces(id) "
            "ON DELETE CASCADE, crop BLOB NOT NULL)"
        )
        jpegs = {}
        for face, crop in crops.items():
            out = io.BytesIO()
            Image.open(io.BytesIO(crop)).resize((160, 160)).save(out, "JPEG", quality=95)
            jpegs[face] = out.getvalue() + bytes(40_000)
        conn.executemany("INSERT INTO face_crops VALUES (?, ?)", jpegs.items())
        conn.execute("PRAGMA user_version = 3")
    size_v3 = old.stat().st_size
    with Library.open(old) as lib:
        assert lib.version == LATEST_VERSION
        tables = {r[0] for r in lib.conn.execute("SELECT name FROM sqlite_master")}
        assert "face_crops" not in tables
        assert lib.conn.execute("SELECT * FROM faces ORDER BY id").fetchall() == before_faces
        assert lib.conn.execute("SELECT * FROM people ORDER BY id").fetchall() == before_people
    assert _names(old) == names
    assert cached_crops(old) == jpegs, "each crop moved as it was"
    assert old.stat().st_size < size_v3 - len(jpegs) * 40_000, "the file was compacted"
    # The copy taken before the upgrade holds the v3 library without its crops.
    (before,) = [p for p in backup.backups(old) if "before-v" in p.name]
    with sqlite3.connect(before) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM face_crops").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM faces").fetchone()[0] == len(before_faces)
    # Moved crops (160 px) serve the 120 px grid as they are: nothing is re-made.
    album("people", "--library", old)
    from album.faces.crops import face_crop

    with Library.open(old) as lib:
        face = next(iter(jpegs))
        assert face_crop(lib, face) == jpegs[face]


HIDPI_SCRIPT = """
import sys
from album.ui.app import application
from album.ui.thumbnails import Thumbnails
app = application()
thumbnails = Thumbnails(sys.argv[1])
face = int(sys.argv[2])
thumbnails.face(face)
thumbnails.wait()
app.processEvents()
print(thumbnails.face_side, thumbnails.face(face).width())
"""


def test_a_hidpi_window_gets_avatars_at_twice_the_grid_size(named):
    """At a device pixel ratio of 2 the 120 px crops the scan made would be blown up: the
    window asks for 240 px ones, re-made from the photos and kept."""
    _, library = named
    face = min(cached_crops(library))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    done = subprocess.run(
        [sys.executable, "-c", HIDPI_SCRIPT, str(library), str(face)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["240", "240"]
    with Image.open(io.BytesIO(cached_crops(library)[face])) as image:
        assert image.size == (240, 240)


def test_a_face_the_scan_no_longer_finds_leaves_the_cache(tmp_path: Path, lfw_people):
    folder = tmp_path / "Pictures"
    changed = copy_photos(lfw_people["Tony_Blair"][:2], folder)[0]
    library = tmp_path / "lib" / "library.db"
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    before = _faces_by_person(library)["Tony_Blair"]
    assert sorted(cached_crops(library)) == sorted(before)
    Image.new("RGB", (250, 250), (90, 140, 200)).save(changed, "JPEG")  # now only sky
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    after = _faces_by_person(library)["Tony_Blair"]
    assert len(after) == len(before) - 1
    assert sorted(cached_crops(library)) == sorted(after)
