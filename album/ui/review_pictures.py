"""The pictures Review shows: fitted face crops and photos, and "Ada or Ben?"'s two people.

Apart from review_view so the two Review tabs share them without importing each other.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from album.people.suggest import ReviewItem
from album.ui.thumbnails import Thumbnails

FACE = QSize(180, 180)
CONTEXT = QSize(420, 320)
CANDIDATE = QSize(150, 150)


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


class Candidates(QWidget):
    """ "Ada or Ben?": a face of each of the two people side by side, with their names and the
    key that picks each (1, 2), so the user compares the face asked about with both at once."""

    def __init__(self, thumbnails: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.covers: dict[int, int | None] = {}  # person -> the face that shows them
        self.people: tuple[int, int] | None = None
        self.pictures = [picture_label(CANDIDATE), picture_label(CANDIDATE)]
        self.names = [QLabel(), QLabel()]
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(24)
        for column in range(2):
            grid.addWidget(self.pictures[column], 0, column, Qt.AlignmentFlag.AlignCenter)
            self.names[column].setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.names[column].setObjectName("candidate")
            grid.addWidget(self.names[column], 1, column)
        thumbnails.ready.connect(lambda kind, _ids: kind == "face" and self._pictures())

    def show_choice(self, item: ReviewItem | None) -> None:
        """Show the two people of a choice (the nearer one first: key 1); hidden otherwise."""
        if item is None or item.rival_id is None:
            self.people = None
            self.hide()
            return
        self.people = (item.person_id, item.rival_id)
        for column, name in enumerate((item.person, item.rival)):
            self.names[column].setText(f"{column + 1}  ·  {name or 'Unnamed'}")
            self.names[column].setToolTip(f"Press {column + 1}: this is {name}")
        self._pictures()
        self.show()

    def _pictures(self) -> None:
        if self.people is None:
            return
        for column, person in enumerate(self.people):
            picture = self.thumbnails.face(self.covers.get(person))
            self.pictures[column].setPixmap(fit(picture, CANDIDATE))
