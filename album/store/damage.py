"""When the library reports damage: recognise it, keep a copy, and leave word for the next open.

In the issue 18 trial the window showed "disk I/O error" for fifteen seconds, then looked
normal while the work it had shown was gone. An I/O or corruption error from SQLite is never
a passing problem: album stops writing, keeps a copy of the library as SQLite reads it now
(through SQLite's backup API: a plain file copy of a live library can miss its `-wal` or
catch a page half-written), and writes a note beside it (`library.db.damaged`, a plain JSON
file that is not one of SQLite's) so that the next open checks the library and restores what
it must (`album.store.recovery`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from album.store.backup import stamped_name

MARKER_SUFFIX = ".damaged"
COPIES_FOLDER = "damaged"
# SQLite's primary result codes that mean the file or the disk failed, not a busy or a bug.
DAMAGE_CODES = ("SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_CANTOPEN")
# The same, as SQLite words them, for errors that reach us as text (the regroup process's).
DAMAGE_WORDS = (
    "disk i/o error",
    "database disk image is malformed",
    "file is not a database",
    "unable to open database file",
)


def is_damage(error: BaseException | str) -> bool:
    """Whether an error (or any error it came from) says the library's files are damaged."""
    if isinstance(error, str):
        text = error.lower()
        return any(word in text for word in DAMAGE_WORDS)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = getattr(current, "sqlite_errorname", "") or ""
        if name.startswith(DAMAGE_CODES) or getattr(current, "damage", False):
            return True
        if is_damage(str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False


@dataclass
class DamageNote:
    """What the window saw, kept beside the library until the next open has dealt with it."""

    at: float
    errors: list[str] = field(default_factory=list)
    copy: str | None = None  # the copy kept of the library as it was
    copy_error: str | None = None


def marker_path(library_path: Path) -> Path:
    return library_path.with_name(library_path.name + MARKER_SUFFIX)


def pending(library_path: Path) -> DamageNote | None:
    """The note an earlier session left, or None."""
    try:
        data = json.loads(marker_path(library_path).read_text(encoding="utf-8"))
        return DamageNote(
            at=float(data.get("at", 0.0)),
            errors=[str(e) for e in data.get("errors", [])],
            copy=data.get("copy"),
            copy_error=data.get("copy_error"),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, AttributeError):
        return DamageNote(at=0.0, errors=["the note about earlier damage was unreadable"])


def record(library_path: Path, error: str) -> DamageNote:
    """Keep a copy of the library as it is and write the note (added to one already there)."""
    note = pending(library_path) or DamageNote(at=time.time())
    note.errors.append(error)
    if note.copy is None:
        try:
            note.copy = str(keep_copy(library_path))
        except (sqlite3.Error, OSError) as exc:
            note.copy_error = str(exc)
    _write(marker_path(library_path), json.dumps(asdict(note), indent=1))
    return note


def clear(library_path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        marker_path(library_path).unlink()


def keep_copy(library_path: Path) -> Path:
    """A copy of every page SQLite can read now, in `damaged/` beside the library (0600)."""
    where = library_path.parent / COPIES_FOLDER
    where.mkdir(mode=0o700, exist_ok=True)
    target = stamped_name(where, library_path.stem)
    old_umask = os.umask(0o077)
    try:
        source = sqlite3.connect(f"{library_path.as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    finally:
        os.umask(old_umask)
    return target


def _write(path: Path, text: str) -> None:
    """Write-then-rename, so a crash never leaves half a note."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
