"""Stars and hearts: a photo's rating (0-5) and whether it is a favourite.

A rating read from the photo's files on scan (`rated = 'file'`) follows the files: a later
read replaces it. One set in album (`rated = 'user'`) is a decision: no file read changes it,
and the files are brought in line with it (album.interop.write_names). Only `album.organizer`
sets either, inside an edit it logs for undo.
"""

from __future__ import annotations

import sqlite3

from album.store.sql import chunks, ids_in


def set_rating(conn: sqlite3.Connection, photo_ids: list[int], rating: int) -> None:
    for chunk in chunks(photo_ids):
        conn.execute(
            f"UPDATE photos SET rating = ?, rated = 'user' WHERE id IN {ids_in(chunk)}",
            [rating, *chunk],
        )


def set_favourite(conn: sqlite3.Connection, photo_ids: list[int], favourite: bool) -> None:
    for chunk in chunks(photo_ids):
        conn.execute(
            f"UPDATE photos SET favourite = ? WHERE id IN {ids_in(chunk)}",
            [int(favourite), *chunk],
        )


def apply_file_rating(conn: sqlite3.Connection, photo_id: int, rating: int | None) -> None:
    """What the photo's files say now, unless the user rated it in album."""
    conn.execute(
        "UPDATE photos SET rating = ?, rated = CASE WHEN ? IS NULL THEN NULL ELSE 'file' END "
        "WHERE id = ? AND rated IS NOT 'user'",
        (rating, rating, photo_id),
    )


def ratings(conn: sqlite3.Connection, photo_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """Each photo's stars (0 where none) and heart."""
    found: dict[int, tuple[int, bool]] = {}
    for chunk in chunks(sorted(set(photo_ids))):
        for pid, rating, favourite in conn.execute(
            f"SELECT id, coalesce(rating, 0), favourite FROM photos WHERE id IN {ids_in(chunk)}",
            chunk,
        ):
            found[pid] = (rating, bool(favourite))
    return found


def snapshot(conn: sqlite3.Connection, photo_ids: list[int]) -> dict[str, list[object]]:
    """[rating, favourite, rated] of each photo, for the edit log."""
    state: dict[str, list[object]] = {}
    for chunk in chunks(sorted(set(photo_ids))):
        for pid, *row in conn.execute(
            f"SELECT id, rating, favourite, rated FROM photos WHERE id IN {ids_in(chunk)}", chunk
        ):
            state[str(pid)] = row
    return state


def restore(conn: sqlite3.Connection, state: dict[str, list[object]]) -> None:
    conn.executemany(
        "UPDATE photos SET rating = ?, favourite = ?, rated = ? WHERE id = ?",
        [(*row, int(pid)) for pid, row in state.items()],
    )
