"""Duplicates: each set of copies side by side, with what tells them apart, and the choice.

A set shows every photo's picture, file size, pixels, date and folder, the one album would
keep marked. "Keep this one" asks first (a dialog opened without a nested event loop; Cancel
is its default), then sends the other files to the system's trash on the write thread: their
names, stars and albums stay with the photo kept. "Keep all" moves nothing: the set is not
asked about again. Until then a set counts once in the people's counts and the grouping.

The keys act on one set and one photo of it, both marked (keyboard.KEYMAP lists them): Up
and Down go from set to set, Left and Right from photo to photo, Return or K is "Keep this
one" (the same question first), A is "Keep all". A click or Tab on a photo's button chooses
it too, so that the mark, the focus and the keys never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
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
from album.terminal import counted, file_size
from album.ui.backend import Backend
from album.ui.thumbnails import Thumbnails

PICTURE = (220, 165)  # a member's picture, at most, in logical pixels
SHOWN = 30  # sets built at a time: each is a row of widgets, and a library may hold hundreds


def load_sets(library: Library) -> tuple[list[DuplicateSet], int]:
    """The undecided sets, and how many photos were analysed before near copies were
    looked for (their near copies cannot be listed until they are analysed again)."""
    return copies.sets(library), unhashed_count(library.conn)


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
        self.current = 0  # the set the keys act on, in self.cards
        self.chosen = 0  # the photo of it that Return / K keeps, in its members
        thumbnails.ready.connect(self._pictures_ready)
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            (("Up", "PgUp"), lambda: self.choose_set(self.current - 1)),
            (("Down", "PgDown"), lambda: self.choose_set(self.current + 1)),
            (("Left",), lambda: self.choose_photo(self.chosen - 1)),
            (("Right",), lambda: self.choose_photo(self.chosen + 1)),
            (("Return", "Enter", "K"), self.keep_chosen),
            (("A",), self.keep_all_chosen),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                # The page's own, not the window's: arrows in the sidebar still change pages.
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def reload(self) -> None:
        self.backend.query(load_sets, self._loaded, latest=self)

    def _loaded(self, found: tuple[list[DuplicateSet], int]) -> None:
        self.sets, unhashed = found
        focus = QApplication.focusWidget()
        # The keys were here (a set just decided by them, or the page just shown): they stay
        # here, on the set that took the decided one's place, rather than on a deleted button.
        keys_here = self.isVisible() and (focus is None or self.isAncestorOf(focus))
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        self._pictures = {}
        self._show_more()
        if self.cards:
            self._choose(min(self.current, len(self.cards) - 1), 0, focus=keys_here)
        elif keys_here:
            self.scroll.setFocus(Qt.FocusReason.OtherFocusReason)
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

    # -- the keys ---------------------------------------------------------------------------

    def choose_set(self, index: int) -> None:
        if index >= len(self.cards) and self.more.isVisible():
            self._show_more()
        if self.cards:
            index = max(0, min(index, len(self.cards) - 1))
            # Another set starts on the photo album would keep: Return is its choice.
            self._choose(index, self.chosen if index == self.current else 0)

    def choose_photo(self, member: int) -> None:
        if self.cards:
            card = self.cards[self.current]
            self._choose(self.current, max(0, min(member, len(card.buttons) - 1)))

    def keep_chosen(self) -> None:
        if self.cards:
            card = self.cards[self.current]
            if QApplication.focusWidget() is card.keep_all:
                # Return on a focused button presses it everywhere else in the app.
                self._keep_all(card.found)
                return
            self._keep(card.found, card.found.members[self.chosen])

    def keep_all_chosen(self) -> None:
        if self.cards:
            self._keep_all(self.cards[self.current].found)

    def _choose(self, index: int, member: int, focus: bool = True) -> None:
        if self.current < len(self.cards) and self.current != index:
            self.cards[self.current].mark(None)
        self.current, self.chosen = index, member
        card = self.cards[index]
        card.mark(member)
        button = card.buttons[member]
        if focus:
            card.show()  # a card just added is shown only later, and a hidden one takes no focus
            button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll.ensureWidgetVisible(card, 0, 0)
        self.scroll.ensureWidgetVisible(button)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        for index, card in enumerate(self.cards):
            if new in card.buttons:
                self._choose(index, card.buttons.index(new), focus=False)
            elif new is card.keep_all and index != self.current:
                self._choose(index, 0, focus=False)

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
            for shortcut in self.shortcuts:
                shortcut.setEnabled(True)
            if box.clickedButton() is trash:
                self.busy = True
                self.backend.keep_copy(keep.photo.id, self._kept)

        box.finished.connect(answered)
        self.confirm = box
        # While it asks, Return and the letters are the question's (Cancel, Alt+T), even where
        # the page keeps the keyboard focus (a window manager that does not activate it).
        for shortcut in self.shortcuts:
            shortcut.setEnabled(False)
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
        self.pictures: list[QLabel] = []
        for number, member in enumerate(found.members):
            photos.addLayout(self._member(member, number == 0, picture, keep))
        photos.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(photos)

    def mark(self, chosen: int | None) -> None:
        """Where the keys act: this set (framed) and its photo `chosen` (None: not here)."""
        _restyle(self, "current", chosen is not None)
        for number, label in enumerate(self.pictures):
            _restyle(label, "chosen", number == chosen)

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
        self.pictures.append(picture(member))
        column.addWidget(self.pictures[-1])
        pixels = f"{photo.width} × {photo.height}" if photo.width and photo.height else "?"
        date = (photo.taken_at or "no date")[:16].replace("T", " ")
        folder = os.path.basename(os.path.dirname(photo.path)) or os.path.dirname(photo.path)
        lines = [
            f"<b>{_escaped(os.path.basename(photo.path))}</b>",
            f"{file_size(photo.size)} · {pixels}",
            date,
            f"in {_escaped(folder)}",
        ]
        if keeper:
            lines.append("<span style='color:#2e7d32'>✓ album would keep this one</span>")
        elif member.exact:
            lines.append("the same file")
        elif member.distance == 0:
            # A re-saved file: the picture hashes the same but the bytes are not the same file.
            lines.append("the same picture, another file")
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


def _restyle(widget: QWidget, name: str, value: bool) -> None:
    """A property the style sheet reads takes effect only once the widget is polished again."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
