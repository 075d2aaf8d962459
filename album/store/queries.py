"""Read-only questions the CLI and the window ask: people, their photos, a photo's faces."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import NamedTuple

from album.store.photos import fs_path
from album.store.sql import ids_in


@dataclass(frozen=True)
class PersonSummary:
    id: int
    name: str | None
    hidden: bool
    faces: int
    photos: int
    suggested: int  # faces only matched automatically, awaiting review
    cover_face_id: int | None
    birthday: str | None = None  # ISO date (YYYY-MM-DD), when the user gave one


class PhotoSummary(NamedTuple):
    """A tuple, not a dataclass: the Photos page makes 100,000 of them per load, and a frozen
    dataclass took 0.44 s for that against 0.16 s."""

    id: int
    path: str
    width: int | None
    height: int | None
    taken_at: str | None
    status: str
    missing: bool
    # When it was taken as local time ("2018-07-14T10:05:30"), else the file's time; '' where
    # neither is known. Only the timeline reads these two (see store/timeline.py).
    moment: str = ""
    guessed: bool = False  # `moment` is the file's time, not a date the photo carries
    rating: int = 0  # stars, 0-5 (album.store.ratings)
    favourite: bool = False
    duration: float | None = None  # a video's length in seconds (album.video); None: a photo
    stack: str | None = None  # a stack's top: what its tile says ("RAW+JPEG"), album.stacks


@dataclass(frozen=True)
class FaceInPhoto:
    id: int
    box: tuple[int, int, int, int]
    person_id: int | None
    person: str | None
    label_source: str | None
    confidence: float | None
    manual: bool


def people(
    conn: sqlite3.Connection,
    *,
    include_hidden: bool = False,
    sort: str = "count",
    name_filter: str | None = None,
) -> list[PersonSummary]:
    """People with at least one face, most photographed (or alphabetical) first."""
    where = ["1"]
    params: list[object] = []
    if not include_hidden:
        where.append("p.hidden = 0")
    if name_filter:
        where.append("p.name LIKE ? ESCAPE '\\'")
        escaped = name_filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    order = (
        "p.name IS NULL, p.name COLLATE NOCASE, n DESC"
        if sort == "name"
        else "n DESC, p.name IS NULL, p.name COLLATE NOCASE"
    )
    rows = conn.execute(
        "SELECT p.id, p.name, p.hidden, count(f.id) AS n, count(DISTINCT f.photo_id), "
        "count(f.id) FILTER (WHERE f.label_source = 'auto'), "
        "coalesce(p.cover_face_id, (SELECT c.id FROM faces c WHERE c.person_id = p.id "
        "AND c.removed = 0 ORDER BY c.label_source = 'user' DESC, c.score DESC LIMIT 1)), "
        "p.birthday FROM people p JOIN faces f ON f.person_id = p.id AND f.removed = 0 "
        f"WHERE {' AND '.join(where)} GROUP BY p.id ORDER BY {order}, p.id",
        params,
    )
    found = [PersonSummary(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]
    twice = _on_copies(conn)
    if not twice:
        return found
    for i, person in enumerate(found):
        if person.id in twice:
            faces, auto = twice[person.id]
            found[i] = replace(
                person,
                faces=person.faces - faces,
                photos=person.photos - faces,
                suggested=person.suggested - auto,
            )
    if sort != "name":
        found.sort(key=lambda p: (-p.faces, p.name is None, (p.name or "").casefold(), p.id))
    return found


def _on_copies(conn: sqlite3.Connection) -> dict[int, tuple[int, int]]:
    """person -> (faces, automatic ones) on copies whose kept photo shows them too: a set of
    copies counts once (photos.copy_of: the photo of the set album keeps). Taken from the
    counts afterwards, not joined into them: joining every face to its photo doubled the
    people list's time at 150k faces (240 to 555 ms), and copies are few."""
    rows = conn.execute(
        "SELECT f.person_id, count(*), count(*) FILTER (WHERE f.label_source = 'auto') "
        "FROM photos ph CROSS JOIN faces f ON f.photo_id = ph.id AND f.removed = 0 "
        "WHERE ph.copy_of IS NOT NULL AND f.person_id IS NOT NULL AND EXISTS (SELECT 1 FROM "
        "faces k WHERE k.photo_id = ph.copy_of AND k.person_id = f.person_id AND k.removed = 0) "
        "GROUP BY f.person_id"
    )
    return {r[0]: (r[1], r[2]) for r in rows}


