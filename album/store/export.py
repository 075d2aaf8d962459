"""`album export --json`: the whole library as one JSON object (documented in the README).

Tests and other tools read this instead of our tables, so its shape is a promise: fields are
added, never renamed or removed.
"""

from __future__ import annotations

from typing import Any

from album.geocode import PlaceName
from album.store.library import Library

FORMAT_VERSION = 1


def export(library: Library) -> dict[str, Any]:
    conn = library.conn
    people = {
        row[0]: {
            "id": row[0],
            "name": row[1],
            "hidden": bool(row[2]),
            "faces": row[3],
            "birthday": row[4],
        }
        for row in conn.execute(
            "SELECT p.id, p.name, p.hidden, count(f.id), p.birthday FROM people p "
            "JOIN faces f ON f.person_id = p.id AND f.removed = 0 GROUP BY p.id ORDER BY p.id"
        )
    }
    faces: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(
        "SELECT id, photo_id, top, right, bottom, left, score, person_id, label_source, "
        "confidence, manual, frame_ms FROM faces WHERE removed = 0 ORDER BY photo_id, left, top"
    ):
        person = people.get(row[7])
        faces.setdefault(row[1], []).append(
            {
                "id": row[0],
                "box": [row[2], row[3], row[4], row[5]],
                "score": row[6],
                "person_id": row[7],
                "person": person["name"] if person else None,
                "label_source": row[8],
                "confidence": row[9],
                "manual": bool(row[10]),
                "frame_ms": row[11],  # a video's face: the frame its box is in
            }
        )
    photos = []
    for row in conn.execute(
        "SELECT id, path, raw_path, status, error, missing, width, height, taken_at, "
        "names_error, latitude, longitude, city, region, country, kind, duration, stack_of "
        "FROM photos ORDER BY path"
    ):
        photos.append(
            {
                "id": row[0],
                "path": row[1],
                "status": "missing" if row[5] else row[3],
                "error": row[4],
                "width": row[6],
                "height": row[7],
                "taken_at": row[8],
                "names_error": row[9],
                "place": [row[10], row[11]] if row[10] is not None else None,
                "place_name": str(PlaceName(*row[12:15])) if row[14] else None,
                "kind": row[15],  # 'photo' or 'video'
                "duration": row[16],  # a video's length in seconds, else null
                "stack_of": row[17],  # a version (RAW, original): its stack's top photo
                "faces": faces.get(row[0], []),
            }
        )
    return {
        "format": FORMAT_VERSION,
        "library": str(library.path),
        "photos": photos,
        "people": list(people.values()),
    }
