"""The strip beside the timeline: its years, where the screen is, and a jump anywhere.

Twenty years of photos make a scroll bar whose every pixel is weeks: the strip names the years
where they start, and pressing or dragging on it shows the month under the pointer and goes
there, as the side of Google Photos or Apple Photos does.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from album.ui.timeline_view import TimelineView

WIDTH = 64
EDGE = 4  # pixels at each end of the strip that mean "the very end"


class Scrubber(QWidget):
    def __init__(self, view: TimelineView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.setFixedWidth(WIDTH)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag to go through the years")
        self._pointer: int | None = None  # where the pointer is, while it is over the strip
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self.update)
        bar.rangeChanged.connect(self.update)
        view.laid_out.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(WIDTH, 200)

    def _content_y(self, y: int) -> int:
        """The timeline's pixel for the strip's: its ends (a few pixels, easy to hit) are the
        newest and the oldest photos."""
        height = max(1, self.height() - 2 * EDGE)
        fraction = min(max(y - EDGE, 0), height) / height
        return round(fraction * self.view.content_height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        total = self.view.content_height()
        if total <= 0:
            return
        palette = self.palette()
        scale = self.height() / total
        # Where the screen is: a band as tall as the share of the timeline in view.
        bar = self.view.verticalScrollBar()
        band = QColor(palette.color(QPalette.ColorRole.Highlight))
        band.setAlpha(60)
        if bar.maximum() > 0:  # a page that fits whole has no place to show: no band over all
            top = round(bar.value() * scale)
            height = max(3, round(bar.pageStep() * scale))
            painter.fillRect(QRect(0, top, self.width(), height), band)
        text = QColor(palette.color(QPalette.ColorRole.Text))
        text.setAlpha(170)
        painter.setPen(text)
        line = painter.fontMetrics().height()
        last = -line
        for y, year in self.view.year_marks():
            at = round(y * scale)
            if at - last < line:  # years too close to name them all: every other one
                continue
            painter.drawText(
                QRect(0, at, self.width() - 6, line), Qt.AlignmentFlag.AlignRight, year
            )
            last = at
        if self._pointer is not None:
            month = self.view.month_at(self._content_y(self._pointer))
            box = QRect(2, max(0, min(self._pointer - line, self.height() - 2 * line)), 0, 0)
            box.setSize(QSize(self.width() - 4, 2 * line))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(box, 6, 6)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, month)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._jump(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._pointer = round(event.position().y())
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event)
        self.update()

    def leaveEvent(self, event: object) -> None:
        self._pointer = None
        self.update()

    def _jump(self, event: QMouseEvent) -> None:
        self._pointer = round(event.position().y())
        self.view.verticalScrollBar().setValue(self._content_y(self._pointer))
        self.update()
