"""Backup copies of the library: before each migration, once a day, and a clean one after forget.

A backup is made through SQLite, never by copying the file: a live library keeps its latest
commits in the `-wal` file beside it, so a file copy can miss them or catch a page half-written.
A fresh file gets the library's schema, then every table's rows are copied into it inside one
read transaction of the library (one consistent snapshot). Face crops are not in it: since
v4 they live in a cache file beside the library (`album.store.crop_cache`), and a v3
library's `face_crops` table is left out of the backup taken before its upgrade (derived
from the photos, re-made on demand, 80 % of the bytes), while decisions and embeddings are
what cannot be re-made.

It first writes to a `.partial` name and renames only once the copy is complete and on disk, so
a kill during a backup never leaves a broken file that looks like the newest good backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

from album.processes import alive

BACKUPS_KEPT = 5
BACKUP_INTERVAL = 24 * 3600.0  # seconds between scheduled backups
FOLDER_NAME = "backups"
PARTIAL = ".partial"
# Re-made from the photos on demand, so never worth a backup's bytes (a v3 library's).
DERIVED_TABLES = frozenset({"face_crops"})


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


def fingerprint(conn: sqlite3.Connection, schema: str = "main") -> str:
    """What a backup would hold, summed up: equal for a library and its newest backup while
    nothing has changed since, so the day's backup can be skipped.

    Per table (crops aside): the row count and, per column, a sum over each value's number
    (a number itself, a text's length and first character, a blob's length) weighted by the
    row's first column (its key), so moving a value between rows shows too. It reads no row
    twice and no blob's bytes: 150k faces take about a second.
    """
    parts = []
    tables = conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    for (name,) in tables:
        if name in DERIVED_TABLES:
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        columns = [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({quoted})")]
        values = [_number('"' + column.replace('"', '""') + '"') for column in columns]
        terms = ["count(*)"]
        key = f"({values[0]} % 1000003 + 1)"
        terms += [f"total({value} * {key})" for value in values]
        row = conn.execute(f"SELECT {', '.join(terms)} FROM {schema}.{quoted}").fetchone()
        parts.append(f"{name}:{','.join(repr(v) for v in row)}")
    return ";".join(parts)


def _number(c: str) -> str:
    return (
        f"(CASE typeof({c}) WHEN 'text' THEN length({c}) * 1000 + unicode({c}) "
        f"WHEN 'blob' THEN length({c}) WHEN 'null' THEN 0.5 ELSE {c} END)"
    )


def unchanged_since_last(library_path: Path, conn: sqlite3.Connection) -> bool:
    """Whether the newest backup already holds everything the library holds now."""
    existing = backups(library_path)
    if not existing:
        return False
    try:
        copy = sqlite3.connect(f"{existing[-1].as_uri()}?mode=ro", uri=True)
        try:
            return fingerprint(copy) == fingerprint(conn)
        finally:
            copy.close()
    except sqlite3.Error:
        return False


def stamped_name(where: Path, stem: str, suffix: str = "") -> Path:
    """`STEM-YYYYmmdd-HHMMSS{suffix}.db` in `where`, numbered when one of that second exists."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = where / f"{stem}-{stamp}{suffix}.db"
    counter = 1
    while target.exists():
        counter += 1
        target = where / f"{stem}-{stamp}{suffix}-{counter}.db"
    return target


def take(library_path: Path, *, reason: str, keep: int = BACKUPS_KEPT) -> Path:
    """A consistent copy of the live library (without its crops) in `backups/`, keeping only
    the newest `keep`. It reads through its own connection, so any thread may take one."""
    where = folder(library_path)
    where.mkdir(mode=0o700, exist_ok=True)
    os.chmod(where, 0o700)
    _discard_partials(where, library_path)
    target = stamped_name(where, library_path.stem, f"-{reason}")
    # The pid (and thread) keeps two backups taken at the same moment out of each other's way.
    partial = target.with_name(f"{target.name}.{_maker()}{PARTIAL}")
    old_umask = os.umask(0o077)
    try:
        _copy(library_path, partial)
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


def _copy(library_path: Path, partial: Path) -> None:
    """Schema and rows of every table but the derived crops, from one snapshot of the library.

    A library without crops (v4 on) is copied whole by VACUUM INTO: measured at 150k faces
    on a loaded machine, 2.4 s against 6.1 s for the table-by-table copy below. A v3 library
    (only its backup before the upgrade) still has its crops table, left out this way:
    tables are created first and filled, indexes and triggers built after (faster than
    keeping them up to date row by row); the copy needs no journal: a failure deletes it."""
    library = sqlite3.connect(library_path, isolation_level=None)
    try:
        library.execute("PRAGMA busy_timeout = 30000")
        marks = ", ".join("?" * len(DERIVED_TABLES))
        derived = library.execute(
            f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ({marks})",
            sorted(DERIVED_TABLES),
        ).fetchone()
        if not derived:
            library.execute("VACUUM INTO ?", (str(partial),))
            return
    finally:
        library.close()
    conn = sqlite3.connect(partial, isolation_level=None)
    try:
        # main. only: without a schema name SQLite makes OFF the default of every database
        # attached later too, the live library included (issue 18 asked; it only reads here,
        # and its WAL file makes SQLite read it in WAL mode, but nothing should rest on that).
        conn.execute("PRAGMA main.journal_mode = OFF")
        conn.execute("PRAGMA main.synchronous = OFF")
        conn.execute("ATTACH DATABASE ? AS library", (str(library_path),))
        conn.execute("PRAGMA library.busy_timeout = 30000")
        conn.execute("BEGIN")
        schema = conn.execute(
            "SELECT type, name, sql FROM library.sqlite_master "
            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
        version = conn.execute("PRAGMA library.user_version").fetchone()[0]
        tables = [name for kind, name, _ in schema if kind == "table"]
        for kind, _, sql in schema:
            if kind == "table":
                conn.execute(sql)
        for name in tables:
            if name not in DERIVED_TABLES:
                quoted = '"' + name.replace('"', '""') + '"'
                conn.execute(f"INSERT INTO main.{quoted} SELECT * FROM library.{quoted}")
        sequences = conn.execute(
            "SELECT 1 FROM library.sqlite_master WHERE name = 'sqlite_sequence'"
        ).fetchone()
        if sequences:
            conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM library.sqlite_sequence")
        for kind, _, sql in schema:
            if kind != "table":
                conn.execute(sql)
        conn.execute(f"PRAGMA main.user_version = {int(version)}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE library")
    finally:
        conn.close()


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
        maker = path.name[: -len(PARTIAL)].rsplit(".", 1)[-1]
        pid = maker.split("-", 1)[0]
        if maker == _maker():
            pass  # this thread's own leftover: nothing of ours is writing it now
        elif pid.isdigit() and alive(int(pid)):
            continue
        path.unlink(missing_ok=True)


def _maker() -> str:
    return f"{os.getpid()}-{threading.get_ident()}"


def _fsync(path: Path) -> None:
    """Make a finished backup (or its folder entry) durable before it counts as one."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
