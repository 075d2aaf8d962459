"""Stacks in the library (album.stacks): which photo is a version under which top, the label
a top's tile shows, and recording a version without analysing it.

`photos.stack_of` and `photos.stack_label` are derived from the files' names and rewritten by
every scan; a version under a top holds no faces (what the user decided on them went to the
top first, album.copies.carry_decisions), so people, counts and the grouping need no change:
only the lists of photos leave versions out (`NOT_A_VERSION`).
"""

from __future__ import annotations

import sqlite3
import time
from typing import NamedTuple

from album.duplicates import DuplicatePhoto
from album.store.photos import fs_path
from album.store.sql import chunks, ids_in

# Every list of photos shows a stack once: by its top.
NOT_A_VERSION = "ph.stack_of IS NULL"


def stack_files(conn: sqlite3.Connection) -> list[tuple[int, str, bool]]:
    """(id, path as stored, failed) of every still photo on disk: what stacks are made of.
    The stored path serves: names are compared within a folder, and a name that is not UTF-8
    is stored escaped the same way for every file of it."""
    rows = conn.execute(
        "SELECT id, path, status = 'error' FROM photos WHERE missing = 0 AND kind = 'photo'"
    )
    return [(r[0], r[1], bool(r[2])) for r in rows]


class Mark(NamedTuple):
    stack_of: int | None
    label: str | None
    present: bool  # on disk at the last scan, and a still photo


UNMARKED = Mark(None, None, True)


def stack_marks(conn: sqlite3.Connection) -> dict[int, Mark]:
    """The photos marked as a version or a top now."""
    rows = conn.execute(
        "SELECT id, stack_of, stack_label, missing = 0 AND kind = 'photo' FROM photos "
        "WHERE stack_of IS NOT NULL OR stack_label IS NOT NULL"
    )
    return {r[0]: Mark(r[1], r[2], bool(r[3])) for r in rows}


def with_faces(conn: sqlite3.Connection, photo_ids: list[int]) -> set[int]:
    """Those of these photos with face rows of their own (analysed before they were a
    version)."""
    found: set[int] = set()
    for chunk in chunks(photo_ids):
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT photo_id FROM faces WHERE photo_id IN {ids_in(chunk)}", chunk
            )
        )
    return found


def paths(conn: sqlite3.Connection, photo_ids: list[int]) -> dict[int, str]:
    """id -> the file's path on disk."""
    found: dict[int, str] = {}
    for chunk in chunks(photo_ids):
        for photo_id, text, raw in conn.execute(
            f"SELECT id, path, raw_path FROM photos WHERE id IN {ids_in(chunk)}", chunk
        ):
            found[photo_id] = fs_path(text, raw)
    return found


def carried_photo(conn: sqlite3.Connection, photo_id: int) -> DuplicatePhoto | None:
    """A photo as carrying decisions between two of its files needs it (album.copies); None
    for one not analysed yet (its faces and size are not known: nothing can be carried to
    it)."""
    row = conn.execute(
        "SELECT id, path, raw_path, size, width, height, taken_at, content_hash, phash "
        "FROM photos WHERE id = ? AND status = 'done' AND width IS NOT NULL",
        (photo_id,),
    ).fetchone()
    if row is None:
        return None
    return DuplicatePhoto(row[0], fs_path(row[1], row[2]), *row[3:])


def under_top(conn: sqlite3.Connection, member: int, top: int) -> None:
    """`member` becomes a version under `top`, in the caller's transaction: its albums go to
    the top (album.store.duplicates.carry_photo_marks moved its stars and heart first), its
    own faces leave (their decisions were carried). A version that could not be read keeps
    its error (it is never a top) but leaves the list of failed photos: its photo is shown."""
    conn.execute("DELETE FROM album_photos WHERE photo_id = ?", (member,))
    conn.execute("DELETE FROM faces WHERE photo_id = ?", (member,))
    conn.execute(
        "UPDATE photos SET stack_of = ?, stack_label = NULL, copy_of = NULL WHERE id = ?",
        (top, member),
    )


def clear_lost_covers(conn: sqlite3.Connection) -> None:
    """People whose cover face left with a version's faces take their best face again (once
    for all the versions: `people.cover_face_id` has no index, and a scan per version took
    5,000 versions 4 s among 7,900 people)."""
    conn.execute(
        "UPDATE people SET cover_face_id = NULL WHERE cover_face_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.id = people.cover_face_id)"
    )


def set_tops(conn: sqlite3.Connection, labels: dict[int, str | None]) -> None:
    """Each top's label (None: the photo tops no stack), and no top is a version."""
    conn.executemany(
        "UPDATE photos SET stack_of = NULL, stack_label = ? WHERE id = ?",
        [(label, photo_id) for photo_id, label in labels.items()],
    )


def out_of_stacks(conn: sqlite3.Connection, photo_ids: list[int]) -> None:
    """Versions that are photos of their own again (their top left the folder): analysed by
    the scan, as new photos are."""
    for chunk in chunks(photo_ids):
        conn.execute(
            "UPDATE photos SET stack_of = NULL, stack_label = NULL, status = 'pending' "
            f"WHERE id IN {ids_in(chunk)}",
            chunk,
        )


def record_versions(conn: sqlite3.Connection, versions: list[tuple[int, int, int, str]]) -> None:
    """Versions a scan found new or changed, (id, size, mtime_ns, content hash): known from
    now on, so a rescan passes them by and a move keeps their row, without an analysis."""
    now = time.time()
    conn.executemany(
        "UPDATE photos SET status = 'done', error = NULL, size = ?, mtime_ns = ?, "
        "content_hash = nullif(?, ''), width = NULL, height = NULL, fingerprint = NULL, "
        "analyzed_at = ?, missing = 0 WHERE id = ?",
        [(size, mtime, digest, now, photo_id) for photo_id, size, mtime, digest in versions],
    )


def versions_of(conn: sqlite3.Connection, top_ids: list[int]) -> dict[int, list[str]]:
    """top -> the paths of the versions under it (those on disk first, then by name)."""
    return {
        top: [path for _, path in versions] for top, versions in version_rows(conn, top_ids).items()
    }


def version_rows(conn: sqlite3.Connection, top_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """top -> (photo id, path) of the versions under it, in `versions_of`'s order."""
    found: dict[int, list[tuple[int, str]]] = {}
    for chunk in chunks(top_ids):
        for top, photo_id, text, raw in conn.execute(
            "SELECT stack_of, id, path, raw_path FROM photos INDEXED BY photos_stack_of "
            f"WHERE stack_of IN {ids_in(chunk)} ORDER BY stack_of, missing, path",
            chunk,
        ):
            found.setdefault(top, []).append((photo_id, fs_path(text, raw)))
    return found


def version_count(conn: sqlite3.Connection) -> int:
    """How many files are versions under another's top."""
    row = conn.execute("SELECT count(*) FROM photos WHERE stack_of IS NOT NULL").fetchone()
    return int(row[0])
