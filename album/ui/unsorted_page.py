"""Unsorted faces: every face in no group, so none is out of reach.

A face joins a person only when enough faces alike are found (Settings ▸ Smallest group), so a
person seen twice, or a blurry face of a known one, stays in no group. Here they are, best
first (largest, then surest), to be named, moved to someone or marked "not a face" many at
once.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from album.store import queries
from album.store.library import Library
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.models import FacesModel
from album.ui.name_dialog import ask_name
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate, grid_view

Loaded = tuple[list[tuple[int, int, str | None, float | None]], int, list[str]]


class UnsortedPage(QWidget):
    back = Signal()
    open_photo = Signal(int, list)

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.names: list[str] = []
        self.total = 0
        self.faces = FacesModel(thumbnails)
        self.view = grid_view(TileDelegate(QSize(104, 104), 0), self)
        self.view.setModel(self.faces)
        VisibleTiles(self.view, thumbnails, "face")
        self.view.setEditTriggers(self.view.EditTrigger.NoEditTriggers)
        self.steady = SteadyGrid(self.view, self.faces)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.doubleClicked.connect(
            lambda i: self.open_photo.emit(self.faces.photo_of(i), [r[1] for r in self.faces.rows])
        )
        back = QPushButton("‹ People")
        back.setFlat(True)
        back.clicked.connect(self.back)
        self.title = QLabel("Unsorted faces")
        self.title.setObjectName("title")
        self.stats = QLabel()
        self.stats.setObjectName("dim")
        header = QHBoxLayout()
        header.addWidget(back)
        header.addWidget(self.title)
        header.addWidget(self.stats)
        header.addStretch(1)
        self.name_button = QPushButton("Name…")
        self.name_button.setObjectName("primary")
        self.name_button.setToolTip("Who are the selected faces? A new name or one already given")
        self.name_button.clicked.connect(self.name_selected)
        self.not_face_button = QPushButton("Not a face")
        self.not_face_button.setToolTip("Remove the selected faces (Ctrl+Z brings them back)")
        self.not_face_button.clicked.connect(self.remove_selected)
        self.selected_label = QLabel()
        self.selected_label.setObjectName("dim")
        actions = QHBoxLayout()
        for button in (self.name_button, self.not_face_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            actions.addWidget(button)
        actions.addWidget(self.selected_label)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(actions)
        layout.addWidget(self.view)
        for key, slot in (
            (QKeySequence(Qt.Key.Key_F2), self.name_selected),
            (QKeySequence(Qt.Key.Key_Return), self.name_selected),
            (QKeySequence(Qt.Key.Key_Enter), self.name_selected),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.remove_selected),
            (QKeySequence(Qt.Key.Key_Backspace), self.back.emit),
            (QKeySequence("Alt+Left"), self.back.emit),
        ):
            shortcut = QShortcut(key, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._selection_changed()

    def reload(self) -> None:
        def load(library: Library) -> Loaded:
            conn = library.conn
            return (
                queries.unsorted_faces(conn),
                queries.unsorted_count(conn),
                queries.person_names(conn),
            )

        self.backend.query(load, self._loaded)

    def _loaded(self, value: Loaded) -> None:
        faces, self.total, self.names = value
        self.steady.set_rows(faces)
        shown = "" if len(faces) == self.total else f", the best {len(faces)} shown"
        self.stats.setText(f"{counted(self.total, 'face')} in no group{shown} · best first")
        self._selection_changed()

    def selected_faces(self) -> list[int]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.faces.rows[r][0] for r in rows if r < len(self.faces.rows)]

    def _selection_changed(self, *_: object) -> None:
        count = len(self.selected_faces())
        self.name_button.setEnabled(count > 0)
        self.not_face_button.setEnabled(count > 0)
        self.selected_label.setText(f"{counted(count, 'face')} selected" if count else "")

    def name_selected(self) -> None:
        faces = self.selected_faces()
        if not faces:
            return
        label = f"Who {'is this' if len(faces) == 1 else f'are these {len(faces)} faces'}?"
        name = ask_name(self, "Name faces", label, self.names)
        if name:
            self.backend.edit(lambda s: s.move_to_name(faces, name))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_selected(self) -> None:
        faces = self.selected_faces()
        if faces:
            self.backend.edit(lambda s: s.remove_faces(faces))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
