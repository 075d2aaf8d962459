"""One person: all their faces and all their photos, and the corrections a user makes there.

Suggested faces (matched automatically) carry a badge and sort last; they can be confirmed one
by one or all at once above a confidence. Selected faces can be declared "not this person",
moved to someone else, removed as not-a-face, or made the person's cover.

A person with a birthday is a life in photos: the page says when they were born, their faces
and photos run in the order the photos were taken, grouped by year under a heading that says
how old they were that year and how many photos it has ("2015 · 4–5 years old · 12 photos";
the undated last, under "No date"), and every tile says the year and the age then ("2015 · 5
years"). The headings are rows of the grids' models that are never enabled: nothing selects,
opens, confirms or moves one, and every action here reads faces through `selected_faces`,
which knows only faces. Without a birthday there are no headings and the order is the usual
one (confirmed faces first, suggestions last).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from album.people import ages
from album.store import queries
from album.store.library import Library
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.birthday_dialog import ask_birthday
from album.ui.models import (
    Heading,
    PersonFacesModel,
    PersonPhotosModel,
    heading_id,
)
from album.ui.name_dialog import ask_name
from album.ui.photo_actions import PhotoActions
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate, grid_view, set_headed
from album.ui.videos import played, played_id, stills

FaceRow = tuple[int, int, str | None, float | None]
PageData = tuple[
    queries.PersonSummary | None,
    list[FaceRow | Heading],
    list[queries.PhotoSummary | Heading],
    list[str],
    dict[int, str],  # photo id -> the line under its tiles (empty without a birthday)
]
Tile = TypeVar("Tile")


def dated(
    birthday: str | None, faces: list[FaceRow], photos: list[queries.PhotoSummary]
) -> tuple[list[FaceRow | Heading], list[queries.PhotoSummary | Heading], dict[int, str]]:
    """With a birthday, the faces and the photos in the order the photos were taken, under a
    heading per year (undated last), and a caption per photo; without one, the faces as they
    were (suggestions last), the photos as they were, no headings and no captions."""
    if birthday is None:
        return list(faces), list(photos), {}
    taken = {p.id: p.taken_at for p in photos}
    captions = {p.id: ages.photo_caption(birthday, p.taken_at) for p in photos}
    order = sorted(faces, key=lambda f: (taken.get(f[1]) is None, taken.get(f[1]) or ""))
    return (
        by_year(birthday, order, lambda f: taken.get(f[1]), lambda f: f[1]),
        by_year(birthday, photos, attrgetter("taken_at"), attrgetter("id")),
        captions,
    )


def by_year(
    birthday: str,
    tiles: Sequence[Tile],
    taken_at: Callable[[Tile], str | None],
    photo_of: Callable[[Tile], int],
) -> list[Tile | Heading]:
    """The tiles with a heading before each year's. The heading counts photos, not tiles: the
    Faces and Photos tabs must agree, and one photo may (wrongly) hold two of a person's faces."""
    rows: list[Tile | Heading] = []
    for year, group in ages.by_year(tiles, taken_at):
        photos = {photo_of(tile): taken_at(tile) for tile in group}
        rows.append(
            Heading(heading_id(year), ages.year_heading(birthday, year, [*photos.values()]))
        )
        rows.extend(group)
    return rows


