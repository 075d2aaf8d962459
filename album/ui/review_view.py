"""Review: "Is this Ada?" one face at a time, and "are these two the same person?".

Answers are keys (Y / N / S, X for "not a face", Z to take the last answer back) so a hundred
faces take a minute; they work the moment the page is shown. Only plausible questions are asked
(see suggest.PLAUSIBLE_ABOVE); a skipped face goes to the end of the round, and the count of
what is left only goes down while the user answers.
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
        self.skipped: list[int] = []  # face ids skipped this session: asked again last
        self.answered: set[int] = set()  # answered this session: never asked again here
        self.named = 0
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
        self.not_face = QPushButton("Not a face  (X)")
        self.not_face.setToolTip("Not a face at all (a pattern, a statue…): remove it")
        self.yes.setObjectName("primary")
        self.yes.clicked.connect(self.answer_yes)
        self.no.clicked.connect(self.answer_no)
        self.skip.clicked.connect(self.answer_skip)
        self.not_face.clicked.connect(self.answer_not_a_face)
        keys = (
            ("Y", self.answer_yes),
            ("N", self.answer_no),
            ("S", self.answer_skip),
            ("X", self.answer_not_a_face),
            ("Z", self.undo_answer),
        )
        for key, slot in keys:
            # Window-wide while this page is visible: no click on the card first.
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
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
        for button in (self.yes, self.no, self.skip, self.not_face):
            button.setMinimumWidth(110)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
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
        def load(library: Library) -> tuple[list[ReviewItem], int]:
            return review_queue(library, limit=300), len(queries.person_names(library.conn))

        self.backend.query(load, self._loaded)

    def _loaded(self, value: tuple[list[ReviewItem], int]) -> None:
        """A fresh queue keeps the round's order: what is already waiting stays where it is
        (with what it has learnt, e.g. a new confidence), skipped ones last, answered ones
        never again. Questions that appear meanwhile (each Yes teaches the matcher) wait for
        the next round, so "left to review" only goes down while the user answers."""
        fresh, self.named = value
        fresh = [i for i in fresh if i.face_id not in self.answered]
        by_face = {i.face_id: i for i in fresh}
        in_round = bool(self.items)
        waiting = [by_face.pop(i.face_id) for i in self.items if i.face_id in by_face]
        skipped = [by_face.pop(f) for f in self.skipped if f in by_face]
        new = [i for i in by_face.values() if not in_round or i.face_id == self.front]
        items = [*waiting, *new, *skipped]
        first = [i for i in items if i.face_id == self.front]
        self.items = first + [i for i in items if i.face_id != self.front]
        self.front = None
        self._show()

    @property
    def current(self) -> ReviewItem | None:
        return self.items[0] if self.items else None

    def _show(self) -> None:
        item = self.current
        has = item is not None
        for widget in (
            self.yes,
            self.no,
            self.skip,
            self.not_face,
            self.confirm_all,
            self.threshold,
        ):
            widget.setEnabled(has)
        if item is None:
            self.question.setText("Nothing to review")
            self.left.setText(
                "All caught up: album asks here when a new face may be someone you named."
                if self.named
                else "Name a few people: album then asks here whether new faces are them."
            )
            self.face.hide()
            self.context.hide()
            self.confirm_all.setText("Confirm all suggestions")
            return
        self.face.show()
        self.context.show()
        who = item.person or "this unnamed person"
        self.question.setText(f"Is this {who}?")
        sure = f"{item.confidence:.0%} sure" if item.suggested else "not matched yet"
        self.left.setText(f"{sure} · {len(self.items)} left to review · Z takes an answer back")
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
            done = self.items.pop(0)
            self.answered.add(done.face_id)
            self.last_answered = done.face_id
        self._show()
        if not self.items:
            self.reload()

    last_answered: int | None = None
    front: int | None = None  # an answer taken back: asked again first

    def answer_not_a_face(self) -> None:
        item = self.current
        if item is None:
            return
        self.backend.edit(lambda s: s.remove_faces([item.face_id]))
        self._advance()

    def undo_answer(self) -> None:
        """Take the last answer back: the edit is undone and its face is asked again first."""
        face = self.last_answered
        if face is None:
            return
        self.answered.discard(face)
        self.skipped = [f for f in self.skipped if f != face]
        self.last_answered = None

        self.front = face
        self.backend.undo(on_done=lambda _: self.reload())

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
        """To the end of the queue: every other question comes first."""
        if len(self.items) > 1:
            item = self.items.pop(0)
            self.items.append(item)
            self.skipped = [f for f in self.skipped if f != item.face_id] + [item.face_id]
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
        """Skip: the pair goes to the end, every other pair comes first."""
        if len(self.pairs) > 1:
            self.pairs.append(self.pairs.pop(0))
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
        self.currentChanged.connect(lambda _: self.currentWidget().setFocus())

    def reload(self) -> None:
        self.faces.reload()
        self.merges.reload()
