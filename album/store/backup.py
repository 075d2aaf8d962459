"""Backup copies of the library: before each migration, once a day, and a clean one after forget.

A backup is made with `VACUUM INTO`, never by copying the file: a live library keeps its latest
commits in the `-wal` file beside it, so a file copy can miss them or catch a page half-written.
VACUUM INTO reads one consistent snapshot through SQLite and writes a fresh, compact database.

It first writes to a `.partial` name and renames only once the copy is complete and on disk, so
a kill during a backup never leaves a broken file that looks like the newest good backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

from album.processes import alive

BACKUPS_KEPT = 5
BACKUP_INTERVAL = 24 * 3600.0  # seconds between scheduled backups
FOLDER_NAME = "backups"
PARTIAL = ".partial"


def folder(library_path: Path) -> Path:
    return library_path.parent / FOLDER_NAME


def backups(library_path: Path) -> list[Path]:
    """The complete backups of this library, oldest first."""
    where = folder(library_path)
    if not where.is_dir():
        return []
    found = []
    for path in where.glob(f"{library_path.stem}-*.db"):
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime, path.name, path))
    return [path for *_, path in sorted(found)]


def due(library_path: Path, interval: float = BACKUP_INTERVAL) -> bool:
    """Whether the newest backup is older than `interval` seconds (or there is none)."""
    existing = backups(library_path)
    if not existing:
        return True
    try:
        return time.time() - existing[-1].stat().st_mtime >= interval
    except OSError:
        return True


def take(
    conn: sqlite3.Connection, library_path: Path, *, reason: str, keep: int = BACKUPS_KEPT
) -> Path:
    """A consistent copy of the live library in `backups/`, keeping only the newest `keep`."""
    where = folder(library_path)
    where.mkdir(mode=0o700, exist_ok=True)
    os.chmod(where, 0o700)
    _discard_partials(where, library_path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = where / f"{library_path.stem}-{stamp}-{reason}.db"
    counter = 1
    while target.exists():
        counter += 1
        target = where / f"{library_path.stem}-{stamp}-{reason}-{counter}.db"
    # The pid keeps two processes that back up at the same moment out of each other's way.
    partial = target.with_name(f"{target.name}.{os.getpid()}{PARTIAL}")
    old_umask = os.umask(0o077)
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        os.umask(old_umask)
    os.chmod(partial, 0o600)
    _fsync(partial)
    os.replace(partial, target)
    _fsync(where)
    for stale in backups(library_path)[:-keep]:
        stale.unlink(missing_ok=True)
    return target


def discard_all(library_path: Path) -> int:
    """Delete every backup (and half-made one) of this library; returns how many.

    Forget uses it: each older backup may hold the forgotten person, and a copy that brings
    a forgotten name back on restore is exactly what the user asked album not to keep.
    """
    where = folder(library_path)
    if not where.is_dir():
        return 0
    doomed = [*backups(library_path), *where.glob(f"{library_path.stem}-*{PARTIAL}")]
    for path in doomed:
        path.unlink(missing_ok=True)
    return len(doomed)


def _discard_partials(where: Path, library_path: Path) -> None:
    """Half-made copies left by a process killed mid-backup (not by one making one now)."""
    for path in where.glob(f"{library_path.stem}-*{PARTIAL}"):
        pid = path.name[: -len(PARTIAL)].rsplit(".", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and alive(int(pid)):
            continue
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Make a finished backup (or its folder entry) durable before it counts as one."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