# Every photo list reads these, so each tile can show its date, stars and heart.
PHOTO_COLUMNS = (
    "ph.id, ph.path, ph.raw_path, ph.width, ph.height, ph.taken_at, ph.status, ph.missing, "
    "ph.moment, ph.taken_at IS NULL AND ph.moment != '', coalesce(ph.rating, 0), ph.favourite, "
    "CASE WHEN ph.kind = 'video' THEN coalesce(ph.duration, 0.0) END, ph.stack_label"
)


def photo_from_row(row: tuple) -> PhotoSummary:
    """A summary from `PHOTO_COLUMNS`'s columns."""
    path = row[1] if row[2] is None else fs_path(row[1], row[2])
    return PhotoSummary(
        row[0], path, row[3], row[4], row[5], row[6], bool(row[7]), row[8], bool(row[9]),
        row[10], bool(row[11]), row[12], row[13],
    )  # fmt: skip


# A copy whose kept photo shows the same person is that photo again: a person's photos list
# each set of copies once, as their counts do.
_NOT_A_COPY_OF_THEIRS = (
    "(ph.copy_of IS NULL OR NOT EXISTS (SELECT 1 FROM faces k WHERE k.photo_id = ph.copy_of "
    "AND k.person_id = f.person_id AND k.removed = 0))"
)


def photos_with(conn: sqlite3.Connection, person_ids: list[int]) -> list[PhotoSummary]:
    """Photos in which every one of these people appears (A and B together)."""
    if not person_ids:
        return all_photos(conn)
    unique = sorted(set(person_ids))
    rows = conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM photos ph JOIN faces f ON f.photo_id = ph.id "
        f"WHERE f.removed = 0 AND f.person_id IN {ids_in(unique)} AND {_NOT_A_COPY_OF_THEIRS} "
        "GROUP BY ph.id HAVING count(DISTINCT f.person_id) = ? "
        "ORDER BY ph.taken_at IS NULL, ph.taken_at, ph.path",
        [*unique, len(unique)],
    )
    return [photo_from_row(r) for r in rows]


def all_photos(conn: sqlite3.Connection, *, with_faces_only: bool = False) -> list[PhotoSummary]:
    where = "WHERE ph.status = 'done' AND ph.stack_of IS NULL"
    if with_faces_only:
        where += " AND EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = ph.id AND f.removed = 0)"
    rows = conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM photos ph {where} "
        "ORDER BY ph.taken_at IS NULL, ph.taken_at, ph.path"
    )
    return [photo_from_row(r) for r in rows]


def photo(conn: sqlite3.Connection, photo_id: int) -> PhotoSummary | None:
    row = conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM photos ph WHERE ph.id = ?", (photo_id,)
    ).fetchone()
    return photo_from_row(row) if row else None


def failed_photos(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT path, raw_path, error FROM photos WHERE status = 'error' AND missing = 0 "
        "AND stack_of IS NULL "
        "ORDER BY path"
    )
    return [(fs_path(r[0], r[1]), r[2] or "") for r in rows]


@dataclass(frozen=True)
class FolderSummary:
    path: str
    photos: int
    failed: int
    missing: int
    faces: int


