"""Albums: the photos a person put together, in the order they chose, and smart albums that
keep a search and are read afresh each time.

Only `album.organizer` writes here, each change inside an edit it logs for undo. An album
holds photo ids, not paths: a rescan keeps a photo's id and a moved file is relinked to its
row by content hash (album.scan.plan), so albums survive both.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from album.store.queries import PHOTO_COLUMNS, PhotoSummary, photo_from_row
from album.store.sql import ids_in


@dataclass(frozen=True)
class AlbumRow:
    id: int
    name: str
    search: str | None  # a smart album's saved search
    cover_photo_id: int | None  # the user's choice; None: the album's first photo
    photos: int  # a smart album's count is its search's, filled in by the caller

    @property
    def smart(self) -> bool:
        return self.search is not None


def albums(conn: sqlite3.Connection) -> list[AlbumRow]:
    """Every album in the sidebar's order, with how many photos each plain album holds."""
    rows = conn.execute(
        "SELECT a.id, a.name, a.search, a.cover_photo_id, "
        "(SELECT count(*) FROM album_photos ap WHERE ap.album_id = a.id) "
        "FROM albums a ORDER BY a.position, a.id"
    )
    return [AlbumRow(*row) for row in rows]


def album(conn: sqlite3.Connection, album_id: int) -> AlbumRow | None:
    return next((a for a in albums(conn) if a.id == album_id), None)


def album_named(conn: sqlite3.Connection, name: str) -> AlbumRow | None:
    row = conn.execute(
        "SELECT id FROM albums WHERE name = ? COLLATE NOCASE", (name.strip(),)
    ).fetchone()
    return album(conn, row[0]) if row else None


def photos_in(conn: sqlite3.Connection, album_id: int) -> list[PhotoSummary]:
    """A plain album's photos in the user's order."""
    rows = conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM album_photos ap JOIN photos ph ON ph.id = ap.photo_id "
        "WHERE ap.album_id = ? ORDER BY ap.position, ap.photo_id",
        (album_id,),
    )
    return [photo_from_row(r) for r in rows]


def photo_ids_in(conn: sqlite3.Connection, album_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT photo_id FROM album_photos WHERE album_id = ? ORDER BY position, photo_id",
        (album_id,),
    )
    return [r[0] for r in rows]


def albums_of_photo(conn: sqlite3.Connection, photo_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT a.name FROM album_photos ap JOIN albums a ON a.id = ap.album_id "
        "WHERE ap.photo_id = ? ORDER BY a.position, a.id",
        (photo_id,),
    )
    return [r[0] for r in rows]


def create(conn: sqlite3.Connection, name: str, search: str | None = None) -> int:
    """A new album at the end of the sidebar."""
    last = conn.execute("SELECT max(position) FROM albums").fetchone()[0]
    cursor = conn.execute(
        "INSERT INTO albums (name, search, position, created_at) VALUES (?, ?, ?, ?)",
        (name, search, (last or 0) + 1, time.time()),
    )
    return int(cursor.lastrowid or 0)


def add(conn: sqlite3.Connection, album_id: int, photo_ids: list[int]) -> list[int]:
    """Append the photos not in the album yet, in the order given; returns those added."""
    have = set(photo_ids_in(conn, album_id))
    new = [p for p in dict.fromkeys(photo_ids) if p not in have]
    last = conn.execute(
        "SELECT max(position) FROM album_photos WHERE album_id = ?", (album_id,)
    ).fetchone()[0]
    start = (last or 0) + 1
    conn.executemany(
        "INSERT INTO album_photos (album_id, photo_id, position) VALUES (?, ?, ?)",
        [(album_id, p, start + i) for i, p in enumerate(new)],
    )
    return new


def remove(conn: sqlite3.Connection, album_id: int, photo_ids: list[int]) -> int:
    unique = sorted(set(photo_ids))
    if not unique:
        return 0
    cursor = conn.execute(
        f"DELETE FROM album_photos WHERE album_id = ? AND photo_id IN {ids_in(unique)}",
        [album_id, *unique],
    )
    conn.execute(
        f"UPDATE albums SET cover_photo_id = NULL WHERE id = ? AND cover_photo_id IN "
        f"{ids_in(unique)}",
        [album_id, *unique],
    )
    return cursor.rowcount


