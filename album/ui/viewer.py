"""One photo, large, with a box and a name on every face.

Click a box to name it or correct it; drag a rectangle where the detector missed a face to add
one (it is encoded and matched like any other). Left / Right, Page Up / Page Down, Space /
Backspace, Home / End and the ‹ › buttons walk through the photos of the grid it was opened from.
"""

from __future__ import annotations

from html import escape

import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDesktopServices,
    QFont,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from album.imaging import PhotoError, open_photo
from album.store import queries
from album.store.library import Library
from album.store.stacks import versions_of
from album.ui.backend import Backend
from album.ui.name_dialog import ask_name
from album.ui.pictures import qimage_of

COLOURS = {
    "user": QColor(80, 200, 120),
    "file": QColor(80, 200, 120),  # named in another program: confirmed like the user's own
    "auto": QColor(255, 170, 30),
    "cluster": QColor(90, 160, 255),
    None: QColor(235, 235, 235),
}
MIN_DRAWN = 16  # photo pixels: a smaller box holds no face the encoder can read
# The rubber band: a dark solid line under a white dashed one, so it shows on a white sky as
# on a night scene (white alone vanished on bright photos: a drag there showed nothing at all).
BAND_PENS = (
    (QColor(0, 0, 0, 220), 3, Qt.PenStyle.SolidLine),
    (QColor(255, 255, 255), 1, Qt.PenStyle.DashLine),
)


class FaceBox:
    """The box and name of one face. Plain items added to the scene, no item subclass or
    parent-child items: PySide cannot see a scene delete a Python-made child item, and a
    wrapper that outlives its item crashes the process when touched."""

    def __init__(self, face: queries.FaceInPhoto, scene: QGraphicsScene) -> None:
        self.face = face
        self.scene = scene
        top, right, bottom, left = face.box
        self.rect = QRectF(left, top, right - left, bottom - top)
        pen = QPen(COLOURS.get(face.label_source, COLOURS[None]), 3)
        pen.setCosmetic(True)
        if face.person_id is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.box = scene.addRect(self.rect, pen)
        font = QFont()
        font.setBold(True)
        self.label = scene.addSimpleText(self.caption(), font)
        self.label.setBrush(QBrush(QColor("white")))
        self.label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.label.setPos(left, bottom + 2)
        self.label.setZValue(2)
        self.backdrop = scene.addRect(
            self.label.boundingRect(), QPen(Qt.PenStyle.NoPen), QBrush(QColor(0, 0, 0, 170))
        )
        self.backdrop.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.backdrop.setPos(left, bottom + 2)
        self.backdrop.setZValue(1)

    def caption(self) -> str:
        face = self.face
        name = face.person or ("Unnamed" if face.person_id else "Who is this?")
        return f"{name}?" if face.label_source == "auto" else name

    def contains(self, point: QPointF) -> bool:
        return self.rect.contains(point) or self.label.sceneBoundingRect().contains(point)

    def remove(self) -> None:
        for item in (self.box, self.label, self.backdrop):
            self.scene.removeItem(item)


class PhotoScene(QGraphicsView):
    drawn = Signal(QRectF)  # a rectangle dragged on the photo, in photo pixels
    too_small = Signal()  # a rectangle dragged, but too small to hold a face
    clicked = Signal(object)  # the FaceInPhoto whose box was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(self.renderHints())
        self.setBackgroundBrush(QBrush(QColor(24, 24, 24)))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self._start: QPointF | None = None
        self._band: list[QGraphicsRectItem] = []  # its dark and light lines
        self.boxes: list[FaceBox] = []
        self.picture: QGraphicsPixmapItem | None = None
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)  # says "draw here" before a drag

    def fit(self) -> None:
        if not self.scene().items():
            return
        self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.fit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self.mapToScene(event.position().toPoint())
        for box in self.boxes:
            if box.contains(point):
                self.clicked.emit(box.face)
                return
        if event.button() == Qt.MouseButton.LeftButton:
            self._end_band()
            self._start = point
            for z, (colour, width, style) in enumerate(BAND_PENS):
                pen = QPen(colour, width, style)
                pen.setCosmetic(True)
                item = self.scene().addRect(QRectF(point, point), pen)
                item.setZValue(3 + z)  # over the face boxes and their names
                self._band.append(item)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._start is not None:
            here = self.mapToScene(event.position().toPoint())
            # Kept on the photo: the band shows exactly the box that letting go will add.
            rect = QRectF(self._start, here).normalized().intersected(self.scene().sceneRect())
            for item in self._band:
                item.setRect(rect)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._start is not None:
            rect = self._band[0].rect()
            self._end_band()
            if rect.width() >= MIN_DRAWN and rect.height() >= MIN_DRAWN:
                self.drawn.emit(rect)
            elif not rect.isEmpty():
                self.too_small.emit()
            return
        super().mouseReleaseEvent(event)

    def _end_band(self) -> None:
        for item in self._band:
            self.scene().removeItem(item)
        self._band, self._start = [], None


