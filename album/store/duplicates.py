"""The rows `album.duplicates.find_sets` reads: every analysed photo that is on disk.

Only analysed photos: a pending photo has no hash yet and a failed one may be no photo at
all. Missing ones are left out: a folder offline is not a copy to keep or drop.
"""

from __future__ import annotations

import sqlite3

from album.duplicates import DuplicatePhoto
from album.store.photos import fs_path

_ON_DISK = "status = 'done' AND missing = 0"

# What a copy may have lost that its photo carries: a date, a place, a rating or a star
# (read from the file or given in album). Counted in SQL: free beside the row itself.
_METADATA = (
    "(taken_at IS NOT NULL) + (latitude IS NOT NULL) + (coalesce(rating, 0) > 0) + favourite"
)


def duplicate_candidates(conn: sqlite3.Connection) -> list[DuplicatePhoto]:
    """Every analysed photo on disk, as find_sets needs it."""
    rows = conn.execute(
        "SELECT id, path, raw_path, size, width, height, taken_at, content_hash, phash, "
        f"{_METADATA} FROM photos WHERE {_ON_DISK}"
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
            phash=row[8],
            metadata=row[9],
        )
        for row in rows
    ]


def unhashed_count(conn: sqlite3.Connection) -> int:
    """Analysed photos without a perceptual hash: analysed before near copies were looked
    for (schema v11), so only their exact copies can be found until they are analysed again."""
    row = conn.execute(f"SELECT count(*) FROM photos WHERE {_ON_DISK} AND phash IS NULL")
    return int(row.fetchone()[0])
