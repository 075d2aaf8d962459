"""People, face labels, rejections: the rows behind every people edit.

Functions here take a connection that is already inside a write transaction (the service opens
it), so one user operation is one transaction however many rows it touches.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from album.faces.quality import SHARP_ENOUGH
from album.store.faces import blob_embedding
from album.store.sql import chunks, ids_in


@dataclass(frozen=True)
class Face:
    id: int
    photo_id: int
    box: tuple[int, int, int, int]
    person_id: int | None
    label_source: str | None
    confidence: float | None
    removed: bool
    manual: bool


@dataclass(frozen=True)
class Person:
    id: int
    name: str | None
    hidden: bool
    cover_face_id: int | None
    birthday: str | None = None  # ISO date (YYYY-MM-DD), a user decision like the name


_PERSON_COLUMNS = "id, name, hidden, cover_face_id, birthday"
_FACE_COLUMNS = (
    "id, photo_id, top, right, bottom, left, person_id, label_source, confidence, removed, manual"
)


def _face(row: tuple) -> Face:
    return Face(
        row[0],
        row[1],
        (row[2], row[3], row[4], row[5]),
        row[6],
        row[7],
        row[8],
        bool(row[9]),
        bool(row[10]),
    )


def face(conn: sqlite3.Connection, face_id: int) -> Face | None:
    row = conn.execute(f"SELECT {_FACE_COLUMNS} FROM faces WHERE id = ?", (face_id,)).fetchone()
    return _face(row) if row else None


def faces_of_photo(conn: sqlite3.Connection, photo_id: int) -> list[Face]:
    rows = conn.execute(
        f"SELECT {_FACE_COLUMNS} FROM faces WHERE photo_id = ? ORDER BY left, top", (photo_id,)
    )
    return [_face(r) for r in rows]


def faces_of_person(conn: sqlite3.Connection, person_id: int) -> list[Face]:
    rows = conn.execute(
        f"SELECT {_FACE_COLUMNS} FROM faces WHERE person_id = ? AND removed = 0 ORDER BY id",
        (person_id,),
    )
    return [_face(r) for r in rows]


def _person(row: tuple | None) -> Person | None:
    return Person(row[0], row[1], bool(row[2]), row[3], row[4]) if row else None


def person(conn: sqlite3.Connection, person_id: int) -> Person | None:
    return _person(
        conn.execute(f"SELECT {_PERSON_COLUMNS} FROM people WHERE id = ?", (person_id,)).fetchone()
    )


def person_named(conn: sqlite3.Connection, name: str) -> Person | None:
    return _person(
        conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
    )


def create_person(conn: sqlite3.Connection, name: str | None = None) -> int:
    cursor = conn.execute(
        "INSERT INTO people (name, created_at) VALUES (?, ?)", (name, time.time())
    )
    return int(cursor.lastrowid or 0)


def set_label(
    conn: sqlite3.Connection,
    face_id: int,
    person_id: int | None,
    source: str | None,
    confidence: float | None = None,
) -> None:
    """Give a face a person. Another face of the same photo that had this person only by an
    automatic guess loses it (two faces of one photo are never the same person)."""
    if person_id is not None:
        conn.execute(
            "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
            "WHERE person_id = ? AND id != ? AND label_source NOT IN ('user', 'file') "
            "AND photo_id = (SELECT photo_id FROM faces WHERE id = ?)",
            (person_id, face_id, face_id),
        )
    conn.execute(
        "UPDATE faces SET person_id = ?, label_source = ?, confidence = ? WHERE id = ?",
        (person_id, source if person_id is not None else None, confidence, face_id),
    )


def user_face_in_photo(
    conn: sqlite3.Connection, person_id: int, photo_id: int, other_than: int
) -> int | None:
    row = conn.execute(
        "SELECT id FROM faces WHERE person_id = ? AND photo_id = ? AND id != ? "
        "AND label_source IN ('user', 'file')",
        (person_id, photo_id, other_than),
    ).fetchone()
    return row[0] if row else None


def add_rejection(conn: sqlite3.Connection, face_id: int, person_id: int) -> None:
    conn.execute(
        "INSERT INTO rejections (face_id, person_id, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (face_id, person_id, time.time()),
    )


def photo_mates(conn: sqlite3.Connection, face_ids: Iterable[int]) -> set[int]:
    """Every face in the photos of these faces (themselves included)."""
    out: set[int] = set()
    for face_id in face_ids:
        out.update(
            r[0]
            for r in conn.execute(
                "SELECT id FROM faces WHERE photo_id = (SELECT photo_id FROM faces WHERE id = ?)",
                (face_id,),
            )
        )
    return out


def rename(conn: sqlite3.Connection, person_id: int, name: str | None) -> None:
    conn.execute("UPDATE people SET name = ? WHERE id = ?", (name, person_id))


def confirm_grouped_faces(conn: sqlite3.Connection, person_id: int) -> None:
    """Naming a group is the user saying "these are her": its grouped faces become theirs."""
    conn.execute(
        "UPDATE faces SET label_source = 'user', confidence = NULL "
        "WHERE person_id = ? AND label_source = 'cluster'",
        (person_id,),
    )


def confirm_face(conn: sqlite3.Connection, face_id: int) -> None:
    conn.execute(
        "UPDATE faces SET label_source = 'user', confidence = NULL WHERE id = ?", (face_id,)
    )


def delete_person(conn: sqlite3.Connection, person_id: int) -> None:
    conn.execute("DELETE FROM people WHERE id = ?", (person_id,))


def set_removed(conn: sqlite3.Connection, face_id: int, removed: bool) -> None:
    conn.execute("UPDATE faces SET removed = ? WHERE id = ?", (int(removed), face_id))


def set_hidden(conn: sqlite3.Connection, person_id: int, hidden: bool) -> None:
    conn.execute("UPDATE people SET hidden = ? WHERE id = ?", (int(hidden), person_id))


def set_cover(conn: sqlite3.Connection, person_id: int, face_id: int | None) -> None:
    conn.execute("UPDATE people SET cover_face_id = ? WHERE id = ?", (face_id, person_id))


def set_birthday(conn: sqlite3.Connection, person_id: int, birthday: str | None) -> None:
    """`birthday`: an ISO date (YYYY-MM-DD) the caller has checked, or None to clear it."""
    conn.execute("UPDATE people SET birthday = ? WHERE id = ?", (birthday, person_id))


def erase_person(conn: sqlite3.Connection, person_id: int) -> set[int]:
    """Forget: the person row, their rejections, and their faces' embeddings (the face rows
    stay as removed tombstones, so a rescan does not bring them back). Their crops are in the
    cache beside the library: the caller deletes them there (`CropCache.forget`)."""
    faces = {f.id for f in faces_of_person(conn, person_id)}
    for chunk in chunks(sorted(faces)):
        conn.execute(
            "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL, "
            f"embedding = NULL, removed = 1 WHERE id IN {ids_in(chunk)}",
            chunk,
        )
    conn.execute("DELETE FROM rejections WHERE person_id = ?", (person_id,))
    conn.execute("DELETE FROM people WHERE id = ?", (person_id,))
    return faces


def label_states(
    conn: sqlite3.Connection, face_ids: Iterable[int]
) -> dict[int, tuple[int | None, str | None, int]]:
    """face id -> (person, label source, removed), to see what changed since a read."""
    out = {}
    for chunk in chunks(sorted(face_ids)):
        for r in conn.execute(
            f"SELECT id, person_id, label_source, removed FROM faces WHERE id IN {ids_in(chunk)}",
            chunk,
        ):
            out[r[0]] = (r[1], r[2], r[3])
    return out


def relabel(
    conn: sqlite3.Connection, changes: list[tuple[int, int | None, str | None, float | None]]
) -> None:
    """Many (face, person, source, confidence) at once. A face given a group by the clustering
    remembers that group (`group_id`).

    The changes go into a temporary table and then into faces with one UPDATE ... FROM: each
    face row is rewritten once, not once per statement of an executemany. Faces
    that move from one person to another are cleared first, so the one-person-per-photo index
    holds at every statement whatever the order of changes (two faces swapping people).
    """
    if not changes:
        return
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS relabelled (face_id INTEGER PRIMARY KEY, "
        "person_id INTEGER, source TEXT, confidence REAL)"
    )
    conn.execute("DELETE FROM relabelled")
    conn.executemany("INSERT OR REPLACE INTO relabelled VALUES (?, ?, ?, ?)", changes)
    conn.execute(
        "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
        "FROM relabelled r WHERE r.face_id = faces.id AND faces.person_id IS NOT NULL "
        "AND (r.person_id IS NULL OR r.person_id != faces.person_id)"
    )
    conn.execute(
        "UPDATE faces SET person_id = r.person_id, label_source = r.source, "
        "confidence = r.confidence, "
        "group_id = CASE WHEN r.source = 'cluster' THEN r.person_id ELSE faces.group_id END "
        "FROM relabelled r WHERE r.face_id = faces.id AND r.person_id IS NOT NULL"
    )
    conn.execute("DELETE FROM relabelled")


def people_ids(conn: sqlite3.Connection) -> dict[int, str | None]:
    """Every person's id and name (None for an unnamed group)."""
    return {r[0]: r[1] for r in conn.execute("SELECT id, name FROM people")}


