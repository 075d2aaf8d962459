"""Asking for a person's name (Name…, Rename, Move to…, Who is this?), offering names given.

Three things a plain QInputDialog got wrong here. It was narrower than its own title, so the
window manager cut it ("Name … album"). The list of matching names dropped over OK and Cancel.
And with that list open, the first Return only closed the list: the completer eats it.

So the buttons stand to the right of the name, out of the list's way; the dialog is as wide as
its title (with the window manager's " — album" and buttons); and Return is taken before the
completer sees it: a name picked in the list with the arrow keys (or clicked), or else exactly
the text as typed, in one key. Nothing is completed in the field itself: "Ben" typed must not
become the "Benjamin" already in the library.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

MIN_WIDTH = 360
# Room the window manager takes around a title: icon, close / maximize / minimize, padding.
TITLE_ROOM = 160


def shown_title(title: str) -> str:
    """The title as the window manager draws it: Qt adds the application's name on X11 and
    Wayland ("Name faces — album"), which is what was being cut."""
    app = QGuiApplication.applicationDisplayName()
    return f"{title} \N{EM DASH} {app}" if app and app not in title else title


def title_width(title: str) -> int:
    font = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.TitleFont))
    font.setBold(True)  # most window managers draw the active title bold
    return QFontMetrics(font).horizontalAdvance(shown_title(title))


class NameDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, title: str, label: str, names: list[str], text: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.edit = QLineEdit()
        self.edit.setText(text)
        self.edit.selectAll()
        question = QLabel(label)
        question.setBuddy(self.edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            Qt.Orientation.Vertical,
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QGridLayout(self)
        layout.addWidget(question, 0, 0)
        layout.addWidget(self.edit, 1, 0)
        # Beside the field, not under it: the list of names drops below the field.
        layout.addWidget(buttons, 0, 1, 3, 1)
        layout.setRowStretch(2, 1)
        layout.setColumnStretch(0, 1)
        layout.setHorizontalSpacing(16)
        self.setMinimumWidth(max(MIN_WIDTH, title_width(title) + TITLE_ROOM))
        self._moved_in_list = False
        # What the user typed: a highlighted row (the pointer resting on the list) puts its
        # name in the field too, and that is no choice either.
        self._typed = text
        self.edit.textEdited.connect(self._edited)
        if names:
            completer = QCompleter(names, self)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            self.edit.setCompleter(completer)
            # A click on a name takes it; Return is handled in eventFilter, before the
            # completer's own filter (installed first, so run last) can swallow it.
            completer.activated[str].connect(self._take)
            completer.popup().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self._moved_in_list = True
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            popup = self.edit.completer().popup()
            # A row the pointer merely rests on is highlighted too: only one reached with the
            # arrow keys (or clicked: `activated`) is a choice.
            current = popup.currentIndex()
            picked = self._moved_in_list and current.isValid()
            chosen = str(current.data()) if picked else self._typed
            popup.hide()
            self._take(chosen)
            return True
        else:
            self._moved_in_list = False  # typing on: the list's choice is undone
        return super().eventFilter(watched, event)

    def _edited(self, text: str) -> None:
        self._typed = text

    def _take(self, name: str) -> None:
        self.edit.setText(name)
        self.accept()

    def name(self) -> str:
        return " ".join(self.edit.text().split())


def ask_name(parent: QWidget, title: str, label: str, names: list[str], text: str = "") -> str:
    """A name from the user, offering the names already given; "" when cancelled."""
    dialog = NameDialog(parent, title, label, names, text)
    try:
        return dialog.name() if dialog.exec() else ""
    finally:
        dialog.deleteLater()
