"""Duplicates: each set of copies side by side, with what tells them apart, and the choice.

A set shows every photo's picture, file size, pixels, date and folder, the one album would
keep marked. "Keep this one" asks first (a dialog opened without a nested event loop; Cancel
is its default), then sends the other files to the system's trash on the write thread: their
names, stars and albums stay with the photo kept. "Keep all" moves nothing: the set is not
asked about again. Until then a set counts once in the people's counts and the grouping.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from album import copies
from album.copies import KeepReport
from album.duplicates import DuplicateSet, Member
from album.store.duplicates import unhashed_count
from album.store.library import Library
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.thumbnails import Thumbnails

PICTURE = (220, 165)  # a member's picture, at most, in logical pixels
SHOWN = 30  # sets built at a time: each is a row of widgets, and a library may hold hundreds


def load_sets(library: Library) -> tuple[list[DuplicateSet], int]:
    """The undecided sets, and how many photos were analysed before near copies were
    looked for (their near copies cannot be listed until they are analysed again)."""
    return copies.sets(library), unhashed_count(library.conn)


def size_text(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


class DuplicatesView(QWidget):
    def __init__(
        self, backend: Backend, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.thumbnails = thumbnails
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        self.summary.setWordWrap(True)
        self.list = QWidget()
        self.rows = QVBoxLayout(self.list)
        self.rows.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.rows.setSpacing(14)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.list)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.more = QPushButton("Show more sets")
        self.more.clicked.connect(self._show_more)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.sets: list[DuplicateSet] = []
        self.cards: list[SetCard] = []
        self._pictures: dict[int, list[QLabel]] = {}
        self.confirm: QMessageBox | None = None
        self.busy = False  # a decision is on its way to the write thread
        thumbnails.ready.connect(self._pictures_ready)

    def reload(self) -> None:
        self.backend.query(load_sets, self._loaded, latest=self)

    def _loaded(self, found: tuple[list[DuplicateSet], int]) -> None:
        self.sets, unhashed = found
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        self._pictures = {}
        self._show_more()
        copies = sum(len(s.members) - 1 for s in self.sets)
        if self.sets:
            text = (
                f"{counted(len(self.sets), 'set')} of copies, {counted(copies, 'copy', 'copies')} "
                "in all. Until you decide, each set counts once for the people in it. "
                "“Keep this one” moves the others to the trash (after you confirm); their "
                "names, stars and albums stay with the photo you keep."
            )
        else:
            text = "No copies: every photo in the library is the only one of its kind."
        if unhashed:
            text += (
                f" {counted(unhashed, 'photo')} were analysed before album looked for near "
                "copies; scanning again with “Analyze again” finds theirs."
            )
        self.summary.setText(text)

    def _show_more(self) -> None:
        start = len(self.cards)
        for found in self.sets[start : start + SHOWN]:
            card = SetCard(found, self._picture_label, self._keep, self._keep_all)
            self.rows.addWidget(card)
            self.cards.append(card)
        left = len(self.sets) - len(self.cards)
        self.more.setVisible(left > 0)
        self.more.setText(f"Show more sets ({left} more)")

    def _picture_label(self, member: Member) -> QLabel:
        label = QLabel()
        label.setFixedSize(*PICTURE)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setObjectName("copyPicture")
        self._pictures.setdefault(member.photo.id, []).append(label)
        self._set_picture(member.photo.id, member.photo.path)
        return label

    def _set_picture(self, photo_id: int, path: str) -> None:
        pixmap = self.thumbnails.photo(photo_id, path)
        if pixmap is None:
            return
        for label in self._pictures.get(photo_id, []):
            label.setPixmap(_fitted(pixmap))

    def pictures_shown(self) -> bool:
        """Every photo of the sets on the page shows its picture (nothing left to load)."""
        return all(not label.pixmap().isNull() for ls in self._pictures.values() for label in ls)

    def _pictures_ready(self, kind: str, ids: list[int]) -> None:
        if kind != "photo":
            return
        paths = {m.photo.id: m.photo.path for s in self.sets for m in s.members}
        for photo_id in ids:
            if photo_id in self._pictures:
                self._set_picture(photo_id, paths[photo_id])

    # -- deciding --------------------------------------------------------------------------

    def _keep(self, found: DuplicateSet, keep: Member) -> None:
        if self.busy:
            return
        others = [m for m in found.members if m is not keep]
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Keep this photo")
        box.setText(
            f"Keep {os.path.basename(keep.photo.path)} and move "
            f"{counted(len(others), 'copy', 'copies')} to the trash?"
        )
        box.setInformativeText(
            "\n".join(m.photo.path for m in others[:8])
            + ("\n…" if len(others) > 8 else "")
            + "\n\nNames, stars and albums on them stay with the photo you keep. The files "
            "can be restored from the trash."
        )
        trash = box.addButton("Move to &Trash", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered() -> None:
            self.confirm = None  # deleted on close
            if box.clickedButton() is trash:
                self.busy = True
                self.backend.keep_copy(keep.photo.id, self._kept)

        box.finished.connect(answered)
        self.confirm = box
        box.open()

    def _kept(self, report: KeepReport | None) -> None:
        self.busy = False

    def _keep_all(self, found: DuplicateSet) -> None:
        if not self.busy:
            self.busy = True
            self.backend.keep_all_copies(found.keep, self._kept)


class SetCard(QFrame):
    """One set: a heading with "Keep all", then its photos side by side."""

    def __init__(
        self,
        found: DuplicateSet,
        picture: Callable[[Member], QLabel],
        keep: Callable[[DuplicateSet, Member], None],
        keep_all: Callable[[DuplicateSet], None],
    ) -> None:
        super().__init__()
        self.setObjectName("copySet")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.found = found
        kind = "Exact copies" if found.kind == "exact" else "Near copies"
        heading = QLabel(f"<b>{kind}</b> · {counted(len(found.members), 'photo')}")
        self.keep_all = QPushButton("Keep all")
        self.keep_all.setToolTip("Not copies to drop: keep every one, and do not ask again")
        self.keep_all.clicked.connect(lambda: keep_all(found))
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.keep_all)
        photos = QHBoxLayout()
        photos.setSpacing(18)
        self.buttons: list[QPushButton] = []
        for number, member in enumerate(found.members):
            photos.addLayout(self._member(member, number == 0, picture, keep))
        photos.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(photos)

    def _member(
        self,
        member: Member,
        keeper: bool,
        picture: Callable[[Member], QLabel],
        keep: Callable[[DuplicateSet, Member], None],
    ) -> QVBoxLayout:
        photo = member.photo
        column = QVBoxLayout()
        column.setSpacing(3)
        column.addWidget(picture(member))
        pixels = f"{photo.width} × {photo.height}" if photo.width and photo.height else "?"
        date = (photo.taken_at or "no date")[:16].replace("T", " ")
        folder = os.path.basename(os.path.dirname(photo.path)) or os.path.dirname(photo.path)
        lines = [
            f"<b>{_escaped(os.path.basename(photo.path))}</b>",
            f"{size_text(photo.size)} · {pixels}",
            date,
            f"in {_escaped(folder)}",
        ]
        if keeper:
            lines.append("<span style='color:#2e7d32'>✓ album would keep this one</span>")
        elif member.exact:
            lines.append("the same file")
        elif member.distance is not None:
            lines.append(f"a near copy ({member.distance} of 64 bits apart)")
        text = QLabel("<br>".join(lines))
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setToolTip(photo.path)
        text.setMaximumWidth(PICTURE[0])
        text.setWordWrap(True)
        column.addWidget(text)
        button = QPushButton("Keep this one")
        if keeper:
            button.setObjectName("primary")
        button.setToolTip(f"Keep {photo.path} and move the others to the trash")
        button.clicked.connect(lambda: keep(self.found, member))
        self.buttons.append(button)
        column.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        return column


def _fitted(pixmap: QPixmap) -> QPixmap:
    return pixmap.scaled(
        *PICTURE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
