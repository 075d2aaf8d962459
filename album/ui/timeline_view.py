"""The Photos page's grid: photos by day, newest first, under month and day headings.

A QListView cannot do this at 100,000 photos: a heading has to be a row of another size, and
with rows of two sizes the list view asks Python for the size of every row on every layout
(about 5 s for 100,000). This view lays out whole days instead: a day is a heading and
ceil(photos / columns) lines of equal tiles, so the layout is one sum per day (some 7,000
for 20 years of photos) and finding the tiles on screen is a binary search. The tiles are
still the model's rows, drawn by the same delegate as every other grid, and selection, the
current tile, Enter and double-click are Qt's own (QAbstractItemView), so the Photos page
behaves as before.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from operator import is_

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPixmap,
    QRegion,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from album.store.queries import PhotoSummary
from album.store.timeline import DayKey, DayNotes
from album.timeline import Day, day_title, days_of, month_title, nearest_day
from album.ui.models import PhotosModel
from album.ui.thumbnails import Thumbnails
from album.ui.tiles import MARGIN, TileDelegate

SPACING = 4
MONTH_HEIGHT = 44
DAY_HEIGHT = 34
AVATAR = 24
AVATARS_SHOWN = 6


class TimelineView(QAbstractItemView):
    laid_out = Signal()  # the days or their places changed (the scrubber redraws)

    def __init__(
        self, delegate: TileDelegate, thumbnails: Thumbnails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setItemDelegate(delegate)
        self.delegate = delegate
        self.thumbnails = thumbnails
        self.days: list[Day] = []
        self.notes: dict[DayKey, DayNotes] = {}
        self._starts: list[int] = []  # each day's first row
        self._tops: list[int] = []  # where each day's headings start
        self._tiles_tops: list[int] = []  # where its first line of tiles starts
        self._month: list[bool] = []  # whether a month heading stands over it
        self._years: list[tuple[int, str]] = []  # where each year's first day starts
        self._height = 0
        self._columns = 1
        self._cell_width = delegate.base_width() + SPACING
        self._hover = QPersistentModelIndex()
        self._press: QPoint | None = None  # where a press on a chosen photo began
        self._expected: tuple[list[PhotoSummary], list[Day]] = ([], [])
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QAbstractItemView.Shape.NoFrame)
        thumbnails.ready.connect(self._picture_ready)

    # -- what it shows ----------------------------------------------------------------------

    def setModel(self, model: PhotosModel) -> None:  # type: ignore[override]
        super().setModel(model)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._rows_changed)
        self._rows_changed()

    def photos_model(self) -> PhotosModel:
        model = self.model()
        assert isinstance(model, PhotosModel)
        return model

    def set_notes(self, notes: dict[DayKey, DayNotes]) -> None:
        self.notes = notes
        self.viewport().update()
        self.laid_out.emit()

    def heading_text(self, day: int) -> str:
        """A day's heading in words: its date, where, and who (their faces are drawn too)."""
        key = self.days[day].key
        notes = self.notes.get(key)
        parts = [day_title(key)]
        if notes and notes.place:
            parts.append(notes.place)
        if notes and notes.people:
            names = [p.name for p in notes.people]
            parts.append(", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else ""))
        return " · ".join(parts)

    def expect(self, rows: list[PhotoSummary], days: list[Day]) -> None:
        """The days of rows about to be set, worked out off the GUI thread: used if the model
        takes these very rows (the grid held still may keep another order)."""
        self._expected = (rows, days)

    def _rows_changed(self, *_: object) -> None:
        rows = self.photos_model().rows
        expected_rows, days = self._expected
        if not (len(rows) == len(expected_rows) and all(map(is_, rows, expected_rows))):
            days = days_of(rows)
        self.days = days
        self._starts = [day.start for day in self.days]
        self._layout()

    # -- layout -----------------------------------------------------------------------------

    def _tile_height(self) -> int:
        return self.delegate.picture.height() + 2 * MARGIN

    def _line_height(self) -> int:
        return self._tile_height() + SPACING

    def _layout(self) -> None:
        width = self.viewport().width()
        step = self.delegate.base_width() + SPACING
        self._columns = max(1, (width - SPACING) // step)
        # The columns share what is left over, so the grid fills the width.
        self._cell_width = max(step, (width - SPACING) // self._columns)
        line, columns = self._line_height(), self._columns
        tops, tiles_tops, month = [], [], []
        y, last_month = 0, None
        for day in self.days:
            tops.append(y)
            this_month = day.key[0][:7]
            starts_month = this_month != last_month and this_month != ""
            month.append(starts_month)
            last_month = this_month
            y += (MONTH_HEIGHT if starts_month else 0) + DAY_HEIGHT
            tiles_tops.append(y)
            y += -(-day.count // columns) * line
        self._tops, self._tiles_tops, self._month = tops, tiles_tops, month
        years: list[tuple[int, str]] = []
        for day, top, starts_month in zip(self.days, tops, month, strict=True):
            year = day.key[0][:4]
            if starts_month and (not years or years[-1][1] != year):
                years.append((top, year))
        self._years = years
        self._height = y + SPACING
        self.updateGeometries()
        self.viewport().update()
        self.laid_out.emit()

    def content_height(self) -> int:
        return self._height

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, self._height - page))
        bar.setPageStep(page)
        bar.setSingleStep(max(1, self._line_height() // 4))
        super().updateGeometries()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The photo at the top stays at the top when the columns change.
        anchor = self._row_at_top()
        super().resizeEvent(event)
        self._layout()
        if anchor is not None:
            self.verticalScrollBar().setValue(self._line_top(anchor))

    def _row_at_top(self) -> int | None:
        if not self.days:
            return None
        y = self.verticalOffset()
        day = max(0, bisect_right(self._tops, y) - 1)
        line = max(0, (y - self._tiles_tops[day]) // self._line_height())
        return self.days[day].start + min(line * self._columns, self.days[day].count - 1)

    def _day_of_row(self, row: int) -> int:
        return bisect_right(self._starts, row) - 1

    def _line_top(self, row: int) -> int:
        """Where the line holding `row` starts; its day's headings too on the day's first line."""
        day = self._day_of_row(row)
        line = (row - self._starts[day]) // self._columns
        return self._tops[day] if line == 0 else self._tiles_tops[day] + line * self._line_height()

    def _rect(self, row: int) -> QRect:
        day = self._day_of_row(row)
        line, column = divmod(row - self._starts[day], self._columns)
        return QRect(
            SPACING + column * self._cell_width,
            self._tiles_tops[day] + line * self._line_height() - self.verticalOffset(),
            self._cell_width - SPACING,
            self._tile_height(),
        )

    # -- QAbstractItemView ------------------------------------------------------------------

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        if not index.isValid() or not self.days or index.row() >= len(self.photos_model().rows):
            return QRect()
        return self._rect(index.row())

    def indexAt(self, point: QPoint) -> QModelIndex:
        if not self.days:
            return QModelIndex()
        y = point.y() + self.verticalOffset()
        day = bisect_right(self._tops, y) - 1
        if day < 0 or y < self._tiles_tops[day]:
            return QModelIndex()
        line, within = divmod(y - self._tiles_tops[day], self._line_height())
        column, across = divmod(point.x() - SPACING, self._cell_width)
        if within >= self._tile_height() or across >= self._cell_width - SPACING:
            return QModelIndex()
        if not 0 <= column < self._columns:
            return QModelIndex()
        k = line * self._columns + column
        if k >= self.days[day].count:
            return QModelIndex()
        return self.model().index(self.days[day].start + k, 0)

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        if not index.isValid() or not self.days:
            return
        bar = self.verticalScrollBar()
        top = self._line_top(index.row())
        bottom = self._rect(index.row()).bottom() + self.verticalOffset() + SPACING
        page = self.viewport().height()
        if hint == QAbstractItemView.ScrollHint.PositionAtTop:
            bar.setValue(top)
        elif hint == QAbstractItemView.ScrollHint.PositionAtCenter:
            bar.setValue((top + bottom - page) // 2)
        elif hint == QAbstractItemView.ScrollHint.PositionAtBottom:
            bar.setValue(bottom - page)
        elif top < bar.value():
            bar.setValue(top)
        elif bottom > bar.value() + page:
            bar.setValue(bottom - page)

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        count = len(self.photos_model().rows)
        if not count:
            return QModelIndex()
        current = self.currentIndex()
        row = current.row() if current.isValid() else 0
        action = QAbstractItemView.CursorAction
        if cursorAction in (action.MoveLeft, action.MovePrevious):
            row -= 1
        elif cursorAction in (action.MoveRight, action.MoveNext):
            row += 1
        elif cursorAction == action.MoveHome:
            row = 0
        elif cursorAction == action.MoveEnd:
            row = count - 1
        elif cursorAction in (action.MoveUp, action.MoveDown):
            row = self._line_step(row, -1 if cursorAction == action.MoveUp else 1)
        elif cursorAction in (action.MovePageUp, action.MovePageDown):
            sign = -1 if cursorAction == action.MovePageUp else 1
            row = self._page_step(row, sign)
        return self.model().index(min(max(row, 0), count - 1), 0)

    def _line_step(self, row: int, sign: int) -> int:
        """The tile above or below in the same column: across a heading, in the last (or
        first) line of the day before (or after), as far right as that line goes."""
        day = self._day_of_row(row)
        start, count = self.days[day].start, self.days[day].count
        line, column = divmod(row - start, self._columns)
        last_line = (count - 1) // self._columns
        if 0 <= line + sign <= last_line:
            return min(start + (line + sign) * self._columns + column, start + count - 1)
        other = day + sign
        if not 0 <= other < len(self.days):
            return row
        start, count = self.days[other].start, self.days[other].count
        line = (count - 1) // self._columns if sign < 0 else 0
        return min(start + line * self._columns + column, start + count - 1)

    def _page_step(self, row: int, sign: int) -> int:
        lines = max(1, self.viewport().height() // self._line_height())
        for _ in range(lines):
            moved = self._line_step(row, sign)
            if moved == row:
                break
            row = moved
        return row

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return False

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        """The photos from the first tile the rectangle touches to the last, in timeline order:
        shift-click and a drag select a stretch of days, as in a list, not a block of columns."""
        rows = self.rows_in(rect.normalized())
        selection = QItemSelection()
        if rows:
            model = self.model()
            selection.select(model.index(min(rows), 0), model.index(max(rows), 0))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        return QRegion(self.viewport().rect())

    def rows_in(self, rect: QRect) -> list[int]:
        """The rows whose tiles the rectangle (in the viewport) touches."""
        if not self.days:
            return []
        offset, line_height = self.verticalOffset(), self._line_height()
        top, bottom = rect.top() + offset, rect.bottom() + offset
        first_column = max(0, (rect.left() - SPACING) // self._cell_width)
        last_column = min(self._columns - 1, (rect.right() - SPACING) // self._cell_width)
        rows: list[int] = []
        day = max(0, bisect_right(self._tops, top) - 1)
        while day < len(self.days) and self._tops[day] <= bottom:
            start, count = self.days[day].start, self.days[day].count
            tiles_top = self._tiles_tops[day]
            first_line = max(0, (top - tiles_top) // line_height)
            last_line = min((count - 1) // self._columns, (bottom - tiles_top) // line_height)
            for line in range(first_line, last_line + 1):
                for column in range(first_column, last_column + 1):
                    k = line * self._columns + column
                    if k < count:
                        rows.append(start + k)
            day += 1
        return rows

    def rows_on_screen(self) -> list[int]:
        return self.rows_in(self.viewport().rect())

    # -- going to a date --------------------------------------------------------------------

    def go_to(self, wanted: dt.date) -> Day | None:
        """Shows the day closest to `wanted` at the top, its first photo the current one."""
        found = nearest_day(self.days, wanted)
        if found is None:
            return None
        self.verticalScrollBar().setValue(self._tops[found])
        index = self.model().index(self.days[found].start, 0)
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        return self.days[found]

    def year_marks(self) -> list[tuple[int, str]]:
        """Where each year starts, in the content's pixels (the scrubber's labels): worked out
        with the layout, as the strip repaints on every scroll step (4 ms at 4,000 days)."""
        return self._years

    def month_at(self, y: int) -> str:
        if not self.days:
            return ""
        day = max(0, bisect_right(self._tops, y) - 1)
        return month_title(self.days[day].key[0])

    # -- drawing ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.days:
            return
        painter = QPainter(self.viewport())
        offset = self.verticalOffset()
        area = event.rect()
        top, bottom = area.top() + offset, area.bottom() + offset
        base = QStyleOptionViewItem()
        self.initViewItemOption(base)
        selection, model = self.selectionModel(), self.model()
        # Asked per tile only when there is something to find: each question crosses into C++.
        any_selected = selection.hasSelection()
        hover = self._hover if self._hover.isValid() else None
        line_height, columns, delegate = self._line_height(), self._columns, self.delegate
        plain = base.state
        day = max(0, bisect_right(self._tops, top) - 1)
        while day < len(self.days) and self._tops[day] <= bottom:
            self._paint_headings(painter, day, self._tops[day] - offset, base)
            start, count = self.days[day].start, self.days[day].count
            tiles_top = self._tiles_tops[day]
            first_line = max(0, (top - tiles_top) // line_height)
            last_line = min((count - 1) // columns, (bottom - tiles_top) // line_height)
            for line in range(first_line, last_line + 1):
                for column in range(columns):
                    k = line * columns + column
                    if k >= count:
                        break
                    index = model.index(start + k, 0)
                    base.rect = self._rect(start + k)
                    state = plain
                    if any_selected and selection.isSelected(index):
                        state |= QStyle.StateFlag.State_Selected
                    if hover is not None and hover == index:
                        state |= QStyle.StateFlag.State_MouseOver
                    base.state = state
                    delegate.paint(painter, base, index)
            day += 1
        base.state = plain
        painter.end()

    def _paint_headings(
        self, painter: QPainter, day: int, y: int, option: QStyleOptionViewItem
    ) -> None:
        palette = option.palette
        left = SPACING + MARGIN
        right = self._columns * self._cell_width - MARGIN
        text_colour = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        painter.save()
        if self._month[day]:
            font = QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.35)
            painter.setFont(font)
            painter.setPen(text_colour)
            painter.drawText(
                QRect(left, y + 10, right - left, MONTH_HEIGHT - 10),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                month_title(self.days[day].key[0]),
            )
            y += MONTH_HEIGHT
        band = QRect(left, y, right - left, DAY_HEIGHT)
        x = left
        key = self.days[day].key
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text_colour)
        title = day_title(key)
        notes = self.notes.get(key)
        if notes and notes.place:
            title += f" · {notes.place}"
        metrics = painter.fontMetrics()
        shown = metrics.elidedText(title, Qt.TextElideMode.ElideRight, band.width())
        painter.drawText(band, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
        x += metrics.horizontalAdvance(shown) + 2 * MARGIN
        if notes and notes.people and x < right:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            top = y + (DAY_HEIGHT - AVATAR) // 2
            for person in notes.people[:AVATARS_SHOWN]:
                if x + AVATAR > right:
                    break
                self._avatar(painter, QRect(x, top, AVATAR, AVATAR), person.face_id, palette)
                x += AVATAR + 3
            names = [p.name for p in notes.people]
            words = ", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else "")
            painter.setFont(option.font)
            dim = QColor(text_colour)
            dim.setAlpha(170)
            painter.setPen(dim)
            rest = QRect(x + MARGIN, y, max(0, right - x - MARGIN), DAY_HEIGHT)
            painter.drawText(
                rest,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(words, Qt.TextElideMode.ElideRight, rest.width()),
            )
        painter.restore()

    def _avatar(
        self, painter: QPainter, rect: QRect, face_id: int | None, palette: QPalette
    ) -> None:
        clip = QPainterPath()
        clip.addEllipse(rect)
        painter.save()
        painter.setClipPath(clip)
        pixmap = self.thumbnails.face(face_id)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            painter.drawPixmap(
                rect,
                pixmap.scaled(
                    rect.size() * max(1.0, painter.device().devicePixelRatioF()),
                    Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                    Qt.TransformationMode.SmoothTransformation,
                ),
            )
        else:
            placeholder = palette.color(QPalette.ColorRole.Mid)
            placeholder.setAlpha(90)
            painter.fillRect(rect, placeholder)
        painter.restore()

    def _picture_ready(self, kind: str, _picture_ids: list[int]) -> None:
        if kind == "face" and self.notes:
            self.viewport().update()

    # -- the pointer ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        pressed = self.indexAt(point)
        # Pressed on a photo already chosen: a move may drag the chosen photos to an album.
        was_selected = pressed.isValid() and self.selectionModel().isSelected(pressed)
        self._press = point if was_selected else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if (
            self._press is not None
            and event.buttons() & Qt.MouseButton.LeftButton
            and (point - self._press).manhattanLength() >= QApplication.startDragDistance()
        ):
            self._press = None
            self._drag()
            return
        hover = self.indexAt(point)
        if QPersistentModelIndex(hover) != self._hover:
            for index in (self._hover, hover):
                if index.isValid():
                    self.viewport().update(self.visualRect(index))
            self._hover = QPersistentModelIndex(hover)
        super().mouseMoveEvent(event)

    def _drag(self) -> None:
        chosen = self.selectionModel().selectedIndexes()
        if not chosen:
            return
        drag = QDrag(self)
        drag.setMimeData(self.photos_model().mimeData(chosen))
        picture = self.photos_model().data(chosen[0], Qt.ItemDataRole.DecorationRole)
        if isinstance(picture, QPixmap) and not picture.isNull():
            drag.setPixmap(picture.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio))
        drag.exec(Qt.DropAction.CopyAction)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover.isValid():
            self.viewport().update(self.visualRect(self._hover))
        self._hover = QPersistentModelIndex()
        super().leaveEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self._heading_at(event.pos())
            if day is not None:
                QToolTip.showText(event.globalPos(), self.heading_text(day), self.viewport())
                return True
        return super().viewportEvent(event)

    def _heading_at(self, point: QPoint) -> int | None:
        if not self.days:
            return None
        y = point.y() + self.verticalOffset()
        day = bisect_right(self._tops, y) - 1
        return day if day >= 0 and y < self._tiles_tops[day] else None