def keep_apart(conn: sqlite3.Connection, a: int, b: int) -> None:
    low, high = sorted((a, b))
    conn.execute(
        "INSERT INTO distinct_people (a, b, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (low, high, time.time()),
    )


def rejections(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT face_id, person_id FROM rejections")]


def delete_person_if_empty(conn: sqlite3.Connection, person_id: int) -> bool:
    """An unnamed person with no faces left is gone; a named one stays until forgotten."""
    cursor = conn.execute(
        "DELETE FROM people WHERE id = ? AND name IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = people.id)",
        (person_id,),
    )
    return cursor.rowcount > 0


@dataclass
class FaceTable:
    """Every live face with an embedding, as arrays, for matching and clustering."""

    ids: np.ndarray
    photo_ids: np.ndarray
    person_ids: np.ndarray  # -1: no person
    sources: list[str | None]
    confidences: np.ndarray
    embeddings: np.ndarray  # (n, 128) float32
    group_ids: np.ndarray  # the group the clustering last put the face in; -1: none
    # Sharp enough for a person to recognise (album.faces.quality): only these are matched,
    # grouped, asked about or taken as a named person's likeness.
    recognisable: np.ndarray
    crowding: np.ndarray  # the share of the match threshold the face keeps (1: no crowd)
    # The day its photo was taken (Julian day number; NaN: no date): a child is matched by
    # their photos from about the same age (album.people.match).
    taken: np.ndarray
    # The photo of its set of copies album keeps, when the face is on a copy (-1: it is not):
    # such a face is not grouped, it follows the same face on the kept photo.
    copy_of: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


def face_table(conn: sqlite3.Connection) -> FaceTable:
    rows = conn.execute(
        "SELECT f.id, f.photo_id, f.person_id, f.label_source, f.confidence, f.embedding, "
        "f.group_id, f.sharpness IS NULL OR f.sharpness >= ?, f.crowding, "
        f"{JULIAN_DAY.format('p.taken_at')}, p.copy_of FROM faces f JOIN photos p "
        "ON p.id = f.photo_id "
        "WHERE f.removed = 0 AND f.embedding IS NOT NULL ORDER BY f.id",
        (SHARP_ENOUGH,),
    ).fetchall()
    n = len(rows)
    embeddings = np.empty((n, 128), dtype=np.float32)
    for i, row in enumerate(rows):
        embeddings[i] = blob_embedding(row[5])
    return FaceTable(
        ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        photo_ids=np.fromiter((r[1] for r in rows), dtype=np.int64, count=n),
        person_ids=np.fromiter(
            (-1 if r[2] is None else r[2] for r in rows), dtype=np.int64, count=n
        ),
        sources=[r[3] for r in rows],
        confidences=np.fromiter(
            (np.nan if r[4] is None else r[4] for r in rows), dtype=np.float64, count=n
        ),
        embeddings=embeddings,
        group_ids=np.fromiter(
            (-1 if r[6] is None else r[6] for r in rows), dtype=np.int64, count=n
        ),
        recognisable=np.fromiter((bool(r[7]) for r in rows), dtype=bool, count=n),
        crowding=np.fromiter(
            (1.0 if r[8] is None else r[8] for r in rows), dtype=np.float64, count=n
        ),
        taken=np.fromiter(
            (np.nan if r[9] is None else r[9] for r in rows), dtype=np.float64, count=n
        ),
        copy_of=np.fromiter(
            (-1 if r[10] is None else r[10] for r in rows), dtype=np.int64, count=n
        ),
    )


# The Julian day of an ISO or EXIF date-time column ('2003-05-01T12:00:00', '2003:05:01 12:00');
# NULL where it holds none.
JULIAN_DAY = "julianday(substr(replace({}, ':', '-'), 1, 10))"


def birthdays(conn: sqlite3.Connection) -> dict[int, float]:
    """Each person with a birthday: its Julian day."""
    return {
        r[0]: r[1]
        for r in conn.execute(
            f"SELECT id, {JULIAN_DAY.format('birthday')} FROM people WHERE birthday IS NOT NULL"
        )
        if r[1] is not None
    }


def set_crowding(conn: sqlite3.Connection, crowding: dict[int, float]) -> None:
    """Store each face's crowding, as the grouping measured it."""
    conn.executemany(
        "UPDATE faces SET crowding = ? WHERE id = ?", ((v, f) for f, v in crowding.items())
    )


def named_people(conn: sqlite3.Connection) -> dict[int, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, name FROM people WHERE name IS NOT NULL")}
