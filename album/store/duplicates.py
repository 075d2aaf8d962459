"""Copies in the library: the rows `album.duplicates.find_sets` reads, the marks that let
a set of copies count once, and what keeping one photo of a set carries over to it.

Only analysed photos are candidates: a pending photo has no hash yet and a failed one may be
no photo at all. Missing ones are left out: a folder offline is not a copy to keep or drop.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from album.duplicates import COUNT_ONCE_DISTANCE, DuplicatePhoto, DuplicateSet
from album.store.faces import DECIDED_SOURCES, blob_embedding
from album.store.photos import fs_path
from album.store.sql import chunks, ids_in

# A stack's versions are one photo with their top (album.stacks), not copies to drop.
_ON_DISK = "status = 'done' AND missing = 0 AND stack_of IS NULL"

# What a copy may have lost that its photo carries: a date, a place, a rating or a star
# (read from the file or given in album). Counted in SQL: free beside the row itself.
_METADATA = (
    "(taken_at IS NOT NULL) + (latitude IS NOT NULL) + (coalesce(rating, 0) > 0) + favourite"
)


def duplicate_candidates(conn: sqlite3.Connection) -> list[DuplicatePhoto]:
    """Every analysed photo on disk, as find_sets needs it. A video's hash is its poster's:
    it would call a still of the same scene a copy, so videos are matched by their bytes
    only."""
    rows = conn.execute(
        "SELECT id, path, raw_path, size, width, height, taken_at, content_hash, phash, "
        f"{_METADATA}, copies_kept, kind FROM photos WHERE {_ON_DISK}"
    )
    return [
        DuplicatePhoto(
            id=row[0],
            path=fs_path(row[1], row[2]),
            size=row[3],
            width=row[4],
            height=row[5],
            taken_at=row[6],
            content_hash=row[7] or None,
            phash=row[8] if row[11] == "photo" else None,
            metadata=row[9],
            kept=row[10],
        )
        for row in rows
    ]


def unhashed_count(conn: sqlite3.Connection) -> int:
    """Analysed photos without a perceptual hash: analysed before near copies were looked
    for (schema v11), so only their exact copies can be found until they are analysed again."""
    row = conn.execute(f"SELECT count(*) FROM photos WHERE {_ON_DISK} AND phash IS NULL")
    return int(row.fetchone()[0])


def mark_copies(conn: sqlite3.Connection, sets: list[DuplicateSet]) -> int:
    """Each copy of these sets (within COUNT_ONCE_DISTANCE of its keeper) points at the
    keeper (`copy_of`), every other photo at none: how a person's photo count and the
    grouping take a set once. Returns how many changed."""
    wanted = {
        m.photo.id: found.keep
        for found in sets
        for m in found.members[1:]
        if m.exact or (m.distance is not None and m.distance <= COUNT_ONCE_DISTANCE)
    }
    had = dict(conn.execute("SELECT id, copy_of FROM photos WHERE copy_of IS NOT NULL"))
    gone = [pid for pid in had if pid not in wanted]
    for chunk in chunks(gone):
        conn.execute(f"UPDATE photos SET copy_of = NULL WHERE id IN {ids_in(chunk)}", chunk)
    changed = [(keep, pid) for pid, keep in wanted.items() if had.get(pid) != keep]
    conn.executemany("UPDATE photos SET copy_of = ? WHERE id = ?", changed)
    return len(gone) + len(changed)


def mark_kept(conn: sqlite3.Connection, photo_ids: list[int], keeper: int) -> None:
    """The user kept every photo of this set: it is not asked about again, and its photos
    count one by one."""
    for chunk in chunks(photo_ids):
        conn.execute(
            f"UPDATE photos SET copies_kept = ?, copy_of = NULL WHERE id IN {ids_in(chunk)}",
            [keeper, *chunk],
        )


def copy_counts(conn: sqlite3.Connection) -> int:
    """How many photos are marked as another's copy."""
    return int(conn.execute("SELECT count(*) FROM photos WHERE copy_of IS NOT NULL").fetchone()[0])


@dataclass(frozen=True)
class FaceToCarry:
    """A face of a photo of a set of copies, as keeping one photo needs it."""

    id: int
    box: tuple[int, int, int, int]  # top, right, bottom, left
    embedding: np.ndarray | None
    person_id: int | None
    source: str | None
    rejected: tuple[int, ...]  # people the user said this face is not

    @property
    def decided(self) -> bool:
        return self.source in DECIDED_SOURCES

    @property
    def worth_carrying(self) -> bool:
        return self.decided or bool(self.rejected)


