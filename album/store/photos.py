"""Photo rows: what the scan needs to know about files it has seen before.

Paths are stored as text. A file name with bytes that are not UTF-8 (an old camera card, a
Windows share) is stored as readable text with those bytes escaped as \\xNN, plus its exact
bytes in `raw_path`, so the file can still be opened.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from album.imaging import is_video
from album.paths import display_path
from album.store.library import Library


@dataclass(frozen=True)
class KnownPhoto:
    id: int
    path: str
    size: int
    mtime_ns: int
    status: str
    missing: bool
    content_hash: str | None
    fingerprint: str | None
    # Analysed before album looked for near copies (schema v11): --reanalyze hashes it.
    unhashed: bool = False


def db_path(path: str) -> str:
    return display_path(path)


def _raw(path: str) -> bytes | None:
    text = display_path(path)
    return None if text == path else os.fsencode(path)


def fs_path(text: str, raw: bytes | None) -> str:
    return os.fsdecode(raw) if raw is not None else text


_COLUMNS = (
    "id, path, raw_path, size, mtime_ns, status, missing, content_hash, fingerprint, "
    "status = 'done' AND phash IS NULL"
)


def _known(row: tuple) -> KnownPhoto:
    pid, text, raw, size, mtime, status, missing, digest, fingerprint, unhashed = row
    return KnownPhoto(
        pid,
        fs_path(text, raw),
        size,
        mtime,
        status,
        bool(missing),
        digest,
        fingerprint,
        bool(unhashed),
    )


def under(library: Library, root: str) -> dict[str, KnownPhoto]:
    """Photos at `root` or below it, keyed by file-system path."""
    root = db_path(root.rstrip(os.sep)) or os.sep
    prefix = root if root.endswith(os.sep) else root + os.sep
    rows = library.conn.execute(
        f"SELECT {_COLUMNS} FROM photos WHERE path = ? OR substr(path, 1, ?) = ?",
        (root, len(prefix), prefix),
    )
    return {photo.path: photo for photo in map(_known, rows)}


def by_id(library: Library, photo_id: int) -> KnownPhoto | None:
    row = library.conn.execute(
        f"SELECT {_COLUMNS} FROM photos WHERE id = ?", (photo_id,)
    ).fetchone()
    return _known(row) if row else None


def id_for_path(library: Library, path: str) -> int | None:
    row = library.conn.execute("SELECT id FROM photos WHERE path = ?", (db_path(path),)).fetchone()
    return int(row[0]) if row else None


def with_size(library: Library, size: int) -> list[KnownPhoto]:
    rows = library.conn.execute(f"SELECT {_COLUMNS} FROM photos WHERE size = ?", (size,))
    return [_known(row) for row in rows]


def add_root(library: Library, root: str) -> None:
    with library.write() as db:
        db.conn.execute(
            "INSERT INTO roots (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING",
            (db_path(root), time.time()),
        )


def roots(library: Library) -> list[str]:
    return [row[0] for row in library.conn.execute("SELECT path FROM roots ORDER BY path")]


def kind_of(path: str) -> str:
    """'video' or 'photo', by the file's name: known before (and without) decoding it."""
    return "video" if is_video(path) else "photo"


def add_pending(library: Library, files: Iterable[tuple[str, int, int]]) -> dict[str, int]:
    """New files as 'pending' rows (so a killed scan resumes them); returns path -> id."""
    ids: dict[str, int] = {}
    with library.write() as db:
        for path, size, mtime in files:
            cursor = db.conn.execute(
                "INSERT INTO photos (path, raw_path, size, mtime_ns, status, kind) "
                "VALUES (?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
                "mtime_ns = excluded.mtime_ns, status = 'pending', missing = 0 "
                "RETURNING id",
                (db_path(path), _raw(path), size, mtime, kind_of(path)),
            )
            ids[path] = cursor.fetchone()[0]
    return ids


def set_missing(library: Library, ids: Iterable[int], missing: bool) -> None:
    with library.write() as db:
        db.conn.executemany(
            "UPDATE photos SET missing = ? WHERE id = ?", [(int(missing), i) for i in ids]
        )


def relink(library: Library, photo_id: int, path: str, size: int, mtime_ns: int) -> None:
    """A moved or renamed file keeps its row, and so its faces and their names."""
    with library.write() as db:
        db.conn.execute(
            "UPDATE photos SET path = ?, raw_path = ?, size = ?, mtime_ns = ?, missing = 0 "
            "WHERE id = ?",
            (db_path(path), _raw(path), size, mtime_ns, photo_id),
        )


def counts(library: Library) -> dict[str, int]:
    row = library.conn.execute(
        "SELECT count(*), "
        "count(*) FILTER (WHERE status = 'done' AND NOT missing), "
        "count(*) FILTER (WHERE status = 'error' AND NOT missing), "
        "count(*) FILTER (WHERE status = 'pending' AND NOT missing), "
        "count(*) FILTER (WHERE missing) FROM photos"
    ).fetchone()
    faces = library.conn.execute(
        "SELECT count(*), count(person_id) FROM faces WHERE removed = 0"
    ).fetchone()
    people = library.conn.execute(
        "SELECT count(*), count(name) FROM people WHERE EXISTS "
        "(SELECT 1 FROM faces WHERE faces.person_id = people.id)"
    ).fetchone()
    return {
        "photos": row[0],
        "done": row[1],
        "failed": row[2],
        "pending": row[3],
        "missing": row[4],
        "faces": faces[0],
        "faces_with_person": faces[1],
        "people": people[0],
        "named_people": people[1],
    }


def remove_root(library: Library, root: str) -> int:
    """Forget a folder the user added: its photos, their faces and the names on them leave
    the library (the files are not touched). Photos that another added folder still covers
    stay. Unnamed people left without a face go too. Returns how many photos were removed."""
    root = db_path(root.rstrip(os.sep)) or os.sep
    others = [r for r in roots(library) if r != root]
    covered = any(root == o or root.startswith(o.rstrip(os.sep) + os.sep) for o in others)
    doomed = [] if covered else [p.id for p in under(library, root).values()]
    with library.write() as db:
        conn = db.conn
        conn.execute("DELETE FROM roots WHERE path = ?", (root,))
        for start in range(0, len(doomed), 500):
            chunk = doomed[start : start + 500]
            conn.execute(f"DELETE FROM photos WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        conn.execute(
            "DELETE FROM people WHERE name IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM faces WHERE faces.person_id = people.id)"
        )
    library.crops.forget_photos(doomed)  # their avatars and thumbnails leave the cache too
    return len(doomed)
