"""The open after damage: check the library, restore it if it must be, and say what came back.

`album.store.damage` leaves a note when a session saw the library fail. The next open (the
window's, or `album check`) runs `recover`:

1. SQLite's integrity check over every page. Damage confined to indexes is repaired by REINDEX.
2. Still damaged: what can be read is salvaged first (the edit log, the folders, the names),
   then the newest backup that passes its own integrity check is written over the library
   through SQLite's backup API (never a file copy), then the salvaged edits newer than the
   backup are applied again (each edit logs the state it left, so names come back), and the
   folders are marked to scan again (`scan_queue`), so the photos analyzed since the backup
   are analyzed again when the window starts.
3. The report says what came back and what did not, in words for a person.

Nothing here deletes a backup or the copy kept when the damage was seen.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from album.store import backup, damage, edits, scan_queue
from album.store.library import BUSY_TIMEOUT_MS, Library
from album.terminal import counted

MAX_SHOWN = 20


@dataclass
class Salvage:
    """What could still be read from a damaged library."""

    edits: list[tuple[int, bool, dict]] = field(default_factory=list)  # id, undone, after
    roots: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    unfinished: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class RecoveryReport:
    damage: list[str] = field(default_factory=list)  # what the integrity check found
    repaired: bool = False  # REINDEX was enough
    restored_from: Path | None = None
    replayed: int = 0  # edits applied again after the restore
    names_back: list[str] = field(default_factory=list)
    names_lost: list[str] = field(default_factory=list)
    rescan: list[str] = field(default_factory=list)  # folders marked to scan again
    unreadable: list[str] = field(default_factory=list)  # what the damage hid from salvage
    failed: str | None = None  # could not be made sound: what is wrong, what to do
    copy: str | None = None  # the copy kept when the damage was seen

    @property
    def sound(self) -> bool:
        return self.failed is None

    def lines(self) -> list[str]:
        """The report, a sentence a line, for the window's banner and `album check`."""
        said = []
        if self.failed:
            said.append(self.failed)
        elif not self.damage:
            said.append("album checked the library: it is sound.")
        elif self.repaired:
            said.append("album checked the library and rebuilt its damaged indexes.")
        elif self.restored_from is not None:
            said.append(
                f"The library was damaged; album restored it from the backup "
                f"{self.restored_from.name}."
            )
            if self.replayed:
                said.append(f"{self.replayed} edits made since that backup were applied again.")
            if self.names_back:
                said.append(f"Names back: {', '.join(self.names_back[:MAX_SHOWN])}.")
            if self.unreadable:
                said.append(f"Unreadable in the damaged library: {'; '.join(self.unreadable)}.")
            if self.names_lost:
                said.append(
                    "Names that could not be brought back (name these people again): "
                    f"{', '.join(self.names_lost[:MAX_SHOWN])}."
                )
        if self.rescan:
            count = len(self.rescan)
            said.append(
                f"{counted(count, 'folder')} {'is' if count == 1 else 'are'} scanned again to "
                "find any photo analyzed since; their faces come back with them."
            )
        if self.copy:
            said.append(f"The library as it was when the damage was seen is kept at {self.copy}.")
        return said