def faces_to_carry(conn: sqlite3.Connection, photo_id: int) -> list[FaceToCarry]:
    rows = conn.execute(
        "SELECT f.id, f.top, f.right, f.bottom, f.left, f.embedding, f.person_id, "
        "f.label_source, (SELECT group_concat(r.person_id) FROM rejections r "
        "WHERE r.face_id = f.id) FROM faces f WHERE f.photo_id = ? AND f.removed = 0",
        (photo_id,),
    )
    return [
        FaceToCarry(
            r[0],
            (r[1], r[2], r[3], r[4]),
            None if r[5] is None else blob_embedding(r[5]),
            r[6],
            r[7],
            tuple(int(p) for p in r[8].split(",")) if r[8] else (),
        )
        for r in rows
    ]


def give_decision(conn: sqlite3.Connection, face: FaceToCarry, to_face: int) -> None:
    """The keeper's face `to_face` takes what the user decided about a copy's `face`: its
    name (as a user label) and the people it is not."""
    if face.decided and face.person_id is not None:
        # Freed first: the keeper may hold this person on another face (a wrong match).
        conn.execute(
            "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
            "WHERE photo_id = (SELECT photo_id FROM faces WHERE id = ?) AND person_id = ? "
            "AND id != ? AND label_source NOT IN ('user', 'file')",
            (to_face, face.person_id, to_face),
        )
        conn.execute(
            "UPDATE faces SET person_id = ?, label_source = ?, confidence = NULL WHERE id = ?",
            (face.person_id, face.source, to_face),
        )
    conn.executemany(
        "INSERT OR IGNORE INTO rejections (face_id, person_id, created_at) "
        "SELECT ?, ?, created_at FROM rejections WHERE face_id = ? AND person_id = ?",
        [(to_face, person, face.id, person) for person in face.rejected],
    )
    if face.rejected:  # a guess the user already said no to, on the copy, goes
        conn.execute(
            "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
            f"WHERE id = ? AND label_source NOT IN ('user', 'file') AND person_id IN "
            f"{ids_in(face.rejected)}",
            (to_face, *face.rejected),
        )


def move_face(
    conn: sqlite3.Connection, face_id: int, photo_id: int, box: tuple[int, int, int, int]
) -> None:
    """A copy's face the keeper has no detection for moves to it, box and all."""
    conn.execute(
        "UPDATE faces SET photo_id = ?, top = ?, right = ?, bottom = ?, left = ? WHERE id = ?",
        (photo_id, *box, face_id),
    )


def carry_photo_marks(conn: sqlite3.Connection, keeper: int, copy: int) -> None:
    """Stars, heart and albums a copy holds go to the photo kept: the most stars (as the
    user's decision if either was the user's), a heart if either had one, every album
    (at the copy's place in it), and an album cover the copy was."""
    row = conn.execute(
        "SELECT max(coalesce(rating, 0)), max(favourite), max(rated = 'user') FROM photos "
        f"WHERE id IN {ids_in([keeper, copy])}",
        (keeper, copy),
    ).fetchone()
    conn.execute(
        "UPDATE photos SET rating = CASE WHEN ? > 0 THEN ? ELSE rating END, favourite = ?, "
        "rated = CASE WHEN ? THEN 'user' ELSE rated END WHERE id = ?",
        (row[0], row[0], row[1], row[2], keeper),
    )
    conn.execute(
        "INSERT OR IGNORE INTO album_photos (album_id, photo_id, position) "
        "SELECT album_id, ?, position FROM album_photos WHERE photo_id = ?",
        (keeper, copy),
    )
    conn.execute("UPDATE albums SET cover_photo_id = ? WHERE cover_photo_id = ?", (keeper, copy))


def forget_photo(conn: sqlite3.Connection, photo_id: int) -> None:
    """A copy whose file went to the trash leaves the library (its faces with it). Were it a
    stack's top, its versions are photos of their own again, analysed by the next scan."""
    conn.execute("DELETE FROM photos WHERE id = ?", (photo_id,))
    conn.execute("UPDATE photos SET copy_of = NULL WHERE copy_of = ?", (photo_id,))
    conn.execute(
        "UPDATE photos SET stack_of = NULL, status = 'pending' WHERE stack_of = ?", (photo_id,)
    )
