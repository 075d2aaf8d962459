"""Face crops and photo thumbnails in a cache file beside the library: derived pixels, never
a decision.

The avatars of 150,000 faces were 762 MB of a 928 MB library, so every backup, VACUUM and
page read paid for pictures that can be cut from the photos again at any time. They live
in `<library>.cache` now (`library.db` -> `library.db.cache`), which album may lose at any
moment: deleted, damaged or from another album, it is replaced by an empty one and each
avatar is re-made from its photo the first time a view shows it (`album.faces.crops`).

Why a SQLite file and not a folder of images: 150,000 files of 3 KB cost a 4 KB block and
an inode each, take minutes to delete, and need a write-then-rename each to never show a
half-written picture; one file holds them in 4 KB pages, writes a batch in one transaction
and is one thing to delete. WAL lets the window's picture threads read while the scan
writes. Why beside the library rather than in XDG's cache folder: a library is any path
(`--library`), and its cache must follow it when it is moved or copied with its folder,
in the same private (0700) folder.

Photo thumbnails (the Photos and Places grids) live here too, so a reopened library shows a
screen of photos without decoding one: a 12-megapixel JPEG takes tens of milliseconds to
shrink, its cached thumbnail a millisecond to read. A thumbnail is trusted only for the file
size and time it was made from.

A row is only trusted for the face it was cut for: it keeps the face's photo and box, and
a face that was re-detected, forgotten, or whose id was reused after a rolled-back scan
simply does not match any more. Nothing here can show a wrong face or lose a name.

Writers: the scan's writer thread (crops staged while it saves a batch, written in one
short transaction after the library's commit) and the picture threads re-making a missing
crop. Writes are best effort: a write that finds the cache busy or broken is dropped (the
crop is re-made next time), so no writer ever waits long on it and readers never wait.
`secure_delete` zeroes a deleted crop's bytes, and a forget ends with a checkpoint that
empties the WAL, so a forgotten person's face does not stay on disk here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

SUFFIX = ".cache"
FORMAT = 1  # PRAGMA user_version of a cache this album reads; any other is replaced
BUSY_TIMEOUT_MS = 2000
CHUNK = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS crops (
    face_id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL,      -- the face it was cut for: photo and box at the time
    box TEXT NOT NULL,              -- 'top,right,bottom,left' in the upright photo's pixels
    side INTEGER NOT NULL,          -- pixels per side of the square picture
    crop BLOB NOT NULL              -- WebP (or the JPEG of a library from before the cache)
);
CREATE INDEX IF NOT EXISTS crops_photo ON crops(photo_id);
"""
# Added after FORMAT 1 caches existed: made on open when missing, so no cache is thrown away.
THUMBNAILS = """
CREATE TABLE IF NOT EXISTS thumbnails (
    photo_id INTEGER PRIMARY KEY,
    stamp TEXT NOT NULL,            -- 'size:mtime_ns' of the file it was made from
    side INTEGER NOT NULL,          -- its longer side, in pixels
    picture BLOB NOT NULL           -- JPEG
)
"""

log = logging.getLogger(__name__)

# Held while a cache's files are opened or replaced. Without it a thumbnail thread could open
# the cache between another thread's deleting the broken file and deleting its -shm: SQLite
# then took the old -shm for the new file and truncated it under a third thread that still
# had it mapped, and that thread died of SIGBUS (seen once in test_crop_cache).
_FILES = threading.RLock()

Box = tuple[int, int, int, int]


def cache_path(library_path: Path) -> Path:
    return library_path.with_name(library_path.name + SUFFIX)


def box_key(box: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in box)


def _companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


