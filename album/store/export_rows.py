"""What exporting photos to a folder needs to know about each one, in one read.

Only decisions travel with an exported photo: names of faces the user confirmed or that the
photo's own files gave (`label_source` 'user' or 'file'), never a suggestion the user has not
looked at, as `album write-metadata` does; and the rating. The photo exporter
(`album.photo_export`) never runs SQL itself.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from album.store.photos import fs_path

Box = tuple[int, int, int, int]  # top, right, bottom, left in the upright photo's pixels


@dataclass(frozen=True)
class ExportRow:
    photo_id: int
    path: str  # where the original is on disk (exact bytes of a non-UTF-8 name kept)
    width: int | None  # upright, in pixels; None until the photo is analysed
    height: int | None
    rating: int | None  # 0-5 stars, None when none is known
    favourite: bool
    names: list[tuple[str, Box]] = field(default_factory=list)


def export_rows(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> list[ExportRow]:
    """The photos in `photo_ids`, in that order (an album's, a search's), each with its
    confirmed named faces. Ids with no photo are left out; a repeated id comes once."""
    wanted = list(dict.fromkeys(photo_ids))
    # One JSON parameter rather than thousands of placeholders (SQLite caps those).
    ids = json.dumps(wanted)
    names: dict[int, list[tuple[str, Box]]] = {}
    for photo_id, name, top, right, bottom, left in conn.execute(
        "SELECT f.photo_id, pe.name, f.top, f.right, f.bottom, f.left FROM faces f "
        "JOIN people pe ON pe.id = f.person_id "
        "WHERE f.photo_id IN (SELECT value FROM json_each(?)) AND f.removed = 0 "
        "AND f.label_source IN ('user', 'file') AND pe.name IS NOT NULL "
        "ORDER BY f.left, f.top",
        (ids,),
    ):
        names.setdefault(photo_id, []).append((name, (top, right, bottom, left)))
    found: dict[int, ExportRow] = {}
    for photo_id, text, raw, width, height, rating, favourite in conn.execute(
        "SELECT id, path, raw_path, width, height, rating, favourite FROM photos "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (ids,),
    ):
        found[photo_id] = ExportRow(
            photo_id,
            fs_path(text, raw),
            width,
            height,
            rating,
            bool(favourite),
            names.get(photo_id, []),
        )
    return [found[i] for i in wanted if i in found]
