"""Asking for a person's birthday (Birthday… on their page): a date, or Clear to remove it.

A calendar (QDateEdit) rather than a text field: nobody has to know which way round day and
month go, and no impossible day can be picked. The field itself takes any day of four
centuries and OK checks the day as `album birthday` does (not in the future, not before 1850):
with today as the field's last day, typing "12" into "6 December 2026" gave the 1st (the 12th
is after today), and with 1850 as its first, no year beginning with 1 could be typed at all.
What the user chose goes back to the page, which hands it to the backend as a people edit
(undoable, off the GUI thread) like Rename.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from album.people.ages import BirthdayError, check_birthday
from album.ui.name_dialog import MIN_WIDTH, TITLE_ROOM, title_width


@dataclass(frozen=True)
class BirthdayAnswer:
    birthday: date | None  # None: clear it


class BirthdayDialog(QDialog):
    def __init__(self, parent: QWidget | None, who: str, current: date | None) -> None:
        super().__init__(parent)
        title = f"Birthday of {who}"
        self.setWindowTitle(title)
        self.cleared = False
        today = date.today()
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMMM yyyy")
        self.edit.setDateRange(QDate(1752, 9, 14), QDate(today.year + 200, 12, 31))
        self.edit.setDate(_qdate(current or today))
        question = QLabel("Born on:")
        question.setBuddy(self.edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setDefault(True)
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Remove the birthday: the page shows no ages")
        self.clear.setEnabled(current is not None)
        buttons.addButton(self.clear, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.clear.clicked.connect(self._clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QGridLayout(self)
        layout.addWidget(question, 0, 0)
        layout.addWidget(self.edit, 0, 1)
        self.problem = QLabel()
        self.problem.setObjectName("dim")
        self.problem.hide()
        layout.addWidget(self.problem, 1, 0, 1, 2)
        layout.addWidget(buttons, 2, 0, 1, 2)
        layout.setColumnStretch(1, 1)
        self.setMinimumWidth(max(MIN_WIDTH, title_width(title) + TITLE_ROOM))

    def accept(self) -> None:
        chosen = self.answer().birthday
        if chosen is not None:
            try:
                check_birthday(chosen)
            except BirthdayError as error:
                self.problem.setText(f"{str(error)[0].upper()}{str(error)[1:]}.")
                self.problem.show()
                self.edit.setFocus()
                return
        super().accept()

    def _clear(self) -> None:
        self.cleared = True
        self.accept()

    def answer(self) -> BirthdayAnswer:
        if self.cleared:
            return BirthdayAnswer(None)
        chosen = self.edit.date()
        return BirthdayAnswer(date(chosen.year(), chosen.month(), chosen.day()))


def ask_birthday(parent: QWidget, who: str, current: date | None) -> BirthdayAnswer | None:
    """The birthday the user chose (or cleared); None when they cancelled."""
    dialog = BirthdayDialog(parent, who, current)
    try:
        return dialog.answer() if dialog.exec() else None
    finally:
        dialog.deleteLater()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
