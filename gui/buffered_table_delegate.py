"""Paints the cells of a `BufferedTableModel` from prepared text, so a repaint under a flood is short.

Everything on the Qt main thread waits while a view repaints, an operator's click included
(benchmarks/trainer_estop_latency.py). Under a flood every visible row of the live traffic
table is new at each repaint, and Qt's own delegate lays every cell's text out again
(itemize, shape, elide): about 60 % of a repaint (benchmarks/README.md). Bus traffic repeats
itself (the same types, services, targets and names), so this delegate keeps each distinct
text, already elided to its column, as a `QStaticText` whose glyphs are laid out once; a
repaint then mostly copies glyphs. It reads the model's `display` and `foreground` directly
rather than going through `data()` role by role.

It draws what the styled delegate draws for these plain rows: the text, elided at the right,
in the row's foreground colour or the palette's; the selection highlight; the focus frame.
The view still paints the rows' alternating background and the grid.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from gui.buffered_table_model import BufferedTableModel

CACHE_LIMIT = 4096
"""Prepared texts kept; the cache starts afresh when full (unique texts such as times pass through it)."""
TEXT_MARGIN = 4
"""Pixels left and right of the text, as the Fusion style leaves them."""

_SELECTED = QStyle.StateFlag.State_Selected
_ENABLED = QStyle.StateFlag.State_Enabled
_ACTIVE = QStyle.StateFlag.State_Active
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus
_TEXT = QPalette.ColorRole.Text
_HIGHLIGHTED_TEXT = QPalette.ColorRole.HighlightedText
_HIGHLIGHT = QPalette.ColorRole.Highlight
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLAIN = Qt.TextFormat.PlainText


class BufferedTableDelegate(QStyledItemDelegate):
    """The delegate for a view of a `BufferedTableModel`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._texts: dict[tuple[str, int], QStaticText] = {}
        self._font: QFont | None = None
        self._text_height = 0
        self._states: dict[QStyle.StateFlag, tuple[bool, bool, QPalette.ColorGroup]] = {}
        """Per item state: selected, has focus, colour group. PySide's enum operations cost more
        than the rest of a cell's painting, so each distinct state is worked out once."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        model = index.model()
        if not isinstance(model, BufferedTableModel):
            super().paint(painter, option, index)
            return
        item = model.rows[index.row()]
        column = index.column()
        rect = option.rect
        state = option.state
        known = self._states.get(state)
        if known is None:
            known = self._states[state] = (bool(state & _SELECTED), bool(state & _HAS_FOCUS), _colour_group(state))
        selected, focused, group = known
        palette = option.palette
        if selected:
            painter.fillRect(rect, palette.brush(group, _HIGHLIGHT))
            painter.setPen(palette.color(group, _HIGHLIGHTED_TEXT))
        else:
            foreground = model.foreground(item, column)
            painter.setPen(foreground if foreground is not None else palette.color(group, _TEXT))
        painter.setFont(option.font)
        text = self._prepared(model.display(item, column), rect.width() - 2 * TEXT_MARGIN, option)
        painter.drawStaticText(rect.x() + TEXT_MARGIN, rect.y() + (rect.height() - self._text_height) // 2, text)
        if focused:
            widget = option.widget
            style = widget.style() if widget is not None else None
            if style is not None:
                style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, widget)

    def _prepared(self, text: str, width: int, option: QStyleOptionViewItem) -> QStaticText:
        if option.font != self._font:  # a new font (theme, zoom): every prepared text is stale
            self._font = QFont(option.font)
            self._text_height = option.fontMetrics.height()
            self._texts.clear()
        key = (text, width)
        prepared = self._texts.get(key)
        if prepared is None:
            metrics = option.fontMetrics
            shown = text if metrics.horizontalAdvance(text) <= width else metrics.elidedText(text, _ELIDE_RIGHT, max(width, 0))
            prepared = QStaticText(shown)
            prepared.setTextFormat(_PLAIN)
            if len(self._texts) >= CACHE_LIMIT:
                self._texts.clear()
            self._texts[key] = prepared
        return prepared


def _colour_group(state: QStyle.StateFlag) -> QPalette.ColorGroup:
    if not state & _ENABLED:
        return QPalette.ColorGroup.Disabled
    return QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
