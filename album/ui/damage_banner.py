"""The band across the top of the window that says the library failed, and what album did.

A status-bar message times out; damage to the library must not (issue 18: the warning
cleared itself and the window looked normal while work was gone). The band stays until the
window closes. The report of the next open's check (what came back, what did not) uses the
same band, with a button to put it away once read.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class DamageBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("damage")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(self.text.textFormat().PlainText)
        self.dismiss = QPushButton("OK")
        self.dismiss.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.addWidget(self.text, 1)
        row.addWidget(self.dismiss)
        self.damaged = False
        self.hide()

    def show_damage(self, text: str) -> None:
        """The library failed: said until the window closes, never dismissed."""
        self.damaged = True
        self.setProperty("kind", "damage")
        self.text.setText(f"⚠ {text}")
        self.dismiss.hide()
        self._restyle()
        self.show()

    def show_report(self, lines: list[str]) -> None:
        """What the check at this start did; put away with OK once read."""
        if self.damaged or not lines:
            return
        self.setProperty("kind", "report")
        self.text.setText("\n".join(lines))
        self.dismiss.show()
        self._restyle()
        self.show()

    def _restyle(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)
