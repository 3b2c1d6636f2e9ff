"""The table of services on the bus, from the directory; refreshed once a second."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from backend.bus.directory import ServiceDirectory, ServiceEntry
from gui.theme import colour

COLUMNS = ("Service", "Role", "Machine", "Store", "Last heard", "Messages")
LIVE_COLUMN = COLUMNS.index("Last heard")
"""The first of the columns that change with every message: "Last heard" and "Messages"."""
Index = QModelIndex | QPersistentModelIndex
# data() runs for every cell and role on every repaint (once a second, with the whole table
# changed): roles are compared with module constants, because PySide's enum attribute
# lookups cost more than the rest of data() (gui/buffered_table_model.py does the same).
_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_HORIZONTAL = Qt.Orientation.Horizontal


def heard(entry: ServiceEntry, now: float) -> str:
    if entry.last_seen is None:
        return "—"
    ago = max(0.0, now - entry.last_seen)
    if ago < 2:
        return "now"
    if ago < 120:
        return f"{ago:.0f} s ago"
    return f"{ago / 60:.0f} min ago"


class ServicesModel(QAbstractTableModel):
    def __init__(self, directory: ServiceDirectory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.entries: list[ServiceEntry] = []
        self._settled: list[tuple[Any, ...]] = []
        """What the columns before `LIVE_COLUMN` showed at the last refresh, row by row."""

    def set_directory(self, directory: ServiceDirectory) -> None:
        self.directory = directory
        self.refresh()

    def refresh(self) -> None:
        """Re-read the directory: a reset only when the set of services changed.

        Otherwise only "Last heard" and "Messages" are announced as changed, unless something
        the other columns show changed too: the view then repaints two columns a second, not
        the whole table (every repaint holds the GUI thread; benchmarks/README.md).
        """
        entries = self.directory.sorted_entries()
        settled = [(e.role, e.machine, e.connected, self.directory.is_quiet(e)) for e in entries]
        if [e.name for e in entries] != [e.name for e in self.entries]:
            self.beginResetModel()
            self.entries = entries
            self.endResetModel()
        elif entries:
            self.entries = entries
            first = LIVE_COLUMN if settled == self._settled else 0
            self.dataChanged.emit(self.index(0, first), self.index(len(entries) - 1, len(COLUMNS) - 1))
        self._settled = settled

    def entry_at(self, row: int) -> ServiceEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == _HORIZONTAL:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY and role != _FOREGROUND and role != _TOOLTIP:
            return None
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return self._text(entry, column)
        if role == _FOREGROUND:
            if column == 3 and entry.connected is False:
                return colour("error")
            if column == 3 and entry.connected:
                return colour("ok")
            if self.directory.is_quiet(entry):
                return colour("muted")
        if role == _TOOLTIP and column == 3:
            return {True: "Answers the Store's heartbeat", False: "Not in the Store's list of connected clients", None: "No Store list seen"}[entry.connected]
        return None

    def _text(self, entry: ServiceEntry, column: int) -> str:
        if column == 0:
            return entry.name
        if column == 1:
            return entry.role or ""
        if column == 2:
            return entry.machine or "(singleton)"
        if column == 3:
            return {True: "connected", False: "not connected", None: "—"}[entry.connected]
        if column == 4:
            return heard(entry, time.time())
        return f"{entry.messages:,}"
