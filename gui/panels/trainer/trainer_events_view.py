"""A trainer's event stream, decoded to kind names for its version, with a filter and an export."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from backend.app import locations
from backend.trainer.event_export import export_events
from backend.trainer.trainer_model import TrainerEvent, TrainerModel
from gui.buffered_table_model import BufferedTableModel
from gui.dialogs import inform, save_path
from gui.tasks import spawn
from gui.theme import colour
from gui.widgets import row_table, tool_button

ROW_LIMIT = 5000
_EMERGENCY_KINDS = {101, 102}


class TrainerEventModel(BufferedTableModel[TrainerEvent]):
    columns = ("Time", "Topic", "Kind", "Context")

    def display(self, item: TrainerEvent, column: int) -> str:
        if column == 0:
            return dt.datetime.fromtimestamp(item.when or item.received).strftime("%H:%M:%S.%f")[:-3]
        if column == 1:
            return item.topic_name
        if column == 2:
            return item.name if item.kind is None else f"{item.name} ({item.kind})"
        return context_text(item)

    def foreground(self, item: TrainerEvent, column: int) -> Any:
        if item.kind in _EMERGENCY_KINDS:
            return colour("error")
        return None


def context_text(event: TrainerEvent) -> str:
    return "" if event.context is None else json.dumps(event.context, ensure_ascii=False, default=str)


class TrainerEventsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: TrainerModel | None = None
        self.table_model = TrainerEventModel(ROW_LIMIT, self)
        self.filter = QLineEdit()
        self.filter.setObjectName("TrainerEventFilter")
        self.filter.setPlaceholderText("Filter: kind name, number or context text")
        self.filter.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setObjectName("Muted")
        export = tool_button("Export…", "export", "Save the events the filter shows as JSON lines", "TrainerEventExport")
        self.table = row_table("TrainerEventTable")
        self.table.setModel(self.table_model)
        for column, width in enumerate((100, 90, 230)):
            self.table.setColumnWidth(column, width)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.count)
        bar.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.filter.textChanged.connect(self._refilter)
        self.table_model.flushed.connect(self._after_flush)
        export.clicked.connect(lambda: spawn(self.export(), "trainer-event-export"))

    def show_model(self, model: TrainerModel | None) -> None:
        self.model = model
        self._refilter()

    def add(self, events: Iterable[TrainerEvent]) -> None:
        self.table_model.append(events)

    def accepts(self) -> Callable[[TrainerEvent], bool]:
        needle = self.filter.text().strip().casefold()

        def accept(event: TrainerEvent) -> bool:
            if not needle:
                return True
            return needle in event.name.casefold() or needle == str(event.kind) or needle in context_text(event).casefold()

        return accept

    def _refilter(self) -> None:
        history = list(self.model.events) if self.model is not None else []
        self.table_model.refilter(history, self.accepts())
        self._after_flush(0)

    def _after_flush(self, added: int) -> None:
        if added:
            self.table.scrollToBottom()
        total = len(self.model.events) if self.model is not None else 0
        self.count.setText(f"{self.table_model.rowCount()} of {total}")

    async def export(self) -> None:
        """Ask where, then write the events the filter shows, in a worker thread."""
        if self.model is None:
            return
        name = self.model.name
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        suggested = locations.exports_dir() / f"trainer-{name}-{stamp}.jsonl".replace(" ", "-")
        path = await save_path(self, f"Export the events of trainer {name}", suggested, "JSON lines (*.jsonl)")
        if path is None:
            return
        rows = list(self.table_model.rows)
        try:
            count = await asyncio.to_thread(export_events, name, rows, path)
        except OSError as error:
            await inform(self, "Export failed", f"Could not write {path}: {error.strerror or error}", error=True)
            return
        self.count.setText(f"Exported {count} events to {path}")