class CropCache:
    """One connection (one thread) to a library's crop cache, opened on first use."""

    def __init__(self, library_path: Path) -> None:
        self.path = cache_path(library_path)
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None
        # face id -> the crop to write, or None: delete it (a face the scan no longer finds)
        self._pending: dict[int, tuple[int, str, int, bytes] | None] = {}
        self.damage: list[str] = []  # why a broken cache was replaced, for `album check`

    # -- connection ------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None and self._same_file():
            return self._conn
        self._close()
        try:
            return self._open()
        except sqlite3.OperationalError:  # busy, or cannot be created: not damage
            raise
        except sqlite3.DatabaseError as exc:  # not a database, a newer format, damaged
            log.info("album: replacing the crop cache %s: %s", self.path, exc)
            self.reset(str(exc))
            return self._open()

    def _open(self) -> sqlite3.Connection:
        with _FILES:
            return self._open_file()

    def _open_file(self) -> sqlite3.Connection:
        if not self.path.exists():
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            except OSError as exc:  # a read-only folder: no cache, crops are made each time
                raise sqlite3.OperationalError(f"cannot create {self.path}: {exc}") from None
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, FORMAT):
                raise sqlite3.DatabaseError(f"cache format {version}, this album writes {FORMAT}")
            conn.execute("PRAGMA journal_mode = WAL")
            # Losing the last commits of a cache costs a re-made crop, never a decision.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")
            if version == 0:
                conn.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {FORMAT}")
                conn.execute("COMMIT")
            with contextlib.suppress(sqlite3.OperationalError):  # busy: made on a later open
                conn.execute(THUMBNAILS)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._inode = self._current_inode()
        return conn

    def _current_inode(self) -> int | None:
        try:
            return self.path.stat().st_ino
        except OSError:
            return None

    def _same_file(self) -> bool:
        """Another connection may have replaced a broken cache: follow it to the new file."""
        return self._inode is not None and self._current_inode() == self._inode

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        self._pending.clear()
        self._close()

    def reset(self, why: str = "unreadable") -> None:
        """Replace the cache with an empty one (it is damaged or unreadable). Only the file
        this connection opened is deleted, never one another thread has just made."""
        mine = self._inode
        self._close()
        with _FILES:
            current = self._current_inode()
            if mine is None or current is None or current == mine:
                for path in _companions(self.path):
                    with contextlib.suppress(OSError):
                        path.unlink(missing_ok=True)
        self._inode = None
        self.damage.append(why)

    # -- reading and writing ---------------------------------------------------------------

    def get(self, face_id: int, photo_id: int, box: Box, side: int) -> bytes | None:
        """The face's crop if one was cut for this photo and box at `side` pixels or more."""
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT photo_id, box, side, crop FROM crops WHERE face_id = ?", (face_id,)
                )
                .fetchone()
            )
        except sqlite3.OperationalError:
            return None  # busy or locked: the caller re-makes it
        except sqlite3.DatabaseError as exc:
            self.reset(str(exc))
            return None
        if row is None or row[0] != photo_id or row[1] != box_key(box) or row[2] < side:
            return None
        return bytes(row[3])

    def put(self, face_id: int, photo_id: int, box: Box, side: int, crop: bytes) -> None:
        """Stage a crop; `flush()` writes the staged ones in one transaction."""
        self._pending[face_id] = (photo_id, box_key(box), side, crop)

    def drop(self, face_id: int) -> None:
        """Stage the deletion of a face's crop (a face the scan dropped)."""
        self._pending[face_id] = None

    def discard(self) -> None:
        self._pending.clear()

    def flush(self) -> None:
        if not self._pending:
            return
        rows = [(face, *row) for face, row in self._pending.items() if row is not None]
        gone = [(face,) for face, row in self._pending.items() if row is None]
        self._pending.clear()
        if gone and not self._exists():
            gone = []
        if not rows and not gone:
            return

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM crops WHERE face_id = ?", gone)
            conn.executemany(
                "INSERT INTO crops (face_id, photo_id, box, side, crop) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(face_id) DO UPDATE SET photo_id = excluded.photo_id, "
                "box = excluded.box, side = excluded.side, crop = excluded.crop",
                rows,
            )

        self._write(write)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the cache, for what else is derived and kept here (the
        search index, `album.store.search`). May raise sqlite3.Error like any query."""
        return self._connection()

    def thumbnail(self, photo_id: int, stamp: str, side: int) -> bytes | None:
        """The photo's thumbnail if one was made from this very file at `side` or more."""
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT stamp, side, picture FROM thumbnails WHERE photo_id = ?", (photo_id,)
                )
                .fetchone()
            )
        except sqlite3.OperationalError:
            return None  # busy, or a cache older than the table: made again
        except sqlite3.DatabaseError as exc:
            self.reset(str(exc))
            return None
        if row is None or row[0] != stamp or row[1] < side:
            return None
        return bytes(row[2])

    def keep_thumbnail(self, photo_id: int, stamp: str, side: int, picture: bytes) -> None:
        """Written at once, best effort: a thumbnail not kept is made again next time."""

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO thumbnails (photo_id, stamp, side, picture) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(photo_id) DO UPDATE SET stamp = excluded.stamp, "
                "side = excluded.side, picture = excluded.picture",
                (photo_id, stamp, side, picture),
            )

        self._write(write)

    def forget(self, face_ids: Iterable[int]) -> None:
        """Delete these faces' crops (removed, forgotten): now, whatever is staged."""
        ordered = sorted(set(face_ids))
        for face in ordered:
            self._pending.pop(face, None)
        self._delete_in("face_id", ordered)

    def forget_photos(self, photo_ids: Iterable[int]) -> None:
        """Delete the crops cut from these photos and their thumbnails (a folder removed from
        the library)."""
        photos = set(photo_ids)
        for face, row in list(self._pending.items()):
            if row is not None and row[0] in photos:
                del self._pending[face]
        self._delete_in("photo_id", sorted(photos))
        self._delete_in("photo_id", sorted(photos), table="thumbnails")
        if self._has_table("photo_words"):  # their folders' words leave the search index
            self._delete_in("rowid", sorted(photos), table="photo_words")

    def _delete_in(self, column: str, values: list[int], table: str = "crops") -> None:
        if not values or not self._exists():
            return

        def delete(conn: sqlite3.Connection) -> None:
            for start in range(0, len(values), CHUNK):
                chunk = values[start : start + CHUNK]
                marks = ", ".join("?" * len(chunk))
                conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)

        if not self._write(delete):
            # A crop that could not be deleted must not stay readable: drop the whole cache.
            self.reset("busy while deleting crops: replaced, so none of them stays")

    def _has_table(self, name: str) -> bool:
        if not self._exists():
            return False
        try:
            found = (
                self._connection()
                .execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,))
                .fetchone()
            )
        except sqlite3.Error:
            return False
        return found is not None

    def _exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    def _write(self, change: Callable[[sqlite3.Connection], object]) -> bool:
        """One short transaction; False (and nothing written) if the cache is busy or broken."""
        try:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                change(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return True
        except sqlite3.OperationalError as exc:
            log.info("album: crop cache busy, crops dropped for now: %s", exc)
            return False
        except sqlite3.DatabaseError as exc:
            log.info("album: crop cache damaged, replaced: %s", exc)
            self.reset(str(exc))
            return False

    # -- upkeep ----------------------------------------------------------------------------

    def sweep(self, library: sqlite3.Connection) -> int:
        """Delete every crop not cut for a face the library still shows at its current photo
        and box (forgotten, removed, re-detected, or of a library restored from an older
        backup); then empty the WAL so deleted pictures leave no copy there. Returns how
        many were deleted."""
        if not self._exists():
            return 0
        shown = {
            (r[0], r[1], box_key(r[2:]))
            for r in library.execute(
                "SELECT id, photo_id, top, right, bottom, left FROM faces "
                "WHERE removed = 0 AND embedding IS NOT NULL"
            )
        }
        photos = {r[0] for r in library.execute("SELECT id FROM photos")}
        try:
            stored = self._connection().execute("SELECT face_id, photo_id, box FROM crops")
            stale = [r[0] for r in stored if (r[0], r[1], r[2]) not in shown]
            thumbnails = self._connection().execute("SELECT photo_id FROM thumbnails")
            gone = [r[0] for r in thumbnails if r[0] not in photos]
        except sqlite3.OperationalError:
            self.reset("busy while sweeping: replaced, so nothing stale stays")
            return 0
        except sqlite3.DatabaseError as exc:
            self.reset(str(exc))
            return 0
        self._delete_in("face_id", stale)
        self._delete_in("photo_id", gone, table="thumbnails")
        self.checkpoint()
        return len(stale)

    def checkpoint(self) -> bool:
        """Copy the WAL into the file and truncate it: deleted crops' old pages go with it."""
        if self._conn is None and not self.path.exists():
            return True
        try:
            busy = self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError:
            return False
        except sqlite3.DatabaseError as exc:
            self.reset(str(exc))
            return True
        return busy == 0

    def check(self) -> str | None:
        """SQLite's quick check of the cache; a damaged or unreadable cache is replaced by an
        empty one. Returns what was wrong, or None."""
        if not self._exists():
            return None
        seen = len(self.damage)
        try:
            rows = [r[0] for r in self._connection().execute("PRAGMA quick_check(5)")]
        except sqlite3.OperationalError:
            return None  # busy: checked next time
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        if rows != ["ok"]:
            self.reset("; ".join(rows))
        found = self.damage[seen:]
        return "; ".join(found) if found else None

    def stats(self) -> tuple[int, int]:
        """(crops, bytes of pictures) held now."""
        if not self._exists():
            return 0, 0
        try:
            row = (
                self._connection()
                .execute("SELECT count(*), coalesce(sum(length(crop)), 0) FROM crops")
                .fetchone()
            )
        except sqlite3.DatabaseError:
            return 0, 0
        return int(row[0]), int(row[1])

    def file_bytes(self) -> int:
        return sum(p.stat().st_size for p in _companions(self.path) if p.exists())

    def import_crops(self, library_path: Path, side: int) -> int:
        """Copy the crops a v3 library kept in its own `face_crops` table (for the v4
        migration), in one transaction read from one snapshot of the library."""
        conn = self._connection()
        conn.execute("ATTACH DATABASE ? AS library", (str(library_path),))
        try:
            # Deferred: IMMEDIATE would also ask for the library's write lock, which the
            # migrating connection holds; only the cache is written here.
            conn.execute("BEGIN")
            try:
                count = conn.execute(
                    "INSERT OR REPLACE INTO crops (face_id, photo_id, box, side, crop) "
                    "SELECT f.id, f.photo_id, f.top || ',' || f.right || ',' || f.bottom || ',' "
                    "|| f.left, ?, c.crop FROM library.face_crops c "
                    "JOIN library.faces f ON f.id = c.face_id "
                    "WHERE f.removed = 0 AND f.embedding IS NOT NULL "
                    "AND typeof(c.crop) = 'blob' AND length(c.crop) > 0",
                    (side,),
                ).rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.execute("DETACH DATABASE library")
        return count
