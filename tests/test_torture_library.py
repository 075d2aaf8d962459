"""Torture: the library file itself. Backups before migrations and once a day (consistent copies,
never file copies), `album check` finding and repairing damage, a newer album's library left
untouched, a warning on network file systems, and nothing readable by other users."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from album.cli import main
from album.people.service import PeopleService
from album.store import backup, photos
from album.store import library as library_module
from album.store.library import Library
from album.store.schema import LATEST_VERSION, SCHEMA_V1
from tests.conftest import album, copy_photos, export, photos_by_name


def _v1_library(path: Path) -> None:
    """A library as album's first release left it: schema v1, WAL."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA_V1)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO people (name, created_at) VALUES ('Ada', 0)")
    conn.close()
    os.chmod(path, 0o600)


def _names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM people ORDER BY id")]


def test_migration_backup_is_a_consistent_copy_with_the_latest_commits(tmp_path: Path):
    path = tmp_path / "lib" / "library.db"
    _v1_library(path)
    # A second album process committed just now: its row is only in the -wal file so far.
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA wal_autocheckpoint = 0")
    other.execute("INSERT INTO people (name, created_at) VALUES ('Grace', 0)")
    file_copy = tmp_path / "naive-copy.db"
    shutil.copy(path, file_copy)
    assert _names(file_copy) == ["Ada"], "a file copy misses the latest commit"

    with Library.open(path) as library:
        assert library.version == LATEST_VERSION
    other.close()
    made = backup.backups(path)
    assert len(made) == 1 and "before-v" in made[0].name
    assert _names(made[0]) == ["Ada", "Grace"]
    with sqlite3.connect(made[0]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert stat.S_IMODE(made[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(made[0].parent.stat().st_mode) == 0o700


def test_two_processes_opening_a_new_library_at_once_both_succeed(tmp_path: Path):
    """Found by the crash loop: a scan created the library while the editor opened it. The
    second opener read version 0, then found the tables made under its feet."""
    path = tmp_path / "lib" / "library.db"
    late = Library.open(path, migrate=False)  # read version 0 ...
    Library.open(path).close()  # ... while another process migrated it
    late._migrate(0)
    assert late.version == LATEST_VERSION
    late.close()


def test_scheduled_backups_once_a_day_keeping_the_last_few(tmp_path: Path):
    path = tmp_path / "lib" / "library.db"
    with Library.open(path) as library:  # a brand-new library has nothing to back up
        photos.add_pending(library, [("/photos/a.jpg", 1, 1)])
    assert backup.backups(path) == []
    # A backup a kill interrupted: never counted, cleaned away by the next one.
    backup.folder(path).mkdir(mode=0o700)
    partial = backup.folder(path) / "library-20200101-000000-scheduled.db.999999999.partial"
    partial.write_bytes(b"half a database")

    for day in range(backup.BACKUPS_KEPT + 3):
        with Library.open(path) as library:  # the day's backup, of yesterday's library
            photos.add_pending(library, [(f"/photos/{day}.jpg", 1, 1)])
        with Library.open(path):  # the same day: no second backup
            pass
        found = backup.backups(path)
        assert len(found) == min(day + 1, backup.BACKUPS_KEPT)
        assert time.time() - found[-1].stat().st_mtime < 60, "the newest is today's"
        for older in found:  # a day goes by
            then = older.stat().st_mtime - backup.BACKUP_INTERVAL - 60
            os.utime(older, (then, then))
    assert not partial.exists()
    for kept in backup.backups(path):
        with sqlite3.connect(kept) as conn:
            assert ("/photos/a.jpg",) in conn.execute("SELECT path FROM photos").fetchall()
    # A day goes by with one more change since the newest backup: it is taken.
    newest = backup.backups(path)[-1]
    with Library.open(path) as library:
        assert backup.backups(path)[-1] != newest
        newest = backup.backups(path)[-1]
    with sqlite3.connect(newest) as conn:
        assert conn.execute("SELECT count(*) FROM photos").fetchone()[0] == backup.BACKUPS_KEPT + 4


def test_a_library_left_alone_keeps_its_last_backup_instead_of_copies_of_it(tmp_path: Path):
    path = tmp_path / "lib" / "library.db"
    with Library.open(path) as library:
        photos.add_pending(library, [("/photos/a.jpg", 1, 1)])
    Library.open(path).close()
    [first] = backup.backups(path)
    then = first.stat().st_mtime - backup.BACKUP_INTERVAL - 60
    os.utime(first, (then, then))
    with Library.open(path) as library:  # due, but nothing changed since
        assert backup.backups(path) == [first]
        library.set_meta("min_group_size", "7")  # a setting is a change too
    with Library.open(path):
        assert len(backup.backups(path)) == 2


def test_a_newer_albums_library_is_refused_and_left_untouched(tmp_path: Path):
    path = tmp_path / "lib" / "library.db"
    with Library.open(path) as library:
        photos.add_pending(library, [("/photos/a.jpg", 1, 1)])
        library.conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    before = path.read_bytes()
    for command in (["info"], ["scan", str(tmp_path)], ["check"], ["people"]):
        result = album(*command, "--library", path, check=False)
        assert result.returncode == 1, command
        assert "written by a newer album" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before
    assert not backup.folder(path).exists()


def test_a_library_on_a_network_file_system_gets_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capsys
):
    share = tmp_path / "mnt" / "nas share"
    share.mkdir(parents=True)
    mountinfo = tmp_path / "mountinfo"
    escaped = str(share).replace(" ", "\\040")
    mountinfo.write_text(
        "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
        f"90 22 0:51 / {escaped} rw,relatime shared:40 - nfs4 nas:/photos rw,vers=4.2\n"
    )
    monkeypatch.setattr(library_module, "MOUNTINFO", mountinfo)
    with caplog.at_level(logging.WARNING), Library.open(tmp_path / "local" / "library.db") as lib:
        assert lib.warnings == []
    assert caplog.records == []

    on_nas = share / "album" / "library.db"
    with caplog.at_level(logging.WARNING), Library.open(on_nas) as library:
        assert any("network file system (nfs4)" in w for w in library.warnings)
    assert "network file system (nfs4)" in caplog.text
    assert main(["check", "--library", str(on_nas)]) == 0
    assert "Warning: the library" in capsys.readouterr().out


def test_the_real_file_system_is_recognised():
    kind = library_module.filesystem_type(Path.cwd())
    if not Path("/proc/self/mountinfo").exists():
        assert kind is None
    else:
        assert kind and " " not in kind


def test_every_library_file_is_private_whatever_the_umask(tmp_path: Path):
    path = tmp_path / "lib" / "library.db"
    old = os.umask(0)
    try:
        with Library.open(path) as library:
            photos.add_pending(library, [("/photos/a.jpg", 1, 1)])
        with Library.open(path) as library:  # the scheduled backup; -wal and -shm exist now
            assert backup.backups(path)
            files = [p for p in path.parent.rglob("*") if p.is_file()]
            folders = [path.parent, *(p for p in path.parent.rglob("*") if p.is_dir())]
            assert {p.name for p in files} >= {"library.db", "library.db-wal", "library.db-shm"}
            for file in files:
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
            for folder in folders:
                assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    finally:
        os.umask(old)
    # A library copied in with a looser mode is made private when album opens it.
    os.chmod(path, 0o644)
    Library.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- album check ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, faces: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("check")
    folder = root / "Pictures"
    lfw = faces / "lfw-62x10"
    chosen = [
        p for name in ("Tony_Blair", "Laura_Bush") for p in sorted((lfw / name).iterdir())[:3]
    ]
    copy_photos(chosen, folder)
    library = root / "template" / "library.db"
    album("scan", folder, "--library", library, "--workers", "2")
    with Library.open(library) as lib:
        service = PeopleService(lib)
        blair = next(p for p in photos_by_name(export(library)).values() if "Blair" in p["path"])
        service.name_face(blair["faces"][0]["id"], "Tony")
    return folder, library


@pytest.fixture
def lib(scanned: tuple[Path, Path], tmp_path: Path) -> Path:
    target = tmp_path / "lib" / "library.db"
    target.parent.mkdir(mode=0o700)
    shutil.copy(scanned[1], target)
    return target


def _faces(library: Path) -> dict[str, list[tuple]]:
    """Each photo's faces as a user sees them: id, box, person, label."""
    return {
        name: [(f["id"], tuple(f["box"]), f["person"], f["label_source"]) for f in p["faces"]]
        for name, p in photos_by_name(export(library)).items()
    }


def _raw_sql(library: Path, *statements: str, keys: bool = True) -> None:
    conn = sqlite3.connect(library, isolation_level=None)
    conn.execute(f"PRAGMA foreign_keys = {'ON' if keys else 'OFF'}")
    for statement in statements:
        conn.execute(statement)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _zero_index(library: Path, index: str) -> None:
    """Damage an index as a bad sector would: its root page suddenly lists no entries."""
    _raw_sql(library)
    with sqlite3.connect(library) as conn:
        root = conn.execute(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?", (index,)
        ).fetchone()
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(library, "r+b") as handle:
        handle.seek((root[0] - 1) * size)
        assert handle.read(1) == b"\x0a", "expected a leaf index page"
        handle.seek((root[0] - 1) * size + 3)
        handle.write(b"\x00\x00")


def test_check_on_a_sound_library_changes_nothing(lib: Path):
    before = _faces(lib)
    result = album("check", "--library", lib)
    assert "Integrity check: ok" in result.stdout and "Nothing to repair." in result.stdout
    assert _faces(lib) == before


def test_check_rebuilds_a_damaged_index(lib: Path):
    before = _faces(lib)
    _zero_index(lib, "photos_status")
    with sqlite3.connect(lib) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    result = album("check", "--library", lib)
    assert "Integrity check: damaged" in result.stdout
    assert "rebuilt the damaged indexes" in result.stdout
    with sqlite3.connect(lib) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _faces(lib) == before


def test_check_rebuilds_derived_data_and_keeps_every_decision(lib: Path, scanned):
    folder = scanned[0]
    before = _faces(lib)
    tony = next(f for faces in before.values() for f in faces if f[2] == "Tony")
    other = next(f for faces in before.values() for f in faces if f[2] != "Tony")
    _raw_sql(
        lib,
        f"UPDATE faces SET embedding = x'00' WHERE id = {tony[0]}",  # unreadable
        f"UPDATE people SET cover_face_id = {other[0]} WHERE name = 'Tony'",  # someone else
        "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding) "
        f"SELECT photo_id, top, right, bottom, left, score, embedding FROM faces "
        f"WHERE id = {other[0]}",  # a duplicated detection
        f"INSERT INTO rejections VALUES ({tony[0]}, 9999, 0)",  # a person that is gone
        keys=False,
    )
    result = album("check", "--library", lib)
    for repaired in (
        "references to rows that no longer exist, cleared: 1",
        "cover photos showing someone else, reset: 1",
        "duplicated faces removed: 1",
        "photos with unreadable face data, to analyze again: 1",
    ):
        assert repaired in result.stdout
    assert "Analyzed again: 1 photos (0 failed)" in result.stdout
    with sqlite3.connect(lib) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        size = conn.execute("SELECT length(embedding) FROM faces WHERE id = ?", (tony[0],))
        assert size.fetchone()[0] == 512
    assert _faces(lib) == before  # same faces, same ids, Tony still Tony
    assert "0 changed or resumed" in album("scan", folder, "--library", lib).stdout
    assert "Nothing to repair." in album("check", "--library", lib).stdout


def test_check_on_a_restored_backup_analyzes_nothing_again(lib: Path, tmp_path: Path):
    """A backup has no crops (they are re-made from the photos when shown): a missing crop
    is no damage, and a damaged crop cache is replaced, never a reason to analyze again."""
    with Library.open(lib) as library:
        copy = library.backup(reason="test")
    restored = tmp_path / "restored" / "library.db"
    restored.parent.mkdir()
    shutil.copy(copy, restored)
    result = album("check", "--library", restored)
    assert "Integrity check: ok" in result.stdout and "Nothing to repair." in result.stdout
    assert _faces(restored) == _faces(lib)
    cache = restored.with_name(restored.name + ".cache")
    cache.write_bytes(b"not a cache at all" * 500)
    result = album("check", "--library", restored)
    assert "the face crop cache was damaged" in result.stdout
    assert "Analyzed again" not in result.stdout
    with sqlite3.connect(cache) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_check_restores_the_backup_when_the_damage_is_beyond_repair(lib: Path):
    Library.open(lib).close()  # the day's backup
    good = backup.backups(lib)[-1]
    yesterday = time.time() - backup.BACKUP_INTERVAL - 60
    os.utime(good, (yesterday, yesterday))  # so the next open tries to take another
    _raw_sql(lib)
    with sqlite3.connect(lib) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'faces'").fetchone()
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(lib, "r+b") as handle:  # the faces table's root page: garbage
        handle.seek((root[0] - 1) * size)
        handle.write(os.urandom(size))
    result = album("check", "--library", lib, check=False)
    assert result.returncode == 0, result.stderr
    assert "Integrity check: damaged" in result.stdout
    assert f"restored it from the backup {good.name}" in result.stdout
    assert "Traceback" not in result.stderr
    assert backup.backups(lib) == [good], "a damaged library must not push out a good backup"
    assert "Integrity check: ok" in album("check", "--library", lib).stdout


def test_the_window_opens_before_the_days_backup_which_follows_in_the_background(
    qtbot, tmp_path: Path
):
    from album.ui.app import application
    from album.ui.backend import Backend

    application()
    path = tmp_path / "lib" / "library.db"
    with Library.open(path) as library:
        photos.add_pending(library, [("/photos/a.jpg", 1, 1)])
    backend = Backend(path)  # what the window opens before it shows
    assert backup.backups(path) == [], "the backup waited for the window"
    backend.back_up()
    qtbot.waitUntil(lambda: len(backup.backups(path)) == 1, timeout=20_000)
    backend.jobs.wait()
    backend.back_up()  # the same day: nothing more
    backend.jobs.wait()
    assert len(backup.backups(path)) == 1


def test_a_backup_holds_decisions_and_embeddings_but_no_crops(tmp_path: Path):
    path = tmp_path / "lib" / "library.db"
    with Library.open(path) as library:
        photos.add_pending(library, [("/photos/a.jpg", 1, 1)])
        with library.write() as db:
            db.conn.execute(
                "INSERT INTO faces (id, photo_id, top, right, bottom, left, embedding) "
                "VALUES (1, 1, 0, 10, 10, 0, zeroblob(512))"
            )
        library.crops.put(1, 1, (0, 10, 10, 0), 120, os.urandom(1_000_000))
        library.crops.flush()
        assert library.crops.stats() == (1, 1_000_000)
        copy = library.backup(reason="test")
        schema = library.conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert copy.stat().st_size < 300_000  # the crop alone is 1 MB
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
        assert conn.execute("SELECT length(embedding) FROM faces").fetchone()[0] == 512
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