class PhotoViewer(QDialog):
    def __init__(
        self, backend: Backend, photo_ids: list[int], photo_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.photo_ids = photo_ids or [photo_id]
        self.position = self.photo_ids.index(photo_id) if photo_id in self.photo_ids else 0
        self.photo: queries.PhotoSummary | None = None
        self.faces: list[queries.FaceInPhoto] = []
        self.names: list[str] = []
        self.versions: list[str] = []  # the files under this photo, a stack's top (album.stacks)
        self.scene_view = PhotoScene(self)
        self.scene_view.drawn.connect(self.add_face)
        self.scene_view.too_small.connect(self._too_small)
        self.scene_view.clicked.connect(self.face_clicked)
        self.caption = QLabel()
        self.caption.setObjectName("dim")
        # A long path beside a stack's links wraps rather than widens the window.
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A stack's other files (the RAW under a JPEG, the original under an edit), each a
        # link that opens it in the program the system uses for it: a RAW editor, say.
        self.versions_link = QLabel()
        self.versions_link.setTextFormat(Qt.TextFormat.RichText)
        self.versions_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.versions_link.setToolTip("Open it in the program your system uses for it (O)")
        self.versions_link.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.versions_link.hide()
        self.previous = QPushButton("‹")
        self.previous.setToolTip("Previous photo (Left, Page Up, Backspace)")
        self.previous.clicked.connect(lambda: self.go(self.position - 1))
        self.next = QPushButton("›")
        self.next.setToolTip("Next photo (Right, Page Down, Space)")
        self.next.clicked.connect(lambda: self.go(self.position + 1))
        for button in (self.previous, self.next):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setFixedWidth(44)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(8, 0, 8, 0)
        bottom.addWidget(self.previous)
        bottom.addWidget(self.caption, 1)
        bottom.addWidget(self.versions_link)
        bottom.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.addWidget(self.scene_view, 1)
        layout.addLayout(bottom)
        # Shortcuts, not keyPressEvent: the photo (a QGraphicsView) has the keyboard and would
        # take the arrows and Space for itself.
        moves = (
            (Qt.Key.Key_Right, 1),
            (Qt.Key.Key_PageDown, 1),
            (Qt.Key.Key_Space, 1),
            (Qt.Key.Key_Left, -1),
            (Qt.Key.Key_PageUp, -1),
            (Qt.Key.Key_Backspace, -1),
        )
        for key, step in moves:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(lambda step=step: self.go(self.position + step))
        QShortcut(QKeySequence(Qt.Key.Key_Home), self).activated.connect(lambda: self.go(0))
        QShortcut(QKeySequence(Qt.Key.Key_O), self).activated.connect(self.open_version)
        QShortcut(QKeySequence(Qt.Key.Key_End), self).activated.connect(
            lambda: self.go(len(self.photo_ids) - 1)
        )
        self.resize(1100, 800)
        self.backend.changed.connect(self.reload_faces)
        self._buttons()
        self.load()

    @property
    def photo_id(self) -> int:
        return self.photo_ids[self.position]

    def load(self) -> None:
        photo_id = self.photo_id

        def read(library: Library) -> tuple[queries.PhotoSummary | None, QImage | None]:
            photo = queries.photo(library.conn, photo_id)
            if photo is None:
                return None, None
            try:
                picture = open_photo(photo.path, min_side=2400).image
            except PhotoError:
                return photo, None
            return photo, qimage_of(picture)

        self.backend.query(read, lambda value: self._shown(photo_id, *value))

    def closed(self) -> bool:
        """Closed and deleted while a read was on its way (Escape right after Return): what
        the read brings has nowhere to go."""
        return not shiboken6.isValid(self.scene_view)

    def _shown(
        self, photo_id: int, photo: queries.PhotoSummary | None, image: QImage | None
    ) -> None:
        if photo_id != self.photo_id or self.closed():
            return
        self.photo = photo
        self.versions_link.hide()  # until this photo's own versions are read
        scene = self.scene_view.scene()
        self._clear_boxes()
        if self.scene_view.picture is not None:
            scene.removeItem(self.scene_view.picture)
            self.scene_view.picture = None
        if photo is None:
            self.caption.setText("This photo is no longer in the library")
            return
        self.setWindowTitle(photo.path.rsplit("/", 1)[-1])
        width, height = photo.width or 1, photo.height or 1
        if image is not None:
            item = scene.addPixmap(QPixmap.fromImage(image))
            item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            item.setScale(width / max(image.width(), 1))  # boxes are in original pixels
            self.scene_view.picture = item
        scene.setSceneRect(QRectF(0, 0, width, height))
        self.scene_view.fit()
        self.reload_faces()

    def reload_faces(self) -> None:
        photo_id = self.photo_id

        def read(library: Library) -> tuple[list[queries.FaceInPhoto], list[str], list[str]]:
            conn = library.conn
            versions = versions_of(conn, [photo_id]).get(photo_id, [])
            return queries.faces_in_photo(conn, photo_id), queries.person_names(conn), versions

        self.backend.query(read, lambda value: self._faces(photo_id, *value))

    def _faces(
        self,
        photo_id: int,
        faces: list[queries.FaceInPhoto],
        names: list[str],
        versions: list[str],
    ) -> None:
        if photo_id != self.photo_id or self.photo is None or self.closed():
            return
        self.faces, self.names, self.versions = faces, names, versions
        self._clear_boxes()
        scene = self.scene_view.scene()
        self.scene_view.boxes = [FaceBox(face, scene) for face in faces]
        taken = (self.photo.taken_at or "").replace("T", " ")
        count = f"{len(faces)} face{'s' * (len(faces) != 1)}"
        where = f"{self.position + 1} of {len(self.photo_ids)}"
        also = ", ".join(path.rsplit("/", 1)[-1] for path in versions)
        self.caption.setText(
            f"{self.photo.path}  ·  {'also ' + also + '  ·  ' if also else ''}"
            f"{taken + '  ·  ' if taken else ''}{count}  ·  {where}  ·  "
            "drag a rectangle to add a face the detector missed"
        )
        self.caption.setToolTip("\n".join(["Versions of this photo:", *versions]) if also else "")
        links = "  ".join(
            f'<a href="{escape(QUrl.fromLocalFile(path).toString())}">'
            f"{escape(path.rsplit('/', 1)[-1])}</a>"
            for path in versions
        )
        self.versions_link.setText(f"Open {links}" if versions else "")
        self.versions_link.setVisible(bool(versions))

    def open_version(self) -> None:
        """The first file under a stack (its RAW, or the original of an edit), in the
        system's program for it: the link's click, from the keyboard."""
        if self.versions and self.versions_link.isVisible():
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.versions[0]))

    @property
    def boxes(self) -> list[FaceBox]:
        return self.scene_view.boxes

    def _clear_boxes(self) -> None:
        for box in self.scene_view.boxes:
            box.remove()
        self.scene_view.boxes = []

    def face_clicked(self, face: queries.FaceInPhoto) -> None:
        menu = QMenu(self)
        who = face.person or ("this unnamed person" if face.person_id else None)
        menu.addAction("Who is this?…", lambda: self._name(face))
        if face.label_source == "auto" and face.person:
            menu.addAction(
                f"Yes, this is {face.person}", lambda: self._edit(lambda s: s.confirm([face.id]))
            )
        if who is not None:
            menu.addAction(f"Not {who}", lambda: self._edit(lambda s: s.reject([face.id])))
        menu.addSeparator()
        menu.addAction(
            "Not a face: remove", lambda: self._edit(lambda s: s.remove_faces([face.id]))
        )
        menu.exec(self.cursor().pos())

    def _name(self, face: queries.FaceInPhoto) -> None:
        name = ask_name(self, "Who is this?", "Name:", self.names, face.person or "")
        if name:
            self._edit(lambda s: s.move_to_name([face.id], name))

    def _edit(self, fn: object) -> None:
        self.backend.edit(fn)  # type: ignore[arg-type]

    def add_face(self, rect: QRectF) -> None:
        if self.photo is None:
            return
        box = (round(rect.top()), round(rect.right()), round(rect.bottom()), round(rect.left()))
        photo_id = self.photo.id
        answer = QMessageBox.question(self, "Add a face", "Add a face here? album will match it.")
        if answer == QMessageBox.StandardButton.Yes:
            self.backend.edit(lambda s: s.add_face(photo_id, box))

    def _too_small(self) -> None:
        """A drag that adds nothing says why, instead of vanishing without a word."""
        self.caption.setText(
            f"Too small for a face: drag a rectangle of at least {MIN_DRAWN} × {MIN_DRAWN} "
            "pixels of the photo around it"
        )

    def go(self, position: int) -> None:
        """Show the photo at this place in the grid's order (ends stay where they are)."""
        position = max(0, min(position, len(self.photo_ids) - 1))
        if position != self.position:
            self.position = position
            self.load()
        self._buttons()

    def _buttons(self) -> None:
        self.previous.setEnabled(self.position > 0)
        self.next.setEnabled(self.position < len(self.photo_ids) - 1)
