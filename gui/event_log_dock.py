"""The docked event log: time, level, source, text; filters; export.

It shows the backend `EventLog` through a buffered model, so a burst of bus Logs is
drawn thirty times a second, not once per line. Filters apply to the whole history.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from backend.app import locations
from backend.app.event_log import LEVEL_RANK, Event, EventLog, export_events
from backend.bus.message import LogLevel
from gui.buffered_table_model import BufferedTableModel
from gui.dialogs import inform, save_path
from gui.tasks import spawn
from gui.theme import colour
from gui.widgets import row_table, tool_button

ALL_SOURCES = "All sources"
_LEVEL_COLOUR = {LogLevel.WARNING: "warning", LogLevel.ERROR: "error", LogLevel.DEBUG: "muted"}


class EventLogModel(BufferedTableModel[Event]):
    columns = ("Time", "Level", "Source", "Text")

    def display(self, item: Event, column: int) -> str:
        if column == 0:
            return dt.datetime.fromtimestamp(item.time).strftime("%H:%M:%S.%f")[:-3]
        if column == 1:
            return item.level.value
        if column == 2:
            return item.source
        return item.text

    def foreground(self, item: Event, column: int) -> Any:
        name = _LEVEL_COLOUR.get(item.level)
        return colour(name) if name else None

    def tooltip(self, item: Event, column: int) -> str | None:
        return f"{item.timestamp}  {item.level.value}  {item.source}\n{item.text}"


class EventLogDock(QDockWidget):
    """Dock widget over an `EventLog`."""

    def __init__(self, events: EventLog, parent: QWidget | None = None) -> None:
        super().__init__("Event log", parent)
        self.setObjectName("EventLogDock")
        self.events = events
        self.model = EventLogModel(limit=events.events.maxlen or 10_000, parent=self)
        self.model.append(events.events)
        self.model.flush()

        self.level = QComboBox()
        self.level.setObjectName("EventLevelFilter")
        for level in LogLevel:
            self.level.addItem(f"{level.value} and worse" if level != LogLevel.ERROR else "Errors only", level)
        self.level.setCurrentIndex(1)
        self.source = QComboBox()
        self.source.setObjectName("EventSourceFilter")
        self.source.addItem(ALL_SOURCES)
        self.source.setMinimumContentsLength(14)
        self.text = QLineEdit()
        self.text.setObjectName("EventTextFilter")
        self.text.setPlaceholderText("Filter text…")
        self.text.setClearButtonEnabled(True)
        self.count = QLabel()
        self.count.setObjectName("Muted")
        export = tool_button("Export…", "export", "Save the events the filter shows to a CSV or text file", "EventExport")

        self.table = row_table("EventTable")
        self.table.setModel(self.model)
        for column, width in enumerate((100, 70, 170)):
            self.table.setColumnWidth(column, width)

        filters = QHBoxLayout()
        filters.addWidget(self.level)
        filters.addWidget(self.source)
        filters.addWidget(self.text, 1)
        filters.addWidget(self.count)
        filters.addWidget(export)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        self.setWidget(body)

        self.level.currentIndexChanged.connect(self._refilter)
        self.source.currentIndexChanged.connect(self._refilter)
        self.text.textChanged.connect(self._refilter)
        self.model.flushed.connect(self._after_flush)
        export.clicked.connect(self.export_clicked)
        events.added.connect(self._on_added)
        self._known_sources: set[str] = set()
        self._add_sources(events.events)
        self._refilter()

    def _on_added(self, new: list[Event]) -> None:
        self.model.append(new)
        self._add_sources(new)

    def _add_sources(self, new: Any) -> None:
        for event in new:
            if event.source not in self._known_sources:
                self._known_sources.add(event.source)
                self.source.addItem(event.source)

    def detach(self) -> None:
        self.events.added.disconnect(self._on_added)

    def accepts(self) -> Any:
        minimum = LEVEL_RANK[self.level.currentData()]
        source = self.source.currentText()
        needle = self.text.text().casefold()

        def accept(event: Event) -> bool:
            if LEVEL_RANK[event.level] < minimum:
                return False
            if source != ALL_SOURCES and event.source != source:
                return False
            return not needle or needle in event.text.casefold() or needle in event.source.casefold()

        return accept

    def _refilter(self) -> None:
        self.model.refilter(self.events.events, self.accepts())
        self._after_flush(0)

    def _after_flush(self, added: int) -> None:
        bar = self.table.verticalScrollBar()
        if added and bar.value() >= bar.maximum() - 2 * self.table.verticalHeader().defaultSectionSize() * added:
            self.table.scrollToBottom()
        self.count.setText(f"{self.model.rowCount()} of {len(self.events.events)}")

    def set_minimum_level(self, level: LogLevel) -> None:
        self.level.setCurrentIndex(list(LogLevel).index(level))

    def export_clicked(self) -> None:
        spawn(self.export(), "event-log-export")

    async def export(self) -> None:
        """Ask where, then write the events the filter shows (in a worker thread)."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = await save_path(self, "Export the event log", locations.exports_dir() / f"events-{stamp}.csv", "CSV (*.csv);;Text (*.txt *.log)")
        if path is None:
            return
        rows = list(self.model.rows)
        try:
            count = await asyncio.to_thread(export_events, rows, path)
        except OSError as error:
            await inform(self, "Export failed", f"Could not write {path}: {error.strerror or error}", error=True)
            return
        self.events.add(LogLevel.INFO, "Event log", f"Exported {count} events to {path}")
