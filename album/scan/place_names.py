"""Naming the places of the photos a scan found coordinates in.

After the photos are analysed, not in the workers: the place table costs about a second and
100 MB to load, once per process, and a worker pool would pay it per worker. A photo whose
name was looked up and nothing is near keeps country '' so it is not looked up again; one
whose file changes gets its coordinates read again and is named afresh.
"""

from __future__ import annotations

from album.geocode import GeocodeError, name_places
from album.store.library import Library

BATCH = 5_000  # photos named per transaction: writes stay short


def name_photo_places(library: Library) -> str | None:
    """Names every photo that has coordinates and no name yet. Returns why it could not (the
    table is missing or damaged: the scan goes on and the next one tries again), else None."""
    while True:
        rows = library.conn.execute(
            "SELECT id, latitude, longitude FROM photos WHERE latitude IS NOT NULL "
            "AND country IS NULL LIMIT ?",
            (BATCH,),
        ).fetchall()
        if not rows:
            return None
        try:
            names = name_places([(lat, lon) for _, lat, lon in rows])
        except GeocodeError as exc:
            return str(exc)
        with library.write() as db:
            db.conn.executemany(
                "UPDATE photos SET city = ?, region = ?, country = ? WHERE id = ?",
                [
                    (name.city, name.region, name.country, photo_id)
                    if name is not None
                    else (None, None, "", photo_id)
                    for (photo_id, _, _), name in zip(rows, names, strict=True)
                ],
            )