def set_order(conn: sqlite3.Connection, album_id: int, photo_ids: list[int]) -> None:
    """The album's photos in this order (those left out keep theirs, after these)."""
    rest = [p for p in photo_ids_in(conn, album_id) if p not in set(photo_ids)]
    conn.executemany(
        "UPDATE album_photos SET position = ? WHERE album_id = ? AND photo_id = ?",
        [(i + 1, album_id, p) for i, p in enumerate([*photo_ids, *rest])],
    )


def rename(conn: sqlite3.Connection, album_id: int, name: str) -> None:
    conn.execute("UPDATE albums SET name = ? WHERE id = ?", (name, album_id))


def set_search(conn: sqlite3.Connection, album_id: int, search: str) -> None:
    conn.execute("UPDATE albums SET search = ? WHERE id = ?", (search, album_id))


def set_cover(conn: sqlite3.Connection, album_id: int, photo_id: int | None) -> None:
    conn.execute("UPDATE albums SET cover_photo_id = ? WHERE id = ?", (photo_id, album_id))


def move_album(conn: sqlite3.Connection, album_id: int, before: int | None) -> None:
    """Put the album just before `before` in the sidebar (None: last)."""
    order = [a.id for a in albums(conn) if a.id != album_id]
    at = order.index(before) if before in order else len(order)
    order.insert(at, album_id)
    conn.executemany(
        "UPDATE albums SET position = ? WHERE id = ?", [(i + 1, a) for i, a in enumerate(order)]
    )


def delete(conn: sqlite3.Connection, album_id: int) -> None:
    conn.execute("DELETE FROM albums WHERE id = ?", (album_id,))


# -- for the edit log -----------------------------------------------------------------------


def snapshot(conn: sqlite3.Connection, album_ids: list[int]) -> dict[str, object]:
    """Each album as it is: [name, search, cover, position, created, [[photo, position]...]],
    or None where it does not exist."""
    state: dict[str, object] = {}
    for album_id in sorted(set(album_ids)):
        row = conn.execute(
            "SELECT name, search, cover_photo_id, position, created_at FROM albums WHERE id = ?",
            (album_id,),
        ).fetchone()
        if row is None:
            state[str(album_id)] = None
            continue
        members = conn.execute(
            "SELECT photo_id, position FROM album_photos WHERE album_id = ? ORDER BY position",
            (album_id,),
        ).fetchall()
        state[str(album_id)] = [*row, [list(m) for m in members]]
    return state


def restore(conn: sqlite3.Connection, state: dict[str, object]) -> None:
    """Put each album back as `snapshot` saw it. Photos removed from the library since are
    left out (they are gone); a name another album took meanwhile is freed by renaming that
    one, never by losing this one's."""
    for key, row in state.items():
        album_id = int(key)
        if row is None:
            conn.execute("DELETE FROM albums WHERE id = ?", (album_id,))
            continue
        assert isinstance(row, list)
        name, search, cover, position, created, members = row
        clash = conn.execute(
            "SELECT id FROM albums WHERE name = ? COLLATE NOCASE AND id != ?", (name, album_id)
        ).fetchone()
        if clash:
            conn.execute(
                "UPDATE albums SET name = name || ' (' || id || ')' WHERE id = ?", (clash[0],)
            )
        conn.execute(
            "INSERT INTO albums (id, name, search, cover_photo_id, position, created_at) "
            "VALUES (?, ?, ?, (SELECT id FROM photos WHERE id = ?), ?, ?) ON CONFLICT(id) DO "
            "UPDATE SET name = excluded.name, search = excluded.search, "
            "cover_photo_id = excluded.cover_photo_id, position = excluded.position",
            (album_id, name, search, cover, position, created),
        )
        conn.execute("DELETE FROM album_photos WHERE album_id = ?", (album_id,))
        conn.executemany(
            "INSERT INTO album_photos (album_id, photo_id, position) "
            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM photos WHERE id = ?)",
            [(album_id, photo, pos, photo) for photo, pos in members],
        )
