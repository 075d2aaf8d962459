"""Photos: every analysed photo by day, newest first, or only those where some people are
together.

The search box takes people, places and dates ("Ada, Bob" shows the photos in which Ada and
Bob both appear; "Ada Kyoto 2019", "Lisbon summer 2021": album/store/search.py). The
strip on the right (years) and "Go to" (a date, Ctrl+G) move through the timeline.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from album.people.ages import MONTH_NAMES
from album.store import queries
from album.store.library import Library
from album.store.places import places
from album.store.search import describe, named_people, parse, search_photos
from album.store.timeline import DayKey, DayNotes, day_notes
from album.timeline import Day, days_of
from album.ui.backend import Backend
from album.ui.models import PhotosModel
from album.ui.photo_actions import PhotoActions
from album.ui.scrubber import Scrubber
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate
from album.ui.timeline_view import TimelineView
from album.ui.videos import played, stills

Loaded = tuple[list[queries.PhotoSummary], list[Day], list[str], list[str], dict[DayKey, DayNotes]]
FIRST_SCREEN = 500  # the newest photos, shown while the rest are read


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


def completions(library: Library) -> list[str]:
    """What the search box offers while typing: names, places, months."""
    found = places(library.conn)
    where = dict.fromkeys([*(p.city for p in found if p.city), *(p.country for p in found)])
    return [*queries.person_names(library.conn), *where, *MONTH_NAMES, "★4+", "favourites"]


class PhotosView(QWidget):
    open_photo = Signal(int, list)

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.model = PhotosModel(thumbnails)
        self.view = TimelineView(TileDelegate(QSize(180, 135), 0, whole=True), thumbnails, self)
        self.view.setModel(self.model)
        VisibleTiles(self.view, thumbnails, "photo")
        self.steady = SteadyGrid(self.view, self.model)
        self.scrubber = Scrubber(self.view, self)
        # `activated` is the double-click (or the platform's single click) and Return: a
        # double-click also emits doubleClicked, and listening to both opened two viewers.
        self.view.activated.connect(self._open)
        self.actions = PhotoActions(self.view, self.model, backend)
        self.who = QLineEdit(
            placeholderText="Search people, places, dates, ★4+: Ada, Kyoto, summer 2019",
            clearButtonEnabled=True,
        )
        self.completer = NamesCompleter([], self.who)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.who.setCompleter(self.completer)
        self.who.textChanged.connect(lambda _: self._timer.start())
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        self.date = QDateEdit(calendarPopup=True, displayFormat="d MMMM yyyy")
        self.date.setToolTip("Go to a date (Ctrl+G)")
        self.date.setDate(QDate.currentDate())
        self.date.dateChanged.connect(lambda _: self._go_timer.start())
        # A place opened from the Places page: its photos only, until this is clicked.
        self.place: tuple[str, str, str] | None = None
        self.place_chip = QPushButton()
        self.place_chip.setToolTip("Show the photos of every place")
        self.place_chip.setVisible(False)
        self.place_chip.clicked.connect(lambda: self.show_place(None, ""))
        going = QLabel("Go to")
        going.setBuddy(self.date)
        bar = QHBoxLayout()
        bar.addWidget(self.who, 2)
        bar.addWidget(self.place_chip)
        bar.addWidget(self.summary, 3)
        bar.addWidget(going)
        bar.addWidget(self.date)
        grid = QHBoxLayout()
        grid.setSpacing(0)
        grid.addWidget(self.view)
        grid.addWidget(self.scrubber)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.reload)
        # A date typed digit by digit goes where it points once the typing pauses.
        self._go_timer = QTimer(self, singleShot=True, interval=300)
        self._go_timer.timeout.connect(lambda: self.go_to(self.date.date().toPython()))
        go = QShortcut(
            QKeySequence("Ctrl+G"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        go.activated.connect(self._ask_date)
        self._names: list[str] = []
        self._loads = self._complete = 0  # reloads asked for; the last one shown whole
        self._place_name = ""

    def show_people(self, names: list[str]) -> None:
        self.who.setText(", ".join(names))
        self.reload()

    def show_place(self, place: tuple[str, str, str] | None, name: str) -> None:
        self.place, self._place_name = place, name
        self.place_chip.setText(f"📍 {name}  ✕")
        self.place_chip.setVisible(place is not None)
        self.reload()

    def reload(self) -> None:
        """Reads the photos again, off the GUI thread. An empty page first gets the newest
        screen (an index walk: milliseconds), then all of them (100,000 rows: 0.6 s)."""
        text = self.who.text()
        place = self.place
        # The words for the place searched, as they were asked (the chip may change meanwhile).
        where = self._place_name if place is not None else ""
        self._loads += 1
        generation = self._loads

        def load(library: Library, limit: int = -1) -> Loaded:
            conn = library.conn
            wanted = parse(text, named_people(conn))
            found = search_photos(library, wanted, limit, place)
            notes = day_notes(conn) if limit < 0 else {}
            offered = completions(library) if limit < 0 else []
            return found, days_of(found), wanted, offered, notes

        if not self.model.rows:
            self.backend.query(
                lambda library: load(library, FIRST_SCREEN),
                lambda value: self._loaded((text, where), value, generation, partial=True),
            )
        self.backend.query(load, lambda value: self._loaded((text, where), value, generation))

    def _loaded(
        self, asked: tuple[str, str], value: Loaded, generation: int, *, partial: bool = False
    ) -> None:
        if generation < self._complete or (partial and generation == self._complete):
            return  # a newer (or a whole) reading is already shown
        if not partial:
            self._complete = generation
        photos, days, wanted, offered, notes = value
        self.view.expect(photos, days)
        self.steady.set_rows(photos)
        if partial:
            return
        self.view.set_notes(notes)
        if offered != self._names:
            self._names = offered
            self.completer.model().setStringList(offered)  # type: ignore[attr-defined]
        text, where = asked
        count = f"{len(photos)} photo{'s' * (len(photos) != 1)}" + (f" in {where}" if where else "")
        if not photos and text.strip():
            self.summary.setText(f"Nothing matches “{text.strip()}”")
        elif wanted.empty:
            self.summary.setText(count)
        else:
            self.summary.setText(f"{count} · {describe(wanted)}")

    def _open(self, index: object) -> None:
        row = self.model.rows[index.row()] if isinstance(index, QModelIndex) else None
        if row is not None and played(row):
            return
        self.open_photo.emit(self.model.id_at(index), stills(self.model.rows))  # type: ignore[arg-type]

    def go_to(self, wanted: dt.date) -> None:
        """Shows the photos of `wanted`, or of the closest day that has some."""
        day = self.view.go_to(wanted)
        if day is None:
            self.summary.setText("No photo has a date to go to")

    def _ask_date(self) -> None:
        self.date.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.date.setSelectedSection(QDateEdit.Section.DaySection)
