"""A table view that paints the rows of a `BufferedTableModel` in one pass, so a repaint under a flood is short.

Everything on the Qt main thread waits while a view repaints, an operator's click included
(benchmarks/trainer_estop_latency.py). Under a flood every visible row of the live traffic
table is new at each repaint. `QTableView` then asks its delegate to paint each cell, and
the delegate asks the model for each role of each cell and lays each text out again: 10 to
17 ms of the GUI thread per repaint on the benchmark machine, ten times a second
(benchmarks/README.md). This view paints the visible rows itself, in one Python call:

- texts come straight from the model's `display` and `foreground`, not role by role
  through `data()`;
- each distinct text, already elided to its column, is kept as a `QStaticText` whose
  glyphs are laid out once. Bus traffic repeats itself (types, services, targets, names),
  so most cells of a repaint are found laid out already.

It draws what `QTableView` and the styled delegate draw for these plain rows: the
alternating row colours, the selected rows in the highlight colours, each cell's text
elided at the right in its foreground colour or the palette's, the grid, and the focus
frame. It assumes what `gui.widgets.row_table` sets up: every row at the vertical header's
default height, and no spans. Another model is painted by
`QTableView` as usual; everything but painting (selection, scrolling, tooltips, the
header) is `QTableView`'s own.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyleOptionFocusRect, QStyleOptionViewItem, QTableView, QWidget

from gui.buffered_table_model import BufferedTableModel

CACHE_LIMIT = 4096
"""Prepared texts kept; the cache starts afresh when full (unique texts such as times pass through it)."""
TEXT_MARGIN = 4
"""Pixels left and right of a cell's text, as the Fusion style leaves them."""

_TEXT = QPalette.ColorRole.Text
_HIGHLIGHT = QPalette.ColorRole.Highlight
_HIGHLIGHTED_TEXT = QPalette.ColorRole.HighlightedText
_BASE = QPalette.ColorRole.Base
_ALTERNATE = QPalette.ColorRole.AlternateBase
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLAIN = Qt.TextFormat.PlainText


class BufferedTableView(QTableView):
    """A `QTableView` for a `BufferedTableModel`; only its painting differs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._texts: dict[tuple[str, int], QStaticText] = {}
        self._font: QFont | None = None

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if not isinstance(model, BufferedTableModel) or not model.rows:
            super().paintEvent(event)
            return
        header = self.verticalHeader()
        area = event.rect()
        first = header.visualIndexAt(area.top())
        if first < 0:
            super().paintEvent(event)  # below the last row: only the background
            return
        last = header.visualIndexAt(area.bottom())
        if last < 0:
            last = len(model.rows) - 1
        painter = QPainter(self.viewport())
        try:
            self._paint_rows(painter, model, first, last)
        finally:
            painter.end()

    def _paint_rows(self, painter: QPainter, model: BufferedTableModel, first: int, last: int) -> None:
        rows, display, foreground = model.rows, model.display, model.foreground
        header = self.horizontalHeader()
        columns = [
            (logical, header.sectionViewportPosition(logical), header.sectionSize(logical))
            for logical in (header.logicalIndex(visual) for visual in range(header.count()))
            if not header.isSectionHidden(logical)
        ]
        height = self.verticalHeader().defaultSectionSize()
        top = self.verticalHeader().sectionViewportPosition(first)
        width = self.viewport().width()
        palette = self.palette()
        group = _colour_group(self)
        base, alternate = palette.brush(group, _BASE), palette.brush(group, _ALTERNATE)
        highlight, highlighted_text, text_colour = (
            palette.brush(group, _HIGHLIGHT),
            palette.color(group, _HIGHLIGHTED_TEXT),
            palette.color(group, _TEXT),
        )
        alternating = self.alternatingRowColors()
        selection = self.selectionModel()
        font = self.font()
        painter.setFont(font)
        metrics = self.fontMetrics()
        text_top = (height - metrics.height()) // 2
        if font != self._font:  # a new font (theme, zoom): every prepared text is stale
            self._font = QFont(font)
            self._texts.clear()
        root = QModelIndex()
        y = top
        for row in range(first, last + 1):
            selected = selection is not None and selection.isRowSelected(row, root)
            if selected:
                painter.fillRect(0, y, width, height, highlight)
            else:
                painter.fillRect(0, y, width, height, alternate if alternating and row & 1 else base)
            item = rows[row]
            for column, x, size in columns:
                if selected:
                    painter.setPen(highlighted_text)
                else:
                    colour = foreground(item, column)
                    painter.setPen(colour if colour is not None else text_colour)
                painter.drawStaticText(
                    x + TEXT_MARGIN, y + text_top, self._prepared(display(item, column), size - 2 * TEXT_MARGIN)
                )
            y += height
        if self.showGrid():
            self._paint_grid(painter, columns, top, y, width, height)
        self._paint_focus(painter, first, last)

    def _paint_grid(
        self, painter: QPainter, columns: list[tuple[int, int, int]], top: int, bottom: int, width: int, height: int
    ) -> None:
        option = QStyleOptionViewItem()
        option.initFrom(self)
        colour = QColor.fromRgba(self.style().styleHint(QStyle.StyleHint.SH_Table_GridLineColor, option, self) & 0xFFFFFFFF)
        painter.setPen(colour)
        for _column, x, size in columns:
            painter.drawLine(x + size - 1, top, x + size - 1, bottom - 1)
        for y in range(top + height - 1, bottom, height):
            painter.drawLine(0, y, width, y)

    def _paint_focus(self, painter: QPainter, first: int, last: int) -> None:
        current = self.currentIndex()
        if not self.hasFocus() or not current.isValid() or not first <= current.row() <= last:
            return
        option = QStyleOptionFocusRect()
        option.initFrom(self)
        option.rect = self.visualRect(current)
        option.backgroundColor = self.palette().color(_colour_group(self), _BASE)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, self)

    def _prepared(self, text: str, width: int) -> QStaticText:
        key = (text, width)
        prepared = self._texts.get(key)
        if prepared is None:
            metrics = self.fontMetrics()
            shown = text if metrics.horizontalAdvance(text) <= width else metrics.elidedText(text, _ELIDE_RIGHT, max(width, 0))
            prepared = QStaticText(shown)
            prepared.setTextFormat(_PLAIN)
            if len(self._texts) >= CACHE_LIMIT:
                self._texts.clear()
            self._texts[key] = prepared
        return prepared


def _colour_group(widget: QWidget) -> QPalette.ColorGroup:
    if not widget.isEnabled():
        return QPalette.ColorGroup.Disabled
    return QPalette.ColorGroup.Active if widget.isActiveWindow() else QPalette.ColorGroup.Inactive
