"""Turns one `TrainerModel`'s plain callbacks into Qt signals, coalesced for repainting.

A model may change many times in one loop turn (a status, then its events); views
repaint at most every 50 ms. Events are handed on in batches for a buffered table.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from backend.trainer.trainer_model import TrainerEvent, TrainerModel

REPAINT_MS = 50


class TrainerModelAdapter(QObject):
    changed = Signal()
    events_arrived = Signal(list)

    def __init__(self, model: TrainerModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._pending: list[TrainerEvent] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REPAINT_MS)
        self._timer.timeout.connect(self._flush)
        self._changed = False
        model.changed.connect(self._on_changed)
        model.event_received.connect(self._on_event)

    def close(self) -> None:
        self.model.changed.disconnect(self._on_changed)
        self.model.event_received.disconnect(self._on_event)
        self._timer.stop()

    def _on_changed(self) -> None:
        self._changed = True
        if not self._timer.isActive():
            self._timer.start()

    def _on_event(self, event: TrainerEvent) -> None:
        self._pending.append(event)
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.events_arrived.emit(batch)
        if self._changed:
            self._changed = False
            self.changed.emit()
