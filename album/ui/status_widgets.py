"""Parts for the jobs in the status bar that keep their place while the numbers change.

A job's line changes several times a second (counts, speed, time left). Sized by its text, each
new number would push the buttons beside it around, and a Pause that moves between two clicks
is a click on the wrong button. So the text gets a slot of its own width, elided when the window
is narrow (the whole line is then in its tooltip), and a button is as wide as its widest text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget


class SlotLabel(QLabel):
    """A one-line text whose width comes from a sample line, never from what it says now."""

    def __init__(self, sample: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sample = sample
        self.full_text = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.sample)
        return QSize(width + margins.left() + margins.right() + 2 * self.margin(), hint.height())

    def minimumSizeHint(self) -> QSize:
        # Narrow windows shrink the slot (and elide) rather than push the window wider.
        return QSize(self.fontMetrics().horizontalAdvance("…") * 8, super().sizeHint().height())

    def show_text(self, text: str) -> None:
        self.full_text = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
        self.setText(shown)
        self.setToolTip(self.full_text if shown != self.full_text else "")


class SteadyButton(QPushButton):
    """A button whose text changes (Pause / Resume) and whose size does not."""

    def __init__(self, texts: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(texts[0], parent)
        self.texts = texts

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(text) for text in self.texts)
        hint.setWidth(hint.width() + max(0, widest - metrics.horizontalAdvance(self.text())))
        return hint

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()
