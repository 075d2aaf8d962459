"""Grid tiles: a picture, a name and a line under it, drawn by one delegate for every grid.

One delegate paints every row (no widget per thumbnail), so a grid of 10,000 people scrolls as
smoothly as one of ten. A picture that is still loading shows a soft placeholder.

A heading row (a person's page with a birthday: one per year) is as wide as the tiles' columns,
so the grid's flow breaks before it and after it, and the delegate draws it as a line of text.
It is a row like the tiles, not a widget: a page of 5,000 faces stays one view.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from album.ui.models import (
    BadgeRole,
    IdRole,
    MutedRole,
    PeopleModel,
    RatingRole,
    RowsModel,
    SubtitleRole,
    heading_at,
)

MARGIN = 6
# Tiles kept scaled per grid: a few screens (a 1280x820 People screen shows about 60).
SCALED_KEPT = 300
RADIUS = 8
HEADING_GAP = 12  # above a heading, so a year's tiles stand apart from the year before
HEADING_SCALE = 1.2  # a heading's font against the tiles' text


class TileDelegate(QStyledItemDelegate):
    def __init__(
        self,
        picture: QSize,
        lines: int = 2,
        parent: QWidget | None = None,
        *,
        round_: bool = False,
        whole: bool = False,
    ) -> None:
        super().__init__(parent)
        self.picture = picture
        self.lines = lines
        self.round = round_
        # Photos are shown whole (a portrait in a landscape tile keeps its heads); face crops
        # fill their tile.
        self.whole = whole
        self.names: list[str] = []  # offered while typing a name
        # Pixels added to every tile's width so the columns fill the grid (see FillWidth).
        self.extra_width = 0
        # The width of a heading: the tiles' columns from the first one's left to the last
        # one's right (see FillWidth), so no tile fits beside it and the flow breaks there.
        self.line_width = 0
        # Pictures already scaled to their tile: a smooth scale of every tile on every paint
        # held the GUI thread for tens of ms per screen while scrolling. Keyed by the
        # pixmap's cache key, so a new picture for a tile is scaled afresh.
        self._scaled: OrderedDict[tuple[int, int, int, float], QPixmap] = OrderedDict()

    def base_width(self) -> int:
        """A tile's width before FillWidth widens it."""
        return self.picture.width() + 2 * MARGIN

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        if heading_at(index) is not None:
            height = QFontMetrics(self._heading_font(option.font)).height()
            return QSize(max(self.line_width, self.base_width()), HEADING_GAP + height + 4)
        line = option.fontMetrics.height()
        return QSize(
            self.base_width() + self.extra_width,
            self.picture.height() + 2 * MARGIN + self.lines * (line + 2),
        )

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        heading = heading_at(index)
        if heading is not None:
            self._heading(painter, option, heading)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            colour = palette.color(QPalette.ColorRole.Highlight)
            if not selected:
                colour.setAlpha(40)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), RADIUS, RADIUS)
        picture_rect = QRect(
            rect.x() + (rect.width() - self.picture.width()) // 2,
            rect.y() + MARGIN,
            self.picture.width(),
            self.picture.height(),
        )
        clip = QPainterPath()
        if self.round:
            clip.addEllipse(picture_rect)
        else:
            clip.addRoundedRect(picture_rect, RADIUS, RADIUS)
        painter.setClipPath(clip)
        # The model's own data(), called here in Python: through QModelIndex.data each role
        # crossed into C++ and back, 40 µs a call, 4 ms of every screen of photos scrolled.
        model = index.model()
        data = model.data if isinstance(model, RowsModel) else (lambda i, role: i.data(role))
        pixmap = data(index, Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            # Scaled to the tile's device pixels: on a HiDPI screen (ratio 2) a 240 px avatar
            # stays sharp instead of being shrunk to 116 px and blown up again.
            ratio = max(1.0, painter.device().devicePixelRatioF())
            scaled = self._fitted(pixmap, picture_rect.size(), ratio)
            x = picture_rect.x() + round((picture_rect.width() - scaled.width() / ratio) / 2)
            y = picture_rect.y() + round((picture_rect.height() - scaled.height() / ratio) / 2)
            painter.drawPixmap(x, y, scaled)
        else:
            placeholder = palette.color(QPalette.ColorRole.Mid)
            placeholder.setAlpha(90)
            painter.fillRect(picture_rect, placeholder)
        if data(index, MutedRole):
            painter.fillRect(picture_rect, QColor(255, 255, 255, 150))
        painter.setClipping(False)
        badge = data(index, BadgeRole)
        if badge:
            self._badge(painter, picture_rect, str(badge), palette)
        rated = data(index, RatingRole)
        if rated and (rated[0] or rated[1]):
            self._rating(painter, picture_rect, *rated)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        top = picture_rect.bottom() + 4
        line = option.fontMetrics.height() + 2
        if self.lines >= 1:
            name = data(index, Qt.ItemDataRole.DisplayRole) or ""
            font = QFont(option.font)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(text_colour)
            metrics = painter.fontMetrics()
            shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, rect.width() - 2 * MARGIN)
            painter.drawText(
                QRect(rect.x() + MARGIN, top, rect.width() - 2 * MARGIN, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
        if self.lines >= 2:
            painter.setFont(option.font)
            dim = QColor(text_colour)
            dim.setAlpha(170)
            painter.setPen(dim)
            painter.drawText(
                QRect(rect.x() + MARGIN, top + line, rect.width() - 2 * MARGIN, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                data(index, SubtitleRole) or "",
            )
        painter.restore()

    @staticmethod
    def _heading_font(font: QFont) -> QFont:
        heading = QFont(font)
        heading.setBold(True)
        heading.setPointSizeF(font.pointSizeF() * HEADING_SCALE)
        return heading

    def _heading(self, painter: QPainter, option: QStyleOptionViewItem, text: str) -> None:
        """The heading's words from the left edge of the first column's pictures, then a faint
        rule to the last column's right edge. A heading is never enabled, but it is drawn in
        the enabled colours: it is a title, not a greyed-out tile."""
        painter.save()
        palette = option.palette
        group = QPalette.ColorGroup.Active
        # The pictures sit centred in their widened tiles: the words start where they do.
        left = option.rect.x() + MARGIN + self.extra_width // 2
        right = option.rect.right() - MARGIN - self.extra_width // 2
        band = QRect(left, option.rect.y() + HEADING_GAP, right - left, 0)
        band.setBottom(option.rect.bottom())
        painter.setFont(self._heading_font(option.font))
        painter.setPen(palette.color(group, QPalette.ColorRole.Text))
        metrics = painter.fontMetrics()
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, band.width())
        painter.drawText(band, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
        start = left + metrics.horizontalAdvance(shown) + 2 * MARGIN
        if start < right:
            rule = QColor(palette.color(group, QPalette.ColorRole.Text))
            rule.setAlpha(45)
            painter.setPen(rule)
            middle = band.center().y() + 1
            painter.drawLine(start, middle, right, middle)
        painter.restore()

    def _fitted(self, pixmap: QPixmap, size: QSize, ratio: float) -> QPixmap:
        key = (pixmap.cacheKey(), size.width(), size.height(), ratio)
        scaled = self._scaled.get(key)
        if scaled is not None:
            self._scaled.move_to_end(key)
            return scaled
        scaled = pixmap.scaled(
            size * ratio,
            Qt.AspectRatioMode.KeepAspectRatio
            if self.whole
            else Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
        scaled.setDevicePixelRatio(ratio)
        self._scaled[key] = scaled
        while len(self._scaled) > SCALED_KEPT:
            self._scaled.popitem(last=False)
        return scaled

    def _badge(self, painter: QPainter, picture: QRect, text: str, palette: QPalette) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 10
        box = QRect(picture.right() - width - 3, picture.top() + 3, width, metrics.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        # A video's length and a stack's versions on a dark chip, as players and cameras' own
        # browsers show them; anything else asks for attention.
        quiet = text.startswith(("▶", "RAW+")) or text.endswith(" versions")
        painter.setBrush(QColor(0, 0, 0, 160) if quiet else QColor(230, 140, 20, 230))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _rating(painter: QPainter, picture: QRect, stars: int, heart: bool) -> None:
        """Stars and a heart in the picture's lower left corner, on a dark chip, so they read
        on a white sky and on a night photo alike."""
        text = ("♥ " if heart else "") + "★" * stars
        font = QFont(painter.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        box = QRect(
            picture.left() + 4,
            picture.bottom() - metrics.height() - 7,
            metrics.horizontalAdvance(text.strip()) + 10,
            metrics.height() + 4,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 6, 6)
        x = box.left() + 5
        if heart:
            painter.setPen(QColor(255, 95, 110))
            painter.drawText(QRect(x, box.top(), box.width(), box.height()),
                             Qt.AlignmentFlag.AlignVCenter, "♥")  # fmt: skip
            x += metrics.horizontalAdvance("♥ ")
        if stars:
            painter.setPen(QColor(255, 200, 40))
            painter.drawText(QRect(x, box.top(), box.width(), box.height()),
                             Qt.AlignmentFlag.AlignVCenter, "★" * stars)  # fmt: skip

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setPlaceholderText("Name")
        editor.setFrame(True)
        # The name goes to the person the editor was opened on, whatever row they sit in
        # by the time Return is pressed (a scan may have changed the grid meanwhile).
        editor.setProperty("row_id", index.data(IdRole))
        if self.names:
            completer = QCompleter(self.names, editor)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            editor.setCompleter(completer)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        # Qt calls this again whenever the row changes under an open editor (a thumbnail lands,
        # a scan refreshes the grid); that would overwrite what the user is typing.
        if editor.property("primed"):
            return
        editor.setProperty("primed", True)
        super().setEditorData(editor, index)

    def setModelData(
        self,
        editor: QWidget,
        model: Any,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row_id = editor.property("row_id")
        if isinstance(model, PeopleModel) and isinstance(editor, QLineEdit) and row_id is not None:
            model.rename(int(row_id), editor.text())
            return
        super().setModelData(editor, model, index)  # type: ignore[arg-type]

    def in_name(self, option_rect: QRect, point: QPoint) -> bool:
        """Whether a click at `point` landed on the name under the picture (rename there)."""
        return point.y() > option_rect.y() + MARGIN + self.picture.height()

    def updateEditorGeometry(
        self,
        editor: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect = option.rect
        height = editor.sizeHint().height()
        top = rect.y() + MARGIN + self.picture.height() + 2
        editor.setGeometry(rect.x() + 2, top, rect.width() - 4, height)


class TileGrid(QListView):
    """The grids' list view: the keys never stop on a heading. Qt's arrow keys skip a row that
    is not enabled, but Home, Page Up and Page Down go to a row by place and then do nothing
    when it is a heading (Home on a page that starts with a year's heading stayed put)."""

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        index = super().moveCursor(cursorAction, modifiers)
        model = self.model()
        if model is None or not index.isValid() or enabled(model.flags(index)):
            return index
        # The tiles a heading stands over come after it; after the last heading, the one before.
        count = model.rowCount()
        for row in (*range(index.row() + 1, count), *range(index.row() - 1, -1, -1)):
            candidate = model.index(row, 0)
            if enabled(model.flags(candidate)):
                return candidate
        return self.currentIndex()


def enabled(flags: Qt.ItemFlag) -> bool:
    return bool(flags & Qt.ItemFlag.ItemIsEnabled)


def grid_view(delegate: TileDelegate, parent: QWidget | None = None) -> QListView:
    """A QListView set up as a smooth, uniform icon grid. Uniform: the view sizes one tile and
    lays out 10,000 from it. A grid with headings must turn that off (`set_headed`)."""
    view = TileGrid(parent)
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(200)
    view.setSpacing(4)
    view.setWordWrap(False)
    view.setMouseTracking(True)
    view.setItemDelegate(delegate)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
    )
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setFrameShape(QListView.Shape.NoFrame)
    FillWidth(view, delegate)
    return view


def set_headed(view: QListView, headed: bool) -> None:
    """Headings in a grid or none. With headings the view asks every row for its size (one
    tile's size would make a heading a tile, or every tile a heading); a person's 5,000 faces
    then cost 5,000 quick size hints per layout. Without them, back to one size for all."""
    if view.uniformItemSizes() == headed:
        view.setUniformItemSizes(not headed)
        view.scheduleDelayedItemsLayout()


class FillWidth(QObject):
    """Widens a grid's tiles so its columns fill the width. Tiles of one fixed size left what
    did not make a whole column as one empty band on the right (up to a tile wide: the Photos
    page at 1280 px looked cut off); now every tile takes a few pixels of it, its picture
    centred. The tile's size hint grows rather than the view's grid size: a grid size set
    while the grid lays out in batches left the last screen of a big grid empty."""

    def __init__(self, view: QListView, delegate: TileDelegate) -> None:
        super().__init__(view)
        self.view = view
        self.delegate = delegate
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        view, delegate = self.view, self.delegate
        # The width the view lays its tiles out in: it always keeps room for a scroll bar, shown
        # or not. Only the width grows, never the height or the number of columns.
        width = view.maximumViewportSize().width()
        if view.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded:
            width -= view.style().pixelMetric(
                QStyle.PixelMetric.PM_ScrollBarExtent, None, view.verticalScrollBar()
            )
        # The view puts one spacing before the first tile and after each.
        step = delegate.base_width() + view.spacing()
        room = width - 1 - view.spacing()
        columns = max(1, room // step)
        extra = (room - columns * step) // columns
        line = columns * (step + extra) - view.spacing()
        if (extra, line) != (delegate.extra_width, delegate.line_width):
            delegate.extra_width, delegate.line_width = extra, line
            delegate.sizeHintChanged.emit(QModelIndex())


HOLD_MS = 2500  # how long after the last click or key on a grid it still counts as in use


class SteadyGrid(QObject):
    """Keeps a grid still while the user is on it.

    A reload (a name given, a scan committing faces, people regrouped) may bring a new order;
    applied at once it moves tiles under the pointer and a double-click or F2 lands on the
    wrong person. From the first click or key on the grid, while the pointer is over it, while
    a name is being typed, and for a moment after the last click or key, the tiles keep their
    places: changed tiles are updated where they are, new ones are added at the end, gone ones
    leave. The new order is applied once the user has left: the pointer elsewhere and no key
    for HOLD_MS (the grid keeping the keyboard is not enough: "Most photos first" then stayed
    stale after a scan until the page changed). The current tile and the selection stay on
    their people, and the current one is scrolled into view.
    The grid also always has a current tile, so the first arrow or End key moves from it.
    """

    def __init__(self, view: QListView, model: RowsModel) -> None:
        super().__init__(view)
        self.view = view
        self.model = model
        self.pending: list[Any] | None = None
        self._quiet = QTimer(self, singleShot=True, interval=HOLD_MS)
        self._quiet.timeout.connect(self._maybe_apply)
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)
        view.itemDelegate().closeEditor.connect(self._quiet.start)  # a name just given
        model.modelReset.connect(self._current_first)

    def holding(self) -> bool:
        if self.view.viewport().underMouse() or self._quiet.isActive():
            return True
        # F2 moves the keyboard to the name editor: a new order applied now would reset the
        # model and close the editor mid-name (the next letters then went into the filter box).
        return self.view.state() == QAbstractItemView.State.EditingState

    def set_rows(self, rows: list[Any]) -> None:
        if not self.holding() or not self.model.rows:
            self.pending = None
            self.model.set_rows(rows)
            return
        by_id = dict(zip(self.model.ids(rows), rows, strict=True))
        kept = [by_id.pop(i) for i in self.model.ids(self.model.rows) if i in by_id]
        # A new heading (ids < 0) waits for the new order: appended after the held tiles it
        # would stand over none of its own.
        held = [*kept, *(row for row_id, row in by_id.items() if row_id >= 0)]
        self.pending = rows if held != rows else None
        self.model.set_rows(held)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self._quiet.start()  # in use: hold a while longer
        elif kind in (QEvent.Type.Leave, QEvent.Type.FocusOut):
            QTimer.singleShot(0, self._maybe_apply)
        return False

    def _maybe_apply(self, *_: object) -> None:
        if self.pending is None or self.holding():
            return
        rows, self.pending = self.pending, None
        selected = [self.model.id_at(i) for i in self.view.selectionModel().selectedIndexes()]
        current = self.view.currentIndex()
        current_id = self.model.id_at(current) if current.isValid() else None
        self.model.set_rows(rows)
        selection = self.view.selectionModel()
        for row_id in selected:
            index = self.model.index_of(row_id)
            if index.isValid():
                selection.select(index, selection.SelectionFlag.Select)
        if current_id is not None and self.model.index_of(current_id).isValid():
            index = self.model.index_of(current_id)
            selection.setCurrentIndex(index, selection.SelectionFlag.NoUpdate)
            if self.view.hasFocus():  # the keyboard's tile stays where the user can see it
                self.view.scrollTo(index)

    def _current_first(self) -> None:
        if self.model.rows and not self.view.currentIndex().isValid():
            # The first tile, not the heading over it: the keys start from a tile.
            model = self.model
            first = next((i for i, row in enumerate(model.rows) if model.row_id(row) >= 0), 0)
            selection = self.view.selectionModel()
            selection.setCurrentIndex(self.model.index(first), selection.SelectionFlag.NoUpdate)