def recover(library_path: Path) -> RecoveryReport:
    """Check the library and make it sound again (see the module's steps)."""
    note = damage.pending(library_path)
    report = RecoveryReport(copy=note.copy if note else None)
    try:
        conn = _connect(library_path)
    except sqlite3.Error as exc:
        report.damage = [str(exc)]
        return _restore(library_path, report, Salvage(problems=[str(exc)]))
    try:
        report.damage = _integrity(conn)
        if report.damage:
            try:
                conn.execute("REINDEX")
                report.repaired = not _integrity(conn)
            except sqlite3.Error:
                report.repaired = False
        salvage = None if not report.damage or report.repaired else _salvage(conn)
    finally:
        conn.close()
    if salvage is not None:
        return _restore(library_path, report, salvage)
    if note is not None:
        # Sound, yet the session that saw the error may have lost commits that never
        # reached the file: scan every folder again, so a lost photo comes back.
        with Library.open(library_path) as library:
            report.rescan = _mark_for_rescan(library, [])
        damage.clear(library_path)
    return report


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _integrity(conn: sqlite3.Connection) -> list[str]:
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def _salvage(conn: sqlite3.Connection) -> Salvage:
    """Every row of what matters that SQLite can still read, table by table."""
    found = Salvage()
    try:
        for edit_id, undone, after in conn.execute("SELECT id, undone, after FROM edits"):
            try:
                found.edits.append((int(edit_id), bool(undone), json.loads(after)))
            except (ValueError, TypeError):
                continue
    except sqlite3.DatabaseError as exc:
        found.problems.append(f"edit log: {exc}")
    try:
        found.roots = [r[0] for r in conn.execute("SELECT path FROM roots")]
    except sqlite3.DatabaseError as exc:
        found.problems.append(f"folders: {exc}")
    try:
        found.names = {r[0] for r in conn.execute("SELECT name FROM people WHERE name IS NOT NULL")}
    except sqlite3.DatabaseError as exc:
        found.problems.append(f"names: {exc}")
    try:
        row = conn.execute(
            "SELECT value FROM meta WHERE key = ?", (scan_queue.UNFINISHED_KEY,)
        ).fetchone()
        found.unfinished = [p for p in json.loads(row[0]) if isinstance(p, str)] if row else []
    except (sqlite3.DatabaseError, ValueError, TypeError):
        pass
    return found


def _good_backup(library_path: Path) -> Path | None:
    for candidate in reversed(backup.backups(library_path)):
        try:
            conn = sqlite3.connect(f"{candidate.as_uri()}?mode=ro", uri=True)
            try:
                if not _integrity(conn):
                    return candidate
            finally:
                conn.close()
        except sqlite3.Error:
            continue
    return None


def _restore(library_path: Path, report: RecoveryReport, salvage: Salvage) -> RecoveryReport:
    source = _good_backup(library_path)
    if source is None:
        report.failed = (
            "The library is damaged and there is no sound backup to restore it from. Your "
            "photos are untouched; the damaged library is left as it is for `album check`."
        )
        return report
    try:
        target = _connect(library_path)
        try:
            origin = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
            try:
                origin.backup(target)  # page by page, through SQLite, into the live file
            finally:
                origin.close()
        finally:
            target.close()
    except sqlite3.Error as exc:
        report.failed = (
            f"The library is damaged and restoring it from {source.name} failed ({exc}). "
            "Your photos are untouched; the damaged library is left as it is."
        )
        return report
    report.restored_from = source
    report.unreadable = salvage.problems
    with Library.open(library_path) as library:
        report.replayed = _replay(library, salvage.edits)
        # A name counts as back when its person has faces again (a replayed edit of faces
        # the backup never had brings the name alone; the user names them again after the
        # rescan, and the name offers to merge).
        have = {
            r[0]
            for r in library.conn.execute(
                "SELECT p.name FROM people p WHERE p.name IS NOT NULL AND EXISTS "
                "(SELECT 1 FROM faces f WHERE f.person_id = p.id AND f.removed = 0)"
            )
        }
        report.names_back = sorted(n for n in salvage.names if n in have)
        report.names_lost = sorted(salvage.names - have)
        report.rescan = _mark_for_rescan(library, salvage.roots + salvage.unfinished)
    damage.clear(library_path)
    return report


def _replay(library: Library, logged: list[tuple[int, bool, dict]]) -> int:
    """The edits the backup does not hold, applied again in order (each one's "after")."""
    newest = library.conn.execute("SELECT coalesce(max(id), 0) FROM edits").fetchone()[0]
    later = sorted(e for e in logged if e[0] > newest and not e[1])
    replayed = 0
    for _, _, after in later:
        try:
            with library.write() as db:
                edits.restore(db.conn, after)
            replayed += 1
        except (sqlite3.Error, KeyError, TypeError, ValueError):
            continue  # an edit of faces the backup never had: their photos are rescanned
    return replayed


def _mark_for_rescan(library: Library, extra: list[str]) -> list[str]:
    from album.store import photos

    folders = list(dict.fromkeys(photos.roots(library) + extra))
    if folders:
        scan_queue.record(library, folders)
    return folders
