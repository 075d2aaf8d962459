"""Opening the library file: permissions, pragmas, versions, migrations, backups.

The library holds biometric data (face embeddings) and a person's own decisions, so it is
private (file 0600 in a 0700 folder), durable (WAL, synchronous=FULL: a kill after a commit
returns loses nothing), backed up (before each migration and once a day, see `backup`) and
never opened for writing by an album older than the one that wrote it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from album.store import backup, named_groups
from album.store.backup import BACKUP_INTERVAL, BACKUPS_KEPT
from album.store.crop_cache import CropCache
from album.store.schema import CROPS_LEAVE_VERSION, LATEST_VERSION, MIGRATIONS, V3_CROP_SIDE

BUSY_TIMEOUT_MS = 30_000
SCRUB_KEY = "scrub_pending"
# Forget's VACUUM builds the new file in memory below this size (no temporary file on disk
# ever holds the data); above it, SQLite's temporary folder is used.
SCRUB_IN_MEMORY = 1 << 30
MOUNTINFO = Path("/proc/self/mountinfo")
# SQLite's locking is unreliable on these (and WAL needs all users on one computer).
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "coda", "9p", "ceph",
        "glusterfs", "lustre", "gpfs", "beegfs", "davfs", "fuse.sshfs", "fuse.rclone",
        "fuse.s3fs", "fuse.davfs2", "fuse.glusterfs", "fuse.ceph", "fuse.gcsfuse",
        "fuse.goofys", "fuse.juicefs", "fuse.smbnetfs", "fuse.curlftpfs",
    }
)  # fmt: skip

log = logging.getLogger(__name__)
_warned: set[tuple[Path, str]] = set()


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
    else:
        _make_private(path)


def _make_private(path: Path) -> None:
    """A library copied in with a looser mode becomes 0600 (SQLite gives its -wal the same)."""
    with contextlib.suppress(OSError):
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, 0o600)


@dataclass(frozen=True)
class Writing:
    """What `Library.write()` hands its caller: the connection, inside the transaction.

    A plain holder rather than sqlite-utils' Database: importing sqlite-utils (and the numpy
    it pulls in) took 0.5 s, which every `album` command paid just to open the library."""

    conn: sqlite3.Connection


class Library:
    """A connection to one library file. Use one per thread; writes go through `write()`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = Writing(conn)
        self._savepoints = 0
        self._crops: CropCache | None = None

    @property
    def crops(self) -> CropCache:
        """The face crops beside the library (`album.store.crop_cache`), opened on first use.
        Crops staged inside `write()` are written once the library's transaction commits."""
        if self._crops is None:
            self._crops = CropCache(self.path)
        return self._crops

    @classmethod
    def open(
        cls, path: Path | str, *, migrate: bool = True, scheduled_backup: bool = True
    ) -> Library:
        """Open (creating if needed) and bring up to date. `migrate=False` only reads: no
        migration, no scheduled backup. `scheduled_backup=False`: the caller takes the day's
        backup itself (the window does, in the background once it is up)."""
        path = Path(path).expanduser().absolute()
        if path.exists() and path.is_dir():
            raise LibraryError(f"the library path {path} is a folder, not a file")
        _prepare_location(path)
        try:
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Read the version before changing anything: a newer album's library stays as it is.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise LibraryError(
                f"{path} is not an album library (or it is damaged): {exc}"
            ) from None
        if version > LATEST_VERSION:
            conn.close()
            raise LibraryError(
                f"{path} was written by a newer album (library version {version}; this album "
                f"reads up to {LATEST_VERSION}). Install the newer album to open it; this one "
                "leaves it untouched."
            )
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LibraryError(
                f"{path} is not an album library (or it is damaged): {exc}"
            ) from None
        library = cls(path, conn)
        library.warnings = []
        network = network_filesystem(path.parent)
        if network:
            library._warn(
                f"the library {path} is on a network file system ({network}). SQLite cannot "
                "lock files reliably there: two computers using it at once, or a dropped "
                "connection, can damage it. Keep the library on a local disk (--library or "
                "$ALBUM_LIBRARY) and only the photos on the network."
            )
        if mode.lower() != "wal":
            library.journal_warning = f"the library could not use WAL mode ({mode})"
            library._warn(library.journal_warning)
        if migrate:
            if version < LATEST_VERSION:
                library._migrate(version)
            library._after_open(fresh=version == 0, scheduled_backup=scheduled_backup)
        return library

    journal_warning: str | None = None
    warnings: list[str]

    def _warn(self, message: str) -> None:
        """Shown once per library and process on stderr (logging's last resort) and kept for
        the window and `album check`."""
        self.warnings.append(message)
        if (self.path, message) not in _warned:
            _warned.add((self.path, message))
            log.warning("album: warning: %s", message)

    def _after_open(self, *, fresh: bool, scheduled_backup: bool) -> None:
        """Finish a forget that a kill interrupted; take the day's backup."""
        if self.meta(SCRUB_KEY):
            self.scrub()
        if named_groups.is_pending(self.conn):  # a kill came between a naming and its settle
            with self.write() as db:
                named_groups.settle(db.conn)
        if scheduled_backup and not fresh:
            self.scheduled_backup()

    def scheduled_backup(self) -> Path | None:
        """The day's backup, when one is due and the library changed since the newest one
        (a library left alone keeps its last good backup rather than five copies of it).
        Never raises: a failed backup is a warning, never a reason not to use the library."""
        try:
            if not backup.due(self.path, BACKUP_INTERVAL) or not self._has_content():
                return None
            if backup.unchanged_since_last(self.path, self.conn):
                return None
            return self.backup(reason="scheduled")
        except (sqlite3.Error, OSError) as exc:
            self._warn(f"could not back up the library: {exc}")
            return None

    def _has_content(self) -> bool:
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM photos) OR EXISTS (SELECT 1 FROM people)"
        ).fetchone()
        return bool(row[0])

    def close(self) -> None:
        if self._crops is not None:
            self._crops.close()
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Writing]:
        """One short write transaction. IMMEDIATE takes the write lock up front, so two writers
        wait for each other (busy timeout) instead of failing on a read-to-write upgrade."""
        if self.conn.in_transaction:
            self._savepoints += 1
            name = f"album_{self._savepoints}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            finally:
                self._savepoints -= 1
            self.conn.execute(f"RELEASE {name}")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if self._crops is not None:
                self._crops.discard()
            raise
        self.conn.execute("COMMIT")
        if self._crops is not None:
            # After the commit and outside the library's lock: a crop never waits on it,
            # and one of a rolled-back face is never written.
            self._crops.flush()

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, version: int) -> None:
        if version > 0:
            try:
                self.backup(reason=f"before-v{LATEST_VERSION}")
            except (sqlite3.Error, OSError) as exc:
                self.close()
                raise LibraryError(
                    f"cannot back up {self.path} before upgrading it to this album, so it "
                    f"stays as it is: {exc}"
                ) from None
        for number in range(version + 1, LATEST_VERSION + 1):
            with self.write() as db:
                # Another album process opening the same library may have migrated it since
                # the version was read (the crash loop's editor met a scan doing so): the
                # write lock is held now, so the version read here is the truth.
                if db.conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                    continue
                # executescript() would commit on its own; one statement at a time keeps it atomic.
                if number == CROPS_LEAVE_VERSION:
                    self._crops_to_cache()
                for statement in _statements(MIGRATIONS[number - 1]):
                    db.conn.execute(statement)
                db.conn.execute(f"PRAGMA user_version = {number}")
        if version < CROPS_LEAVE_VERSION <= LATEST_VERSION:
            self._shrink()

    def _crops_to_cache(self) -> None:
        """v4: the crops a v3 library holds move to the cache file as they are (JPEG at the
        side the scan cut them), so no avatar has to be re-made from its photo. Best effort:
        a cache that cannot take them only means they are re-made on demand."""
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'face_crops'"
        ).fetchone()
        if not exists:
            return
        try:
            self.crops.import_crops(self.path, V3_CROP_SIDE)
        except sqlite3.Error as exc:
            self._warn(f"face crops could not move to the cache; they are re-made: {exc}")

    def _shrink(self) -> None:
        """The dropped crops leave free pages behind: VACUUM gives them back to the disk (a
        928 MB library of 150k faces becomes about 150 MB), then the WAL that held the new
        pages is emptied. A library another process keeps busy stays large until `album
        check`; nothing is lost either way."""
        try:
            self.conn.execute("VACUUM")
            self._checkpoint()
        except sqlite3.OperationalError as exc:
            self._warn(f"could not compact the library after moving its crops out: {exc}")

    def backup(self, *, reason: str = "scheduled", keep: int = BACKUPS_KEPT) -> Path:
        """A consistent copy of the live library's decisions and embeddings in `backups/`."""
        return backup.take(self.path, reason=reason, keep=keep)

    def scrub(self) -> bool:
        """Leave no byte of deleted rows in any file of the library (after forget).

        A DELETE only unlinks rows: their bytes stay in free pages, in the `-wal` file and in
        every backup. VACUUM rewrites every page of the file from the live rows alone; older
        backups are deleted and one clean copy is taken; a TRUNCATE checkpoint moves the new
        pages into the file and empties the `-wal`. Until that last step succeeds the library
        keeps SCRUB_KEY set, so a kill (or a reader that held the old pages) only delays it to
        the next open. Returns whether it finished now.
        """
        self.set_meta(SCRUB_KEY, "1")
        size = self.conn.execute(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
        ).fetchone()[0]
        if size < SCRUB_IN_MEMORY:
            self.conn.execute("PRAGMA temp_store = MEMORY")
        try:
            self.conn.execute("VACUUM")
        except sqlite3.OperationalError:  # another process kept the library busy: next open
            return False
        finally:
            self.conn.execute("PRAGMA temp_store = DEFAULT")
        backup.discard_all(self.path)
        try:
            clean = self.backup(reason="after-forget")
            _drop_meta(clean, SCRUB_KEY)
        except (sqlite3.Error, OSError) as exc:
            self._warn(f"could not take a clean backup after forgetting: {exc}")
        # The cache beside the library: every crop not of a face still shown goes (the
        # forgotten person's, or those a kill left behind), and its WAL is emptied.
        self.crops.sweep(self.conn)
        if not self.crops.checkpoint():
            return False
        if not self._checkpoint():
            return False
        with self.write() as db:
            db.conn.execute("DELETE FROM meta WHERE key = ?", (SCRUB_KEY,))
        return self._checkpoint()

    def _checkpoint(self) -> bool:
        """Copy the WAL into the file and truncate it to zero bytes; False if a reader kept
        old pages in use past the busy timeout."""
        busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy == 0

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


def _drop_meta(path: Path, key: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))
    finally:
        conn.close()


def filesystem_type(path: Path | str) -> str | None:
    """The file system type holding `path` (Linux: from /proc/self/mountinfo), or None."""
    try:
        text = MOUNTINFO.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    target = os.path.realpath(path)
    best, kind = -1, None
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, after = left.split(), right.split()
        if not sep or len(fields) < 5 or not after:
            continue
        point = _unescape(fields[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= best:  # the last of equal mount points is the one seen
            best, kind = len(point), after[0]
    return kind


def network_filesystem(path: Path | str) -> str | None:
    """The network file system type holding `path`, or None on a local disk."""
    kind = filesystem_type(path)
    if kind is None:
        return None
    return kind if kind in NETWORK_FILESYSTEMS or kind.split(".")[0] in {"nfs", "cifs"} else None


def _unescape(field: str) -> str:
    """Mount points in mountinfo write space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


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
