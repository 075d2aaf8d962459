"""The People grid: every person as a face, name and photo count; rename, merge, hide.

Double-click (or F2) on a name renames it in place, offering the names already given; a name
that belongs to someone else asks before merging the two. Double-click on a face opens the
person's page.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from album.people.service import EditResult, PeopleService
from album.store import queries
from album.store.library import Library
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.models import PeopleModel
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate, grid_view

Loaded = tuple[list[queries.PersonSummary], list[str], int]


class PeopleView(QWidget):
    open_person = Signal(int)
    open_unsorted = Signal()
    loaded = Signal()  # a people list arrived and is shown

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.model = PeopleModel(thumbnails)
        self.model.rename_requested.connect(self.rename)
        self.delegate = TileDelegate(QSize(116, 116), 2, round_=True)
        self.view = grid_view(self.delegate, self)
        self.view.setModel(self.model)
        self.on_screen = VisibleTiles(self.view, thumbnails, "face")
        self.steady = SteadyGrid(self.view, self.model)
        self.view.setEditTriggers(self.view.EditTrigger.EditKeyPressed)
        self.view.viewport().installEventFilter(self)
        self.view.activated.connect(self._activated)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

        self.filter = QLineEdit(placeholderText="Filter by name", clearButtonEnabled=True)
        self.filter.textChanged.connect(self._schedule_reload)
        self.sort = QComboBox()
        # The stylesheet's QComboBox rule drew the current item of the open list blank; a plain
        # item delegate paints the list like any other.
        self.sort.setItemDelegate(QStyledItemDelegate(self.sort))
        self.sort.addItem("Most photos first", "count")
        self.sort.addItem("By name", "name")
        self.sort.currentIndexChanged.connect(self.reload)
        self.show_hidden = QCheckBox("Show hidden")
        self.show_hidden.toggled.connect(self.reload)
        self.merge_button = QPushButton("Merge")
        self.merge_button.setToolTip("Merge the selected people into one (select two or more)")
        self.merge_button.clicked.connect(self.merge_selected)
        self.hide_button = QPushButton("Hide")
        self.hide_button.clicked.connect(self.toggle_hidden)
        # A click must not leave the keyboard on a button: when Merge greys out after a merge
        # Qt hands focus to the next one (Hide), and the next Space would hide someone.
        for button in (self.merge_button, self.hide_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.count = QLabel()
        self.count.setObjectName("dim")
        # Faces in no group are a place of their own, reachable from here.
        self.unsorted = QPushButton()
        self.unsorted.setObjectName("link")
        self.unsorted.setFlat(True)
        self.unsorted.setToolTip("Faces in no group yet: name them, or mark what is not a face")
        self.unsorted.clicked.connect(self.open_unsorted)
        self.unsorted.hide()
        self.unsorted_faces = 0

        bar = QHBoxLayout()
        bar.addWidget(self.filter, 2)
        bar.addWidget(self.sort)
        bar.addWidget(self.show_hidden)
        bar.addStretch(1)
        bar.addWidget(self.unsorted)
        bar.addWidget(self.count)
        bar.addWidget(self.merge_button)
        bar.addWidget(self.hide_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        rename = QAction("Rename", self.view, shortcut=QKeySequence(Qt.Key.Key_F2))
        rename.triggered.connect(self.rename_current)
        self.view.addAction(rename)
        merge = QAction("Merge", self, shortcut=QKeySequence("Ctrl+M"))
        merge.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        merge.triggered.connect(self.merge_selected)
        self.addAction(merge)
        self._reload_timer = QTimer(self, singleShot=True, interval=200)
        self._reload_timer.timeout.connect(self.reload)
        self._loading = False
        self._again = False
        self._after_edit = False
        self.delegate.closeEditor.connect(self._editor_closed)
        self._selection_changed()

    # -- loading ---------------------------------------------------------------------------

    def _schedule_reload(self) -> None:
        self._reload_timer.start()

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        hidden = self.show_hidden.isChecked()
        sort = self.sort.currentData()
        text = self.filter.text().strip() or None

        def load(library: Library) -> Loaded:
            conn = library.conn
            found = queries.people(conn, include_hidden=hidden, sort=sort, name_filter=text)
            return found, queries.person_names(conn), queries.unsorted_count(conn)

        self.backend.query(load, self._loaded, latest=self)

    def _loaded(self, value: Loaded) -> None:
        people, names, unsorted = value
        self.unsorted_faces = unsorted
        self.unsorted.setText(f"Unsorted — {counted(unsorted, 'face')} ›")
        self.unsorted.setVisible(unsorted > 0)
        if self.view.state() == QAbstractItemView.State.EditingState:
            # A new list would close the open name editor and drop what is typed in it; show
            # the new list once the user has finished the name.
            self._loading = False
            self._again = False
            self._after_edit = True
            return
        selected = self.selected_ids()
        self.steady.set_rows(people)
        self.delegate.names = names
        self._reselect(selected)
        named = sum(1 for p in people if p.name)
        self.count.setText(f"{counted(len(people), 'person', 'people')}, {named} named")
        self._loading = False
        self.loaded.emit()
        if self._again:
            self._again = False
            self.reload()

    def _editor_closed(self, *_: object) -> None:
        if self._after_edit:
            self._after_edit = False
            self._schedule_reload()

    def _reselect(self, ids: list[int]) -> None:
        selection = self.view.selectionModel()
        for person_id in ids:
            index = self.model.index_of(person_id)
            if index.isValid():
                selection.select(index, selection.SelectionFlag.Select)

    # -- actions ---------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.row_id(self.model.rows[r]) for r in rows if r < len(self.model.rows)]

    def _selection_changed(self, *_: object) -> None:
        ids = self.selected_ids()
        self.merge_button.setEnabled(len(ids) >= 2)
        self.hide_button.setEnabled(bool(ids))
        rows = [self.model.rows[self.model.index_of(i).row()] for i in ids]
        all_hidden = bool(rows) and all(p.hidden for p in rows)
        self.hide_button.setText("Unhide" if all_hidden else "Hide")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.MouseButtonDblClick:
            index = self.view.indexAt(event.position().toPoint())  # type: ignore[attr-defined]
            if index.isValid():
                rect = self.view.visualRect(index)
                if self.delegate.in_name(rect, event.position().toPoint()):  # type: ignore[attr-defined]
                    self.view.edit(index)
                else:
                    self.open_person.emit(self.model.id_at(index))
                return True
        return super().eventFilter(watched, event)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_person.emit(self.model.id_at(index))

    def rename_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index)

    def rename(self, person_id: int, name: str) -> None:
        existing = next(
            (
                p
                for p in self.model.rows
                if p.name and p.name.casefold() == name.casefold() and p.id != person_id
            ),
            None,
        )
        if existing is None and name.casefold() in {n.casefold() for n in self.delegate.names}:
            current = next((p for p in self.model.rows if p.id == person_id), None)
            if current is None or (current.name or "").casefold() != name.casefold():
                existing = True  # a hidden or filtered-out person has it
        if existing is not None:
            answer = QMessageBox.question(
                self,
                "Merge people?",
                f"Someone is already called “{name}”. Are they the same person? "
                "Merging puts all their faces together.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.backend.edit(lambda s: s.name_person(person_id, name, merge=True))
            return
        self.model.show_name(person_id, name)

        def failed(text: str) -> None:
            self.backend.error.emit(text)
            self._schedule_reload()  # the library's name comes back

        self.backend.edit(lambda s: s.name_person(person_id, name), on_failed=failed)

    def merge_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) < 2:
            return
        rows = {p.id: p for p in self.model.rows}
        # Keep the named one with most photos (or the biggest group) so no name is lost.
        into = max(ids, key=lambda i: (rows[i].name is not None, rows[i].photos))
        names = sorted({rows[i].name for i in ids if rows[i].name})
        if len(names) > 1:
            answer = QMessageBox.question(
                self,
                "Merge named people?",
                f"{', '.join(names)} will become one person called “{rows[into].name}”. Merge?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.backend.edit(lambda s: s.merge(ids, into=into))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def toggle_hidden(self) -> None:
        ids = self.selected_ids()
        rows = {p.id: p for p in self.model.rows}
        hide = not all(rows[i].hidden for i in ids if i in rows)

        def apply(service: PeopleService) -> EditResult | None:
            result = None
            for person_id in ids:
                result = service.set_hidden(person_id, hide)
            return result

        self.backend.edit(apply)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _context_menu(self, point: object) -> None:
        index = self.view.indexAt(point)  # type: ignore[arg-type]
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_person.emit(self.model.id_at(index)))
        menu.addAction("Rename…", lambda: self.view.edit(index))
        if len(self.selected_ids()) >= 2:
            menu.addAction("Merge selected", self.merge_selected)
        menu.addAction(self.hide_button.text(), self.toggle_hidden)
        menu.exec(self.view.viewport().mapToGlobal(point))  # type: ignore[arg-type]