class PersonPage(QWidget):
    back = Signal()
    open_photo = Signal(int, list)  # photo id, the photo ids around it (for next / previous)

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.person_id: int | None = None
        self.person: queries.PersonSummary | None = None
        self.names: list[str] = []

        self.faces = PersonFacesModel(thumbnails)
        self.face_view = grid_view(TileDelegate(QSize(104, 104), 0), self)
        self.face_view.setModel(self.faces)
        VisibleTiles(self.face_view, thumbnails, "face")
        self.steady_faces = SteadyGrid(self.face_view, self.faces)
        self.face_view.setEditTriggers(self.face_view.EditTrigger.NoEditTriggers)
        self.face_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.face_view.doubleClicked.connect(self._open_face)
        self.photos = PersonPhotosModel(thumbnails)
        self.photo_view = grid_view(TileDelegate(QSize(180, 135), 0, whole=True), self)
        self.photo_view.setModel(self.photos)
        VisibleTiles(self.photo_view, thumbnails, "photo")
        SteadyGrid(self.photo_view, self.photos)
        self.photo_view.setEditTriggers(self.photo_view.EditTrigger.NoEditTriggers)
        self.photo_view.doubleClicked.connect(self._open_photo)
        self.photo_actions = PhotoActions(self.photo_view, self.photos, backend)

        back = QPushButton("‹ People")
        back.setFlat(True)
        back.clicked.connect(self.back)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.stats = QLabel()
        self.stats.setObjectName("dim")
        # Cut at the right in a narrow window rather than hold the window wide (the whole
        # line is in its tooltip): with "born …" it is as wide as the buttons.
        self.stats.setMinimumWidth(1)
        rename = QPushButton("Rename…")
        rename.clicked.connect(self.rename)
        self.birthday_button = QPushButton("Birthday…")
        self.birthday_button.clicked.connect(self.edit_birthday)
        self.confirm_all_button = QPushButton("Confirm suggestions")
        self.confirm_all_button.setToolTip(
            "Confirm every suggested face at or above this confidence"
        )
        self.confirm_all_button.clicked.connect(self.confirm_all)
        self.threshold = QDoubleSpinBox(suffix=" %", decimals=0, minimum=50, maximum=100, value=80)
        self.threshold.setToolTip("Confidence at or above which suggestions are confirmed")
        header = QHBoxLayout()
        header.addWidget(back)
        header.addWidget(self.title)
        header.addWidget(self.stats)
        header.addStretch(1)
        header.addWidget(rename)
        header.addWidget(self.birthday_button)
        # "≥", not "at or above": the header must leave room for Birthday… in a window
        # 800 px wide (the words are in the tooltips).
        at_least = QLabel("≥")
        at_least.setToolTip(self.threshold.toolTip())
        header.addWidget(at_least)
        header.addWidget(self.threshold)
        header.addWidget(self.confirm_all_button)

        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.reject_button = QPushButton("Not this person")
        self.reject_button.clicked.connect(self.reject_selected)
        self.move_button = QPushButton("Move to…")
        self.move_button.clicked.connect(self.move_selected)
        self.remove_button = QPushButton("Remove face")
        self.remove_button.setToolTip("Not a face at all: remove it for good")
        self.remove_button.clicked.connect(self.remove_selected)
        self.cover_button = QPushButton("Set as cover")
        self.cover_button.clicked.connect(self.set_cover)
        actions = QHBoxLayout()
        for button in (
            self.confirm_button,
            self.reject_button,
            self.move_button,
            self.remove_button,
            self.cover_button,
        ):
            actions.addWidget(button)
            # Clicks leave the keyboard on the faces: a button that greys out after its edit
            # must not pass focus (and the next Space) to its neighbour.
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        actions.addStretch(1)
        for key, slot in (
            (QKeySequence(Qt.Key.Key_F2), self.rename),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.reject_selected),
            (QKeySequence(Qt.Key.Key_Backspace), self.back.emit),
            (QKeySequence("Alt+Left"), self.back.emit),
        ):
            shortcut = QShortcut(key, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        faces_tab = QWidget()
        faces_layout = QVBoxLayout(faces_tab)
        faces_layout.setContentsMargins(0, 0, 0, 0)
        faces_layout.addLayout(actions)
        faces_layout.addWidget(self.face_view)
        self.tabs = QTabWidget()
        self.tabs.addTab(faces_tab, "Faces")
        self.tabs.addTab(self.photo_view, "Photos")
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs)
        self._selection_changed()

    def show_person(self, person_id: int) -> None:
        if person_id != self.person_id:
            self.faces.set_rows([])
            self.photos.set_rows([])
        self.person_id = person_id
        self.reload()

    def reload(self) -> None:
        person_id = self.person_id
        if person_id is None:
            return

        def load(library: Library) -> PageData:
            conn = library.conn
            found = [p for p in queries.people(conn, include_hidden=True) if p.id == person_id]
            person = found[0] if found else None
            faces, photos, captions = dated(
                person.birthday if person else None,
                queries.faces_of(conn, person_id),
                queries.photos_with(conn, [person_id]),
            )
            return person, faces, photos, queries.person_names(conn), captions

        self.backend.query(load, self._loaded)

    def _loaded(self, data: PageData) -> None:
        person, faces, photos, names, captions = data
        self.person = person
        self.names = names
        if person is None:
            self.back.emit()  # merged away or forgotten
            return
        self.title.setText(person.name or "Unnamed person")
        suggested = sum(1 for f in faces if not isinstance(f, Heading) and f[2] == "auto")
        self.stats.setText(
            f"{counted(person.faces, 'face')} in {counted(person.photos, 'photo')}"
            + (f" · {suggested} suggested" if suggested else "")
            + (f" · born {ages.long_date(person.birthday)}" if person.birthday else "")
        )
        self.stats.setToolTip(self.stats.text())
        self.birthday_button.setEnabled(person.name is not None)
        self.birthday_button.setToolTip(
            "When they were born: each photo then says how old they were"
            if person.name
            else "Name this person first: only a named person has a birthday"
        )
        self._show_captions(bool(captions))
        self.faces.set_captions(captions)
        self.photos.set_captions(captions)
        for view in (self.face_view, self.photo_view):
            set_headed(view, bool(captions))
        self.steady_faces.set_rows(faces)
        self.photos.set_rows(photos)
        self.confirm_all_button.setEnabled(suggested > 0)
        self.reject_button.setText(f"Not {person.name}" if person.name else "Not this person")
        self._selection_changed()

    def _show_captions(self, shown: bool) -> None:
        """A line under the tiles for the year and age, only while there is a birthday."""
        for view in (self.face_view, self.photo_view):
            delegate = view.itemDelegate()
            if isinstance(delegate, TileDelegate) and delegate.lines != int(shown):
                delegate.lines = int(shown)
                delegate.sizeHintChanged.emit(QModelIndex())

    def face_rows(self) -> list[FaceRow]:
        """The person's faces in the grid's order, without the headings between them."""
        return self.faces.tiles()

    def selected_faces(self) -> list[int]:
        """The selected faces' ids, the one way every action here reads them: a heading is
        never selectable, and were one selected anyway it is still no face."""
        rows = sorted(i.row() for i in self.face_view.selectionModel().selectedIndexes())
        shown = self.faces.rows
        return [shown[r][0] for r in rows if r < len(shown) and not isinstance(shown[r], Heading)]

    def _open_face(self, index: QModelIndex) -> None:
        row = self.faces.rows[index.row()] if index.row() < len(self.faces.rows) else None
        if row is not None and not isinstance(row, Heading):
            if played_id(self.photos.tiles(), row[1]):
                return
            self.open_photo.emit(row[1], [r[1] for r in self.face_rows()])

    def _open_photo(self, index: QModelIndex) -> None:
        row = self.photos.rows[index.row()] if index.row() < len(self.photos.rows) else None
        if row is not None and not isinstance(row, Heading):
            if played(row):
                return
            self.open_photo.emit(row.id, stills(self.photos.tiles()))

    def _selection_changed(self, *_: object) -> None:
        faces = self.selected_faces()
        chosen = set(faces)
        sources = {r[2] for r in self.face_rows() if r[0] in chosen}
        for button in (self.reject_button, self.move_button, self.remove_button):
            button.setEnabled(bool(faces))
        self.confirm_button.setEnabled("auto" in sources)
        self.cover_button.setEnabled(len(faces) == 1)

    def rename(self) -> None:
        if self.person is None:
            return
        name = ask_name(self, "Rename", "Name:", self.names, self.person.name or "")
        if not name:
            return
        person_id = self.person.id
        taken = name.casefold() in {n.casefold() for n in self.names}
        if taken and name.casefold() != (self.person.name or "").casefold():
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                self, "Merge people?", f"Someone is already called “{name}”. Merge them?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.backend.edit(lambda s: s.name_person(person_id, name, merge=True))
            return
        self.backend.edit(lambda s: s.name_person(person_id, name))

    def edit_birthday(self) -> None:
        """Birthday…: set, change or clear it; an undoable people edit, like Rename."""
        person = self.person
        if person is None or person.name is None:
            return
        current = ages.stored_birthday(person.birthday)
        answer = ask_birthday(self, person.name, current)
        if answer is None or answer.birthday == current:
            return
        person_id, birthday = person.id, answer.birthday
        self.backend.edit(lambda s: s.set_birthday(person_id, birthday))

    def confirm_selected(self) -> None:
        chosen = set(self.selected_faces())
        faces = [r[0] for r in self.face_rows() if r[0] in chosen and r[2] == "auto"]
        if faces:
            self.backend.edit(lambda s: s.confirm(faces))

    def confirm_all(self) -> None:
        if self.person_id is not None:
            person_id, above = self.person_id, self.threshold.value() / 100
            self.backend.edit(lambda s: s.confirm_all(person_id, above))

    def reject_selected(self) -> None:
        """Not this person (Delete): the faces leave, the status bar names who they left and
        Ctrl+Z brings them back. Never hides or deletes the person."""
        faces, person_id = self.selected_faces(), self.person_id
        if faces and person_id is not None:
            self.backend.edit(lambda s: s.reject(faces, person_id))
        self.face_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def move_selected(self) -> None:
        faces = self.selected_faces()
        if not faces:
            return
        name = ask_name(self, "Move faces", "Who is this?", self.names)
        if name:
            self.backend.edit(lambda s: s.move_to_name(faces, name))

    def remove_selected(self) -> None:
        faces = self.selected_faces()
        if faces:
            self.backend.edit(lambda s: s.remove_faces(faces))

    def set_cover(self) -> None:
        faces, person_id = self.selected_faces(), self.person_id
        if len(faces) == 1 and person_id is not None:
            self.backend.edit(lambda s: s.set_cover(person_id, faces[0]))
