"""Review: "Is this Ada?" one face at a time, and "are these two the same person?".

Answers are keys (Y / N / S) so a hundred faces take a minute. The least certain faces come
first: each answer there teaches the matcher the most.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from album.people.suggest import MergeSuggestion, ReviewItem, merge_suggestions, review_queue
from album.store import queries
from album.store.library import Library
from album.ui.backend import Backend
from album.ui.thumbnails import Thumbnails

FACE = QSize(180, 180)
CONTEXT = QSize(420, 320)

Detail = tuple[queries.PhotoSummary | None, tuple[int, int, int, int] | None]


def picture_label(size: QSize) -> QLabel:
    label = QLabel()
    label.setFixedSize(size)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setObjectName("picture")
    return label


def fit(pixmap: QPixmap | None, size: QSize) -> QPixmap:
    if pixmap is None or pixmap.isNull():
        return QPixmap()
    return pixmap.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class FaceReview(QWidget):
    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.thumbnails = thumbnails
        self.items: list[ReviewItem] = []
        self.detail: Detail = (None, None)
        self.question = QLabel()
        self.question.setObjectName("title")
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.left = QLabel()
        self.left.setObjectName("dim")
        self.face = picture_label(FACE)
        self.context = picture_label(CONTEXT)
        self.yes = QPushButton("Yes  (Y)")
        self.no = QPushButton("No  (N)")
        self.skip = QPushButton("Skip  (S)")
        self.yes.setObjectName("primary")
        self.yes.clicked.connect(self.answer_yes)
        self.no.clicked.connect(self.answer_no)
        self.skip.clicked.connect(self.answer_skip)
        for key, slot in (("Y", self.answer_yes), ("N", self.answer_no), ("S", self.answer_skip)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.threshold = QDoubleSpinBox(suffix=" %", decimals=0, minimum=50, maximum=100, value=80)
        self.confirm_all = QPushButton()
        self.confirm_all.clicked.connect(self.confirm_all_above)

        pictures = QHBoxLayout()
        pictures.addStretch(1)
        pictures.addWidget(self.face)
        pictures.addWidget(self.context)
        pictures.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.yes, self.no, self.skip):
            button.setMinimumWidth(110)
            buttons.addWidget(button)
        buttons.addStretch(1)
        bulk = QHBoxLayout()
        bulk.addStretch(1)
        bulk.addWidget(self.confirm_all)
        bulk.addWidget(QLabel("at or above"))
        bulk.addWidget(self.threshold)
        bulk.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.question)
        layout.addLayout(pictures)
        layout.addLayout(buttons)
        layout.addWidget(self.left, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addSpacing(12)
        layout.addLayout(bulk)
        layout.addStretch(2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        thumbnails.ready.connect(self._picture_ready)
        self._show()

    def reload(self) -> None:
        self.backend.query(lambda library: review_queue(library, limit=300), self._loaded)

    def _loaded(self, items: list[ReviewItem]) -> None:
        self.items = items
        self._show()

    @property
    def current(self) -> ReviewItem | None:
        return self.items[0] if self.items else None

    def _show(self) -> None:
        item = self.current
        has = item is not None
        for widget in (self.yes, self.no, self.skip, self.confirm_all, self.threshold):
            widget.setEnabled(has)
        if item is None:
            self.question.setText("Nothing to review")
            self.left.setText("Name a few people: album then asks here whether new faces are them.")
            self.face.hide()
            self.context.hide()
            self.confirm_all.setText("Confirm all suggestions")
            return
        self.face.show()
        self.context.show()
        who = item.person or f"person {item.person_id}"
        self.question.setText(f"Is this {who}?")
        sure = f"{item.confidence:.0%} sure" if item.suggested else "not matched yet"
        self.left.setText(f"{sure} · {len(self.items)} left to review")
        self.confirm_all.setText(f"Confirm all of {who}’s suggestions")
        self.detail = (None, None)
        self.face.setPixmap(fit(self.thumbnails.face(item.face_id), FACE))
        self.context.clear()
        face_id, photo_id = item.face_id, item.photo_id

        def load(library: Library) -> Detail:
            conn = library.conn
            box = next(
                (f.box for f in queries.faces_in_photo(conn, photo_id) if f.id == face_id), None
            )
            return queries.photo(conn, photo_id), box

        self.backend.query(load, lambda detail: self._detail(face_id, detail))

    def _detail(self, face_id: int, detail: Detail) -> None:
        if self.current is None or self.current.face_id != face_id:
            return
        self.detail = detail
        self._draw_context()

    def _draw_context(self) -> None:
        item = self.current
        photo, box = self.detail
        if item is None or photo is None:
            return
        picture = self.thumbnails.photo(photo.id, photo.path)
        if picture is None or picture.isNull():
            return
        shown = fit(picture, CONTEXT)
        if box is not None and photo.width:
            scale = shown.width() / photo.width
            top, right, bottom, left = box
            painter = QPainter(shown)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(255, 196, 0), 3))
            painter.drawRect(
                QRectF(left * scale, top * scale, (right - left) * scale, (bottom - top) * scale)
            )
            painter.end()
        self.context.setPixmap(shown)

    def _picture_ready(self, kind: str, picture_id: int) -> None:
        item = self.current
        if item is None:
            return
        if kind == "face" and picture_id == item.face_id:
            self.face.setPixmap(fit(self.thumbnails.face(item.face_id), FACE))
        elif kind == "photo" and picture_id == item.photo_id:
            self._draw_context()

    def _advance(self) -> None:
        if self.items:
            self.items.pop(0)
        self._show()
        if not self.items:
            self.reload()

    def answer_yes(self) -> None:
        item = self.current
        if item is None:
            return
        if item.suggested:
            self.backend.edit(lambda s: s.confirm([item.face_id]))
        else:
            self.backend.edit(lambda s: s.move_faces([item.face_id], item.person_id))
        self._advance()

    def answer_no(self) -> None:
        item = self.current
        if item is None:
            return
        self.backend.edit(lambda s: s.reject([item.face_id], item.person_id))
        self._advance()

    def answer_skip(self) -> None:
        """Out of this round; it comes back the next time the queue is loaded."""
        if self.items:
            self.items.pop(0)
        self._show()

    def confirm_all_above(self) -> None:
        item = self.current
        if item is None:
            return
        person, above = item.person_id, self.threshold.value() / 100
        self.backend.edit(lambda s: s.confirm_all(person, above), on_done=lambda _: self.reload())


class MergeReview(QWidget):
    """Two people side by side: the same person, or two?"""

    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.thumbnails = thumbnails
        self.pairs: list[MergeSuggestion] = []
        self.covers: dict[int, int | None] = {}
        self.question = QLabel()
        self.question.setObjectName("title")
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pictures = [picture_label(FACE), picture_label(FACE)]
        self.names = [QLabel(), QLabel()]
        self.same = QPushButton("Same person")
        self.same.setObjectName("primary")
        self.different = QPushButton("Different people")
        self.skip = QPushButton("Skip")
        self.same.clicked.connect(self.merge)
        self.different.clicked.connect(self.keep_apart)
        self.skip.clicked.connect(self.next)
        grid = QGridLayout()
        for column in range(2):
            grid.addWidget(self.pictures[column], 0, column, Qt.AlignmentFlag.AlignCenter)
            self.names[column].setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(self.names[column], 1, column)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.same, self.different, self.skip):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.question)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addStretch(2)
        thumbnails.ready.connect(lambda kind, _id: kind == "face" and self._pictures())
        self._show()

    def reload(self) -> None:
        def load(library: Library) -> tuple[list[MergeSuggestion], dict[int, int | None]]:
            people = queries.people(library.conn, include_hidden=True)
            return merge_suggestions(library), {p.id: p.cover_face_id for p in people}

        self.backend.query(load, self._loaded)

    def _loaded(self, value: tuple[list[MergeSuggestion], dict[int, int | None]]) -> None:
        self.pairs, self.covers = value
        self._show()

    def _show(self) -> None:
        has = bool(self.pairs)
        for button in (self.same, self.different, self.skip):
            button.setEnabled(has)
        if not has:
            self.question.setText("No people look alike right now")
            for column in range(2):
                self.pictures[column].hide()
                self.names[column].clear()
            return
        for picture in self.pictures:
            picture.show()
        pair = self.pairs[0]
        self.question.setText(f"The same person? ({len(self.pairs)} pairs to check)")
        self.names[0].setText(pair.a_name or "Unnamed")
        self.names[1].setText(pair.b_name or "Unnamed")
        self._pictures()

    def _pictures(self) -> None:
        if not self.pairs:
            return
        pair = self.pairs[0]
        for column, person in enumerate((pair.a, pair.b)):
            picture = self.thumbnails.face(self.covers.get(person))
            self.pictures[column].setPixmap(fit(picture, FACE))

    def next(self) -> None:
        if self.pairs:
            self.pairs.pop(0)
        self._show()

    def merge(self) -> None:
        if not self.pairs:
            return
        pair = self.pairs[0]
        into, other = (pair.a, pair.b) if pair.a_name or not pair.b_name else (pair.b, pair.a)
        self.backend.edit(lambda s: s.merge([into, other], into=into))
        self.pairs = [p for p in self.pairs if other not in (p.a, p.b)]
        self._show()

    def keep_apart(self) -> None:
        if not self.pairs:
            return
        pair = self.pairs[0]
        self.backend.edit(lambda s: s.keep_apart(pair.a, pair.b))
        self.next()


class ReviewView(QTabWidget):
    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.faces = FaceReview(backend, thumbnails)
        self.merges = MergeReview(backend, thumbnails)
        self.addTab(self.faces, "Is this…?")
        self.addTab(self.merges, "Same person?")

    def reload(self) -> None:
        self.faces.reload()
        self.merges.reload()
