"""Places: the cities the photos were taken in, under their countries, most photographed first.

Each city shows its newest photo and how many there are; opening one (double-click, Return)
shows its photos on the Photos page, by day. Photos without coordinates have no place and are
simply not here.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from album.store.library import Library
from album.store.places import Place, places
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.models import Heading, PlacesModel, PlaceTile
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate, grid_view, set_headed


def tiles_of(found: list[Place]) -> list[Heading | PlaceTile]:
    """A heading per country ("Japan · 3 cities · 120 photos"), then its cities."""
    rows: list[Heading | PlaceTile] = []
    countries = sorted({p.country for p in found}, key=[p.country for p in found].index)
    for number, country in enumerate(countries, start=1):
        cities = [p for p in found if p.country == country]
        total = sum(p.photos for p in cities)
        rows.append(
            Heading(
                -number, f"{country} · {counted(len(cities), 'place')} · {counted(total, 'photo')}"
            )
        )
        for place in cities:
            where = place.city or place.region or country
            region = f"{place.region} · " if place.region and place.region != place.city else ""
            rows.append(
                PlaceTile(
                    place.cover_id,
                    place.cover_path,
                    where,
                    f"{region}{counted(place.photos, 'photo')}",
                    place.key,
                )
            )
    return rows


class PlacesView(QWidget):
    open_place = Signal(tuple, str)  # (country, region, city), its name

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.model = PlacesModel(thumbnails)
        self.view = grid_view(TileDelegate(QSize(180, 135), 2), self)
        self.view.setModel(self.model)
        set_headed(self.view, True)
        self.view.setEditTriggers(self.view.EditTrigger.NoEditTriggers)
        VisibleTiles(self.view, thumbnails, "photo")
        self.steady = SteadyGrid(self.view, self.model)
        self.view.activated.connect(self._open)  # a double-click, or Return
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view)
        self.places: list[Place] = []

    def reload(self) -> None:
        def load(library: Library) -> list[Place]:
            return places(library.conn)

        self.backend.query(load, self._loaded, latest=self)

    def _loaded(self, found: list[Place]) -> None:
        self.places = found
        self.steady.set_rows(tiles_of(found))
        if found:
            photos = sum(p.photos for p in found)
            countries = len({p.country for p in found})
            self.summary.setText(
                f"{counted(photos, 'photo')} in {counted(len(found), 'place')}, "
                f"{counted(countries, 'country', 'countries')}. "
                "Open a place to see its photos by day."
            )
        else:
            self.summary.setText(
                "No photo has a place yet. Phones and cameras with GPS write where each photo "
                "was taken; album names the place (offline) when it scans the photo."
            )

    def _open(self, index: QModelIndex) -> None:
        row = self.model.rows[index.row()]
        if isinstance(row, PlaceTile):
            place = next(p for p in self.places if p.key == row.key)
            self.open_place.emit(row.key, place.name)
