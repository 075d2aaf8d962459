"""Review: "Is this Ada?" and "Ada or Ben?" one face at a time, and "are these two the same
person?" (merge_review).

Answers are keys (Y / N / S, X for "not a face", Z to take the last answer back; 1 / 2 pick a
person of "Ada or Ben?", where N is "neither") so a hundred faces take a minute; they work the
moment the page is shown. Only plausible questions are asked (see suggest.PLAUSIBLE_ABOVE); a
skipped face goes to the end of the round, and the count of what is left only goes down while
the user answers.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from album.people.suggest import ReviewItem, review_queue
from album.store import queries
from album.store.library import Library
from album.ui.backend import Backend
from album.ui.merge_review import MergeReview
from album.ui.review_pictures import CONTEXT, FACE, Candidates, fit, picture_label
from album.ui.thumbnails import Thumbnails

Detail = tuple[queries.PhotoSummary | None, tuple[int, int, int, int] | None]
# What a reload brings: the questions, how many people are named, each person's cover face.
Loaded = tuple[list[ReviewItem], int, dict[int, int | None]]


class FaceReview(QWidget):
    """One face at a time: "Is this Ada?" (Y / N), or "Ada or Ben?" (1 / 2, N for neither)
    with a face of each of the two beside it. Every answer is an edit committed at once
    through the backend, so Z here and Edit ▸ Undo take it back alike."""

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
        # "Ada or Ben?": the two people, and a button for each (named when a question shows).
        self.candidates = Candidates(thumbnails)
        self.first = QPushButton()
        self.second = QPushButton()
        self.neither = QPushButton("Neither  (N)")
        self.neither.setToolTip("Neither of them: the face is never proposed for either again")
        self.yes.setObjectName("primary")
        self.yes.clicked.connect(self.answer_yes)
        self.no.clicked.connect(self.answer_no)
        self.skip.clicked.connect(self.answer_skip)
        self.not_face.clicked.connect(self.answer_not_a_face)
        self.first.clicked.connect(lambda: self.answer_person(0))
        self.second.clicked.connect(lambda: self.answer_person(1))
        self.neither.clicked.connect(self.answer_no)
        keys = (
            ("Y", self.answer_yes),
            ("N", self.answer_no),
            ("S", self.answer_skip),
            ("X", self.answer_not_a_face),
            ("Z", self.undo_answer),
            ("1", lambda: self.answer_person(0)),
            ("2", lambda: self.answer_person(1)),
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
        self.choice_buttons = (self.first, self.second, self.neither)
        self.plain_buttons = (self.yes, self.no)
        for button in (*self.choice_buttons, *self.plain_buttons, self.skip, self.not_face):
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
        layout.addWidget(self.candidates, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(buttons)
        layout.addWidget(self.left, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addSpacing(12)
        layout.addLayout(bulk)
        layout.addStretch(2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        thumbnails.ready.connect(self._picture_ready)
        self._show()

    def reload(self) -> None:
        def load(library: Library) -> Loaded:
            conn = library.conn
            covers = {p.id: p.cover_face_id for p in queries.people(conn, include_hidden=True)}
            return review_queue(library, limit=300), len(queries.person_names(conn)), covers

        self.backend.query(load, self._loaded, latest=self)

    def _loaded(self, value: Loaded) -> None:
        """A fresh queue keeps the round's order: what is already waiting stays where it is
        (with what it has learnt, e.g. a new confidence), skipped ones last, answered ones
        never again. Questions that appear meanwhile (each Yes teaches the matcher) wait for
        the next round, so "left to review" only goes down while the user answers."""
        fresh, self.named, self.candidates.covers = value
        fresh = [i for i in fresh if i.face_id not in self.answered]
        by_face = {i.face_id: i for i in fresh}
        in_round = bool(self.items)
        waiting = [by_face.pop(i.face_id) for i in self.items if i.face_id in by_face]
        skipped = [by_face.pop(f) for f in self.skipped if f in by_face]
        new = [i for i in by_face.values() if not in_round or i.face_id == self.front]
        items = [*waiting, *new, *skipped]
        first = [i for i in items if i.face_id == self.front]
        self.items = first + [i for i in items if i.face_id != self.front]
        if first:
            # Kept until a queue holds it: a load read before the undo landed (the matching
            # an answer called for finishing meanwhile) lost the face from the round.
            self.front = None
        self._show()

    @property
    def current(self) -> ReviewItem | None:
        return self.items[0] if self.items else None

    def _show(self) -> None:
        item = self.current
        has = item is not None
        for widget in (
            *self.plain_buttons,
            *self.choice_buttons,
            self.skip,
            self.not_face,
            self.confirm_all,
            self.threshold,
        ):
            widget.setEnabled(has)
        choosing = item is not None and item.is_choice
        for button in self.plain_buttons:
            button.setVisible(not choosing)
        for button in self.choice_buttons:
            button.setVisible(choosing)
        if item is None:
            self.candidates.show_choice(None)
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
        self.candidates.show_choice(item)
        who = item.person or "this unnamed person"
        if item.is_choice:
            self.question.setText(f"{who} or {item.rival}?")
            self.first.setText(f"{who}  (1)")
            self.second.setText(f"{item.rival}  (2)")
            sure = "kept apart, too close to tell" if item.apart else "too close to tell"
        else:
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

    def _picture_ready(self, kind: str, picture_ids: list[int]) -> None:
        item = self.current
        if item is None:
            return
        if kind == "face" and item.face_id in picture_ids:
            self.face.setPixmap(fit(self.thumbnails.face(item.face_id), FACE))
        elif kind == "photo" and item.photo_id in picture_ids:
            self._draw_context()

    def _advance(self) -> None:
        self.front = None  # answered on: a face taken back earlier is no longer waited for
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
        if item is None or item.is_choice:  # "Ada or Ben?" takes 1 or 2, not a yes
            return
        if item.suggested:
            self.backend.edit(lambda s: s.confirm([item.face_id]))
        else:
            self.backend.edit(lambda s: s.move_faces([item.face_id], item.person_id))
        self._advance()

    def answer_no(self) -> None:
        """No ("not Ada"), or for "Ada or Ben?" neither: not Ada and not Ben, in one edit."""
        item = self.current
        if item is None:
            return
        if item.rival_id is not None:
            people = [item.person_id, item.rival_id]
            self.backend.edit(lambda s: s.reject_each([item.face_id], people))
        else:
            self.backend.edit(lambda s: s.reject([item.face_id], item.person_id))
        self._advance()

    def answer_person(self, which: int) -> None:
        """ "Ada or Ben?" answered 1 (the first, nearer person) or 2: the face is theirs, as
        the user's own decision."""
        item = self.current
        if item is None or item.rival_id is None:
            return
        person = (item.person_id, item.rival_id)[which]
        self.backend.edit(lambda s: s.move_faces([item.face_id], person))
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
