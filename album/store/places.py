"""The places photos were taken, for the Places page and `album places`: each city with how
many photos it has and its newest one as a cover, in countries most photographed first."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from album.geocode import PlaceName
from album.store.photos import fs_path


@dataclass(frozen=True)
class Place:
    country: str
    region: str
    city: str
    photos: int
    cover_id: int  # the newest photo taken there
    cover_path: str

    @property
    def name(self) -> str:
        """ "Kyoto, Japan"; "Yokohama, Kanagawa, Japan" (the region where it is not the city)."""
        return str(PlaceName(self.city, self.region, self.country))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.country, self.region, self.city)


def places(conn: sqlite3.Connection) -> list[Place]:
    """Every named place of an analysed photo: countries with the most photos first, and in
    each its cities the same way. The cover is the newest photo (SQLite gives a bare column
    from the row where max() found its value)."""
    rows = conn.execute(
        "SELECT country, coalesce(region, ''), coalesce(city, ''), count(*), max(moment), id, "
        "path, raw_path FROM photos WHERE status = 'done' AND stack_of IS NULL "
        "AND country IS NOT NULL "
        "AND country != '' GROUP BY country, region, city"
    ).fetchall()
    per_country: dict[str, int] = {}
    for row in rows:
        per_country[row[0]] = per_country.get(row[0], 0) + row[3]
    found = [Place(row[0], row[1], row[2], row[3], row[5], fs_path(row[6], row[7])) for row in rows]
    found.sort(key=lambda p: (-per_country[p.country], p.country, -p.photos, p.city, p.region))
    return found


def place_filter(place: tuple[str, str, str]) -> tuple[str, list[str]]:
    """The WHERE clause (on `ph`) and its values for the photos of one place."""
    country, region, city = place
    return (
        "ph.country = ? AND coalesce(ph.region, '') = ? AND coalesce(ph.city, '') = ?",
        [country, region, city],
    )
