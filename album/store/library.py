"""Opening the library file: permissions, pragmas, versions, migrations, backups.

The library holds biometric data (face embeddings) and a person's own decisions, so it is
private (file 0600 in a 0700 folder), durable (WAL, synchronous=FULL: a kill after a commit
returns loses nothing) and never migrated without a backup copy first.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from album.store.schema import LATEST_VERSION, MIGRATIONS

BUSY_TIMEOUT_MS = 30_000
BACKUPS_KEPT = 5


class LibraryError(Exception):
    """The library cannot be opened or used; the message says why, for the user."""


def _prepare_location(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise LibraryError(
                f"cannot create the library folder {folder}: {exc.strerror}"
            ) from None
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise LibraryError(f"cannot create the library {path}: {exc.strerror}") from None
    elif not os.access(path, os.R_OK | os.W_OK):
        raise LibraryError(f"the library {path} is not readable and writable by you")


class Library:
    """A connection to one library file. Use one per thread; writes go through `write()`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)

    @classmethod
    def open(cls, path: Path | str, *, migrate: bool = True) -> Library:
        path = Path(path).expanduser().absolute()
        if path.exists() and path.is_dir():
            raise LibraryError(f"the library path {path} is a folder, not a file")
        _prepare_location(path)
        try:
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise LibraryError(
                f"{path} is not an album library (or it is damaged): {exc}"
            ) from None
        library = cls(path, conn)
        if mode.lower() != "wal":
            library.journal_warning = f"the library could not use WAL mode ({mode})"
        if version > LATEST_VERSION:
            conn.close()
            raise LibraryError(
                f"{path} was written by a newer album (library version {version}; this album "
                f"reads up to {LATEST_VERSION}). Install the newer album to open it."
            )
        if version < LATEST_VERSION and migrate:
            library._migrate(version)
        return library

    journal_warning: str | None = None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One short write transaction. IMMEDIATE takes the write lock up front, so two writers
        wait for each other (busy timeout) instead of failing on a read-to-write upgrade."""
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, version: int) -> None:
        if version > 0:
            self.backup(reason=f"before-v{LATEST_VERSION}")
        for number in range(version + 1, LATEST_VERSION + 1):
            with self.write() as db:
                # executescript() would commit on its own; one statement at a time keeps it atomic.
                for statement in _statements(MIGRATIONS[number - 1]):
                    db.conn.execute(statement)
                db.conn.execute(f"PRAGMA user_version = {number}")

    def backup(self, *, reason: str = "scheduled", keep: int = BACKUPS_KEPT) -> Path:
        """A consistent copy of the live library beside it (VACUUM INTO, never a file copy)."""
        folder = self.path.parent / "backups"
        folder.mkdir(mode=0o700, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = folder / f"{self.path.stem}-{stamp}-{reason}.db"
        counter = 1
        while target.exists():
            counter += 1
            target = folder / f"{self.path.stem}-{stamp}-{reason}-{counter}.db"
        old_umask = os.umask(0o077)
        try:
            self.conn.execute("VACUUM INTO ?", (str(target),))
        finally:
            os.umask(old_umask)
        os.chmod(target, 0o600)
        backups = sorted(folder.glob(f"{self.path.stem}-*.db"), key=lambda p: p.stat().st_mtime)
        for stale in backups[:-keep]:
            stale.unlink(missing_ok=True)
        return target

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as db:
            db.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (sqlite3.complete_statement knows where they end)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
