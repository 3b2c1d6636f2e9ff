"""A table of streamed items that repaints ~30 times a second, never once per item.

Items arrive in batches from a backend observer and are only queued (cheap); a timer
moves them into the visible rows through the current filter, removing the oldest rows
beyond the limit. A flood of 20,000 items a second therefore costs the view about 30
row insertions a second. Under a flood (over `BUSY_ROWS` rows a flush) the timer slows
to 10 Hz: nobody reads rows that fast, and each repaint holds the event loop (3-4 ms of
the GUI thread for the traffic table with `BufferedTableView`, 10-25 ms with a plain `QTableView`).
Paused, the queue keeps only the newest `limit` items, so memory stays bounded however
long the pause.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal

T = TypeVar("T")
FLUSH_INTERVAL_MS = 33
BUSY_FLUSH_INTERVAL_MS = 100
BUSY_ROWS = 100
Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_HORIZONTAL = Qt.Orientation.Horizontal


class BufferedTableModel(QAbstractTableModel, Generic[T]):
    """Subclasses name the columns and say how to show a cell."""

    columns: tuple[str, ...] = ()
    flushed = Signal(int)
    """Emitted after a flush with the number of rows added."""

    def __init__(self, limit: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self.rows: list[T] = []
        self.pending: deque[T] = deque(maxlen=limit)
        self.paused = False
        self.accepts: Callable[[T], bool] = lambda item: True
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    # ---------------------------------------------------------------- feeding

    def append(self, items: Iterable[T]) -> None:
        """Queue items for the next flush (called per batch by a backend observer)."""
        self.pending.extend(items)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self.flush()

    def set_limit(self, limit: int) -> None:
        if limit == self.limit:
            return
        self.limit = limit
        self.pending = deque(self.pending, maxlen=limit)
        if len(self.rows) > limit:
            self.beginResetModel()
            self.rows = self.rows[-limit:]
            self.endResetModel()

    def flush(self) -> int:
        if self.paused or not self.pending:
            self._timer.setInterval(FLUSH_INTERVAL_MS)
            return 0
        accepts = self.accepts
        accepted = [item for item in self.pending if accepts(item)]
        self.pending.clear()
        if not accepted:
            return 0
        if len(accepted) >= self.limit:
            self.beginResetModel()
            self.rows = accepted[-self.limit :]
            self.endResetModel()
        else:
            overflow = len(self.rows) + len(accepted) - self.limit
            if overflow > 0:
                self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
                del self.rows[:overflow]
                self.endRemoveRows()
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(accepted) - 1)
            self.rows.extend(accepted)
            self.endInsertRows()
        self._timer.setInterval(BUSY_FLUSH_INTERVAL_MS if len(accepted) > BUSY_ROWS else FLUSH_INTERVAL_MS)
        self.flushed.emit(len(accepted))
        return len(accepted)

    def refilter(self, history: Iterable[T], accepts: Callable[[T], bool]) -> None:
        """Apply a new filter to the whole history (not just what is on screen)."""
        self.accepts = accepts
        self.pending.clear()
        self.beginResetModel()
        self.rows = [item for item in history if accepts(item)][-self.limit :]
        self.endResetModel()

    def clear(self) -> None:
        self.pending.clear()
        self.beginResetModel()
        self.rows = []
        self.endResetModel()

    def item_at(self, row: int) -> T | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # ---------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == _HORIZONTAL:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every visible cell and role on every repaint: roles are compared with
        # module constants, because PySide's enum attribute lookups are slow (~20 % here).
        if role == _DISPLAY:
            return self.display(self.rows[index.row()], index.column())
        if role == _FOREGROUND:
            return self.foreground(self.rows[index.row()], index.column())
        if role == _TOOLTIP:
            return self.tooltip(self.rows[index.row()], index.column())
        return None

    def display(self, item: T, column: int) -> str:
        raise NotImplementedError

    def foreground(self, item: T, column: int) -> Any:
        return None

    def tooltip(self, item: T, column: int) -> str | None:
        return None
