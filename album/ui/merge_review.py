"""Review's second tab: two people side by side who may be one. "Same person" merges them;
"Different people" keeps them apart for good (never suggested again, never grouped together,
and a face close to both becomes an "Ada or Ben?" question on the first tab).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from album.people.suggest import MergeSuggestion, merge_suggestions
from album.store import queries
from album.store.library import Library
from album.ui.backend import Backend
from album.ui.review_pictures import FACE, fit, picture_label
from album.ui.thumbnails import Thumbnails


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
        thumbnails.ready.connect(lambda kind, _ids: kind == "face" and self._pictures())
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
