"""The window's sidebar: the pages, then the albums under them. Photos dragged from any grid
onto an album there go into it; clicking an album opens it on the Albums page."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from album.store.albums import AlbumRow
from album.ui.models import PHOTO_IDS_MIME

AlbumIdRole = Qt.ItemDataRole.UserRole + 20
SIDE_PADDING = 26  # the style's item padding and margin (album.ui.style), each side


class Sidebar(QListWidget):
    photos_dropped = Signal(int, list)  # album id, photo ids

    def __init__(self, pages: tuple[str, ...]) -> None:
        super().__init__()
        self.pages = pages
        self.setObjectName("sidebar")
        self.setFixedWidth(170)
        self.setIconSize(QSize(18, 18))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for name in pages:
            self.addItem(QListWidgetItem(name))
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self._albums: list[AlbumRow] = []

    def set_albums(self, albums: list[AlbumRow]) -> None:
        """The albums under the pages, in their order (the page rows never move)."""
        self._albums = albums
        while self.count() > len(self.pages):
            self.takeItem(self.count() - 1)
        # Long names end in "…" within the sidebar's width (its tooltip has the whole name):
        # a scroll bar under the pages hid the last album.
        room = self.width() - 2 * SIDE_PADDING
        metrics = self.fontMetrics()
        for album in albums:
            text = ("   ✦ " if album.smart else "   ▸ ") + album.name
            item = QListWidgetItem(metrics.elidedText(text, Qt.TextElideMode.ElideRight, room))
            item.setData(AlbumIdRole, album.id)
            item.setToolTip(
                f"{album.name}\nSmart album: {album.search}" if album.smart else
                f"{album.name}\n{album.photos} photos. Drop photos here to put them in it."
            )  # fmt: skip
            self.addItem(item)

    def album_at_row(self, row: int) -> int | None:
        item = self.item(row)
        value = item.data(AlbumIdRole) if item is not None else None
        return int(value) if value is not None else None

    def _plain_album_at(self, point: QPoint) -> int | None:
        item = self.itemAt(point)
        album_id = item.data(AlbumIdRole) if item is not None else None
        if album_id is None:
            return None
        album = next((a for a in self._albums if a.id == album_id), None)
        return album.id if album is not None and not album.smart else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(PHOTO_IDS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if (
            event.mimeData().hasFormat(PHOTO_IDS_MIME)
            and self._plain_album_at(event.position().toPoint()) is not None
        ):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        album_id = self._plain_album_at(event.position().toPoint())
        if album_id is None or not event.mimeData().hasFormat(PHOTO_IDS_MIME):
            event.ignore()
            return
        ids = json.loads(bytes(event.mimeData().data(PHOTO_IDS_MIME).data()))
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.photos_dropped.emit(album_id, [int(i) for i in ids])