def folders(conn: sqlite3.Connection) -> list[FolderSummary]:
    """Each folder the user added, with what the library knows under it."""
    out = []
    for (root,) in conn.execute("SELECT path FROM roots ORDER BY path").fetchall():
        prefix = root.rstrip("/") + "/"
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'error' AND NOT missing), "
            "count(*) FILTER (WHERE missing), "
            "(SELECT count(*) FROM faces f JOIN photos q ON q.id = f.photo_id "
            " WHERE f.removed = 0 AND substr(q.path, 1, ?) = ?) "
            "FROM photos WHERE substr(path, 1, ?) = ?",
            (len(prefix), prefix, len(prefix), prefix),
        ).fetchone()
        out.append(FolderSummary(root, row[0], row[1], row[2], row[3]))
    return out


def faces_in_photo(conn: sqlite3.Connection, photo_id: int) -> list[FaceInPhoto]:
    rows = conn.execute(
        "SELECT f.id, f.top, f.right, f.bottom, f.left, f.person_id, p.name, f.label_source, "
        "f.confidence, f.manual FROM faces f LEFT JOIN people p ON p.id = f.person_id "
        "WHERE f.photo_id = ? AND f.removed = 0 ORDER BY f.left, f.top",
        (photo_id,),
    )
    return [
        FaceInPhoto(r[0], (r[1], r[2], r[3], r[4]), r[5], r[6], r[7], r[8], bool(r[9]))
        for r in rows
    ]


def face_source(
    conn: sqlite3.Connection, face_id: int
) -> tuple[str, int, tuple[int, int, int, int]] | None:
    """(photo path, photo id, box) a shown face's crop is cut from; None for a removed or
    forgotten face."""
    row = conn.execute(
        "SELECT p.path, p.id, f.top, f.right, f.bottom, f.left FROM faces f "
        "JOIN photos p ON p.id = f.photo_id "
        "WHERE f.id = ? AND f.removed = 0 AND f.embedding IS NOT NULL",
        (face_id,),
    ).fetchone()
    return (row[0], row[1], (row[2], row[3], row[4], row[5])) if row else None


def faces_of(
    conn: sqlite3.Connection, person_id: int
) -> list[tuple[int, int, str | None, float | None]]:
    """(face id, photo id, label source, confidence): confirmed first, then suggestions."""
    rows = conn.execute(
        "SELECT id, photo_id, label_source, confidence FROM faces "
        "WHERE person_id = ? AND removed = 0 "
        "ORDER BY label_source = 'auto', confidence DESC, id",
        (person_id,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def face_photo(conn: sqlite3.Connection, face_id: int) -> int | None:
    row = conn.execute("SELECT photo_id FROM faces WHERE id = ?", (face_id,)).fetchone()
    return row[0] if row else None


def person_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM people WHERE name IS NOT NULL ORDER BY name COLLATE NOCASE"
    )
    return [r[0] for r in rows]


def distinct_pairs(conn: sqlite3.Connection) -> set[tuple[int, int]]:
    return {(r[0], r[1]) for r in conn.execute("SELECT a, b FROM distinct_people")}


UNSORTED_LIMIT = 5000


def unsorted_faces(
    conn: sqlite3.Connection, limit: int = UNSORTED_LIMIT
) -> list[tuple[int, int, str | None, float | None]]:
    """Faces in no group (too few alike to form a person), best first: the largest faces,
    then the ones the detector was surest of, are the easiest to recognise and name.
    Rows are shaped like faces_of's: (face id, photo id, None, None)."""
    rows = conn.execute(
        "SELECT id, photo_id FROM faces "
        "WHERE person_id IS NULL AND removed = 0 AND embedding IS NOT NULL "
        "ORDER BY (right - left) * (bottom - top) DESC, coalesce(score, 0) DESC, id "
        "LIMIT ?",
        (limit,),
    )
    return [(r[0], r[1], None, None) for r in rows]


def unsorted_count(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) FROM faces "
        "WHERE person_id IS NULL AND removed = 0 AND embedding IS NOT NULL"
    ).fetchone()
    return int(row[0])
