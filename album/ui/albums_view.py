"""Albums: every album as a tile (its cover, its name, how many photos), and one album's
photos in the order its owner gave them.

A plain album takes photos from any grid (the context menu, or a drag onto the album in the
sidebar); in it, photos are dragged to reorder them, Delete takes them out, and the menu makes
one the cover. A smart album keeps a search ("Ada ★4+", "Kyoto 2019", "favourites") and shows
what it finds today. Every change is an edit: Ctrl+Z takes it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import QMimeData, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from album.organizer import Organizer
from album.store.albums import AlbumRow
from album.store.library import Library
from album.store.queries import PhotoSummary
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.models import PHOTO_IDS_MIME, IdRole, Index, PhotosModel, RowsModel, SubtitleRole
from album.ui.photo_actions import PhotoActions, ask_text
from album.ui.thumbnails import Thumbnails, VisibleTiles
from album.ui.tiles import SteadyGrid, TileDelegate, grid_view
from album.ui.videos import played, stills


class AlbumTile(NamedTuple):
    id: int  # the album's
    cover_id: int | None  # the photo on its tile
    cover_path: str
    name: str
    subtitle: str
    smart: bool


class AlbumsModel(RowsModel[AlbumTile]):
    """Album tiles; their pictures are photos (the covers), which two albums may share."""

    def __init__(self, thumbnails: Thumbnails) -> None:
        super().__init__(thumbnails, "photo")

    def picture_id(self, row: int) -> int | None:
        return self.rows[row].cover_id

    def _rows_showing(self, picture_id: int) -> list[int]:
        return [r for r, tile in enumerate(self.rows) if tile.cover_id == picture_id]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        tile = self.rows[index.row()]
        if role == Qt.ItemDataRole.DecorationRole and tile.cover_id is not None:
            return self._thumbnails.photo(tile.cover_id, tile.cover_path)
        if role == Qt.ItemDataRole.DisplayRole:
            return ("✦ " if tile.smart else "") + tile.name
        if role == SubtitleRole:
            return tile.subtitle
        if role == IdRole:
            return tile.id
        return None


class AlbumPhotosModel(PhotosModel):
    """A plain album's photos: dragged within the grid, they take the place they are dropped
    on. An album holds hundreds of photos, not 100,000: `flags` in Python costs nothing here."""

    reordered = Signal(list)  # every photo id, in the new order

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled
        return flags if index.isValid() else flags | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def canDropMimeData(self, data: QMimeData, *_: object) -> bool:
        return data.hasFormat(PHOTO_IDS_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not data.hasFormat(PHOTO_IDS_MIME):
            return False
        moved = [int(i) for i in json.loads(bytes(data.data(PHOTO_IDS_MIME).data()))]
        order = [p.id for p in self.rows]
        at = parent.row() if parent.isValid() else (row if row >= 0 else len(order))
        before = order[at] if at < len(order) else None
        rest = [p for p in order if p not in set(moved)]
        place = rest.index(before) if before in rest else len(rest)
        new = [*rest[:place], *[m for m in moved if m in set(order)], *rest[place:]]
        if new != order:
            self.reordered.emit(new)
        return False  # the rows move when the library says so, not by Qt's own removal


def album_tiles(found: list[tuple[AlbumRow, PhotoSummary | None]]) -> list[AlbumTile]:
    tiles = []
    for album, cover in found:
        what = counted(album.photos, "photo")
        tiles.append(
            AlbumTile(
                album.id,
                cover.id if cover else None,
                cover.path if cover else "",
                album.name,
                f"{what} · {album.search}" if album.smart else what,
                album.smart,
            )
        )
    return tiles


class AlbumsView(QStackedWidget):
    open_photo = Signal(int, list)
    export_asked = Signal(list)  # photo ids

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.album_id: int | None = None
        self.smart = False

        # The albums.
        self.model = AlbumsModel(thumbnails)
        self.view = grid_view(TileDelegate(QSize(180, 135), 2), self)
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        VisibleTiles(self.view, thumbnails, "photo")
        self.steady = SteadyGrid(self.view, self.model)
        self.view.activated.connect(lambda i: self.show_album(self.model.id_at(i)))
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        self.summary.setWordWrap(True)
        new = QPushButton("New album…")
        new.clicked.connect(self.new_album)
        smart = QPushButton("New smart album…")
        smart.setToolTip('An album that keeps a search: "Ada ★4+", "Kyoto 2019", "favourites"')
        smart.clicked.connect(self.new_smart_album)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(new)
        bar.addWidget(smart)
        grid_page = QWidget()
        column = QVBoxLayout(grid_page)
        column.addLayout(bar)
        column.addWidget(self.view)
        self.addWidget(grid_page)

        # One album.
        self.photos_model = AlbumPhotosModel(thumbnails)
        self.photos_model.reordered.connect(self._reorder)
        self.photo_view = grid_view(TileDelegate(QSize(180, 135), 0), self)
        self.photo_view.setModel(self.photos_model)
        self.photo_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.photo_view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.photo_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.photo_view.setDropIndicatorShown(True)
        VisibleTiles(self.photo_view, thumbnails, "photo")
        self.photo_view.activated.connect(self._open)  # a double-click, or Return
        self.actions = PhotoActions(
            self.photo_view, self.photos_model, backend, lambda: self.album_id
        )
        self.actions.export_asked.connect(self.export_asked)
        back = QPushButton("‹ Albums")
        back.clicked.connect(self.show_albums)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.detail = QLabel()
        self.detail.setObjectName("dim")
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self.rename)
        self.search_button = QPushButton("Change search…")
        self.search_button.clicked.connect(self.change_search)
        self.export_button = export = QPushButton("Export…")
        export.clicked.connect(
            lambda: self.export_asked.emit([p.id for p in self.photos_model.rows])
        )
        delete = QPushButton("Delete album")
        delete.clicked.connect(self.delete)
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.title)
        head.addWidget(self.detail, 1)
        for button in (self.rename_button, self.search_button, export, delete):
            head.addWidget(button)
        album_page = QWidget()
        column = QVBoxLayout(album_page)
        column.addLayout(head)
        column.addWidget(self.photo_view)
        self.addWidget(album_page)

    # -- the albums --------------------------------------------------------------------------

    def reload(self) -> None:
        def load(library: Library) -> list[tuple[AlbumRow, PhotoSummary | None]]:
            organizer = Organizer(library)
            return [(a, organizer.cover(a.id)) for a in organizer.albums()]

        self.backend.query(load, self._loaded, latest=self)
        if self.album_id is not None:
            self._load_album(self.album_id)

    def _loaded(self, found: list[tuple[AlbumRow, PhotoSummary | None]]) -> None:
        self.steady.set_rows(album_tiles(found))
        if found:
            self.summary.setText(
                f"{counted(len(found), 'album')}. Put photos in one from any grid: "
                "right-click them, or drag them onto the album in the sidebar."
            )
        else:
            self.summary.setText(
                "No albums yet. Choose photos on the Photos page and right-click: Add to album "
                "▸ New album…; or make a smart album that keeps a search."
            )
        if self.album_id is not None and all(a.id != self.album_id for a, _ in found):
            self.show_albums()  # deleted (or undone) meanwhile

    def show_albums(self) -> None:
        self.album_id = None
        self.setCurrentIndex(0)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def new_album(self) -> None:
        def make(name: str) -> None:
            self.backend.organize(lambda o: o.create(name), self.show_album)

        ask_text(self, "New album", "A name for the album:", make)

    def new_smart_album(self) -> None:
        def named(name: str) -> None:
            def make(search: str) -> None:
                self.backend.organize(lambda o: o.create(name, search=search), self.show_album)

            ask_text(
                self,
                "New smart album",
                "The search it keeps (people, places, dates, ★4+, favourites):",
                make,
            )

        ask_text(self, "New smart album", "A name for the album:", named)

    # -- one album ---------------------------------------------------------------------------

    def show_album(self, album_id: int) -> None:
        self.album_id = album_id
        self.setCurrentIndex(1)
        self.photo_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._load_album(album_id)

    def _load_album(self, album_id: int) -> None:
        def load(library: Library) -> tuple[AlbumRow | None, list[PhotoSummary]]:
            organizer = Organizer(library)
            album = next((a for a in organizer.albums() if a.id == album_id), None)
            return album, organizer.photos(album_id)

        self.backend.query(
            load, lambda value: self._album_loaded(album_id, *value), latest=(self, "album")
        )

    def _album_loaded(
        self, album_id: int, album: AlbumRow | None, photos: Sequence[PhotoSummary]
    ) -> None:
        if album_id != self.album_id:
            return
        if album is None:
            self.show_albums()
            return
        self.smart = album.smart
        self.title.setText(("✦ " if album.smart else "") + album.name)
        what = counted(len(photos), "photo")
        self.detail.setText(
            f"{what} · keeps the search “{album.search}”" if album.smart else
            f"{what} · drag photos to reorder them; Delete takes them out"
        )  # fmt: skip
        self.search_button.setVisible(album.smart)
        self.photo_view.setDragDropMode(
            QAbstractItemView.DragDropMode.DragOnly
            if album.smart
            else QAbstractItemView.DragDropMode.DragDrop
        )
        self.photos_model.set_rows(list(photos))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid() and played(self.photos_model.rows[index.row()]):
            return
        ids = stills(self.photos_model.rows)
        self.open_photo.emit(self.photos_model.id_at(index), ids)

    def _reorder(self, order: list[int]) -> None:
        album_id = self.album_id
        if album_id is not None and not self.smart:
            self.backend.organize(lambda o: o.reorder(album_id, order))

    def rename(self) -> None:
        album_id = self.album_id
        if album_id is None:
            return
        current = self.title.text().removeprefix("✦ ")

        def rename(name: str) -> None:
            if name.strip() != current:
                self.backend.organize(lambda o: o.rename(album_id, name))

        ask_text(self, "Rename album", "New name:", rename, current)

    def change_search(self) -> None:
        album_id = self.album_id
        if album_id is None:
            return
        ask_text(
            self,
            "Smart album",
            "The search it keeps:",
            lambda search: self.backend.organize(lambda o: o.set_search(album_id, search)),
        )

    def delete(self) -> None:
        album_id = self.album_id
        if album_id is None:
            return
        name = self.title.text().removeprefix("✦ ")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete album",
            f"Delete the album “{name}”? Its photos stay in the library (Ctrl+Z brings the "
            "album back).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QMessageBox.StandardButton) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.backend.organize(lambda o: o.delete(album_id))
                self.show_albums()

        box.finished.connect(lambda result: answered(QMessageBox.StandardButton(result)))
        box.open()
