"""Photos: every analyzed photo as a thumbnail, or only those where some people are together.

Typing "Ada, Bob" in the people box shows the photos in which Ada and Bob both appear.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from album.store import people as people_rows
from album.store import queries
from album.store.library import Library
from album.ui.backend import Backend
from album.ui.models import PhotosModel
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate, grid_view

Loaded = tuple[list[queries.PhotoSummary], list[str], list[str]]


class NamesCompleter(QCompleter):
    """Completes the name being typed after the last comma, keeping the ones before it."""

    def splitPath(self, path: str) -> list[str]:
        return [path.split(",")[-1].strip()]

    def pathFromIndex(self, index: object) -> str:
        chosen = super().pathFromIndex(index)  # type: ignore[arg-type]
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        before = [part.strip() for part in text.split(",")[:-1] if part.strip()]
        return ", ".join([*before, chosen]) + ", "


def split_names(text: str) -> list[str]:
    parts = [p.strip() for chunk in text.split(",") for p in chunk.split(" and ")]
    return [p for p in parts if p]


class PhotosView(QWidget):
    open_photo = Signal(int, list)

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.model = PhotosModel(thumbnails)
        self.view = grid_view(TileDelegate(QSize(180, 135), 0, whole=True), self)
        self.view.setModel(self.model)
        VisibleTiles(self.view, thumbnails, "photo")
        self.steady = SteadyGrid(self.view, self.model)
        self.view.setEditTriggers(self.view.EditTrigger.NoEditTriggers)
        self.view.activated.connect(self._open)
        self.view.doubleClicked.connect(self._open)
        self.who = QLineEdit(placeholderText="Who? Type names: Ada, Bob", clearButtonEnabled=True)
        self.completer = NamesCompleter([], self.who)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.who.setCompleter(self.completer)
        self.who.textChanged.connect(lambda _: self._timer.start())
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        bar = QHBoxLayout()
        bar.addWidget(self.who, 2)
        bar.addWidget(self.summary, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.reload)
        self._names: list[str] = []

    def show_people(self, names: list[str]) -> None:
        self.who.setText(", ".join(names))
        self.reload()

    def reload(self) -> None:
        wanted = split_names(self.who.text())

        def load(library: Library) -> Loaded:
            conn = library.conn
            ids, unknown = [], []
            for name in wanted:
                person = people_rows.person_named(conn, name)
                if person is None:
                    unknown.append(name)
                else:
                    ids.append(person.id)
            found = [] if unknown else queries.photos_with(conn, ids)
            return found, unknown, queries.person_names(conn)

        self.backend.query(load, lambda value: self._loaded(wanted, value))

    def _loaded(self, wanted: list[str], value: Loaded) -> None:
        photos, unknown, names = value
        self.steady.set_rows(photos)
        if names != self._names:
            self._names = names
            self.completer.model().setStringList(names)  # type: ignore[attr-defined]
        count = f"{len(photos)} photo{'s' * (len(photos) != 1)}"
        if unknown:
            self.summary.setText(f"Nobody is called {', '.join(unknown)}")
        elif wanted:
            self.summary.setText(f"{count} with {' and '.join(wanted)}")
        else:
            self.summary.setText(count)

    def _open(self, index: object) -> None:
        self.open_photo.emit(self.model.id_at(index), [p.id for p in self.model.rows])  # type: ignore[arg-type]
