"""What a person can do to the photos chosen in any grid of photos: stars (0-5), the heart (F),
albums, export. The same keys as digiKam and Lightroom, on every page that shows photos.

Stars and hearts show on the tiles at once (the model is told before the library answers);
the change itself runs on the write thread like every edit, and Ctrl+Z takes it back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMenu, QWidget

from album.organizer import Organizer
from album.ui.backend import Backend
from album.ui.models import PhotosModel


class PhotoActions(QObject):
    """Keys and a context menu for one view of photos. `album_id`: the album the view shows,
    if it shows one (for "Take out of the album" and "Use as cover")."""

    export_asked = Signal(list)  # photo ids

    def __init__(
        self,
        view: QAbstractItemView,
        model: PhotosModel,
        backend: Backend,
        album_id: Callable[[], int | None] = lambda: None,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.model = model
        self.backend = backend
        self.album_id = album_id
        for key in "012345":
            self._key(key, lambda n=int(key): self.rate(n))
        self._key("F", self.toggle_favourite)
        self._key("Delete", self._take_out)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu)

    def _key(self, key: str, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(
            QKeySequence(key), self.view, context=Qt.ShortcutContext.WidgetShortcut
        )
        shortcut.activated.connect(slot)

    def chosen(self) -> list[int]:
        """The selected photos, else the current one."""
        selection = self.view.selectionModel()
        indexes = selection.selectedIndexes() if selection is not None else []
        if not indexes and self.view.currentIndex().isValid():
            indexes = [self.view.currentIndex()]
        rows = self.model.rows
        return list(dict.fromkeys(self.model.row_id(rows[i.row()]) for i in indexes))

    def rate(self, stars: int) -> None:
        ids = self.chosen()
        if ids:
            self.model.set_rating(set(ids), stars, None)
            self.backend.organize(lambda o: o.rate(ids, stars))

    def toggle_favourite(self) -> None:
        ids = self.chosen()
        if not ids:
            return
        shown = [self.model.index_of(i) for i in ids]
        heart = not all(self.model.rows[i.row()].favourite for i in shown if i.isValid())
        self.model.set_rating(set(ids), None, heart)
        self.backend.organize(lambda o: o.favourite(ids, heart))

    def add_to_album(self, album_id: int) -> None:
        ids = self.chosen()
        if ids:
            self.backend.organize(lambda o: o.add(album_id, ids))

    def new_album(self) -> None:
        ids = self.chosen()

        def make(name: str) -> None:
            def create(o: Organizer) -> str:
                o.create(name, ids)
                return f"Made the album “{' '.join(name.split())}”"

            self.backend.organize(create)

        ask_text(self.view, "New album", f"A name for the album of {len(ids)} photos:", make)

    def _take_out(self) -> None:
        album_id, ids = self.album_id(), self.chosen()
        if album_id is not None and ids:
            self.backend.organize(lambda o: o.remove(album_id, ids))

    def _menu(self, point: QPoint) -> None:
        if not self.chosen():
            return
        # popup, not exec: no event loop inside another, the window (and a test) runs on.
        menu = self.build_menu(self.view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(point))

    def build_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        albums = menu.addMenu("Add to album")
        for album in self.backend.albums:
            if not album.smart:
                action = albums.addAction(album.name)
                action.triggered.connect(lambda _=False, a=album.id: self.add_to_album(a))
        albums.addSeparator()
        albums.addAction("New album…").triggered.connect(self.new_album)
        album_id = self.album_id()
        current = next((a for a in self.backend.albums if a.id == album_id), None)
        if current is not None and not current.smart:
            take = menu.addAction("Take out of this album")
            take.setShortcut(QKeySequence("Delete"))
            take.triggered.connect(self._take_out)
            menu.addAction("Use as the album's cover").triggered.connect(self._cover)
        menu.addSeparator()
        rate = menu.addMenu("Rate")
        for stars in range(5, -1, -1):
            label = "★" * stars if stars else "No stars"
            action = rate.addAction(label)
            action.setShortcut(QKeySequence(str(stars)))
            action.triggered.connect(lambda _=False, n=stars: self.rate(n))
        heart = menu.addAction("♥ Favourite")
        heart.setShortcut(QKeySequence("F"))
        heart.triggered.connect(self.toggle_favourite)
        menu.addSeparator()
        menu.addAction("Export…").triggered.connect(lambda: self.export_asked.emit(self.chosen()))
        return menu

    def _cover(self) -> None:
        album_id, ids = self.album_id(), self.chosen()
        if album_id is not None and ids:
            self.backend.organize(lambda o: o.set_cover(album_id, ids[0]))


def ask_text(
    parent: QWidget, title: str, label: str, answered: Callable[[str], None], text: str = ""
) -> QInputDialog:
    """Ask for one line without a nested event loop (QInputDialog.getText runs one): the
    answer, if not blank, goes to `answered`."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.textValueSelected.connect(lambda value: value.strip() and answered(value))
    dialog.open()
    return dialog
