"""The timer behind the Cameras panel's coalesced repaints: it runs only while there is
something to show, so an idle rig costs the event loop nothing, and it slows down while
a burst changes many rows (a styled table repaint costs ~20 ms)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

FLUSH_INTERVAL_MS = 33
BUSY_FLUSH_INTERVAL_MS = 150


class RepaintTimer(QTimer):
    def __init__(self, flush: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self.setInterval(FLUSH_INTERVAL_MS)
        self.timeout.connect(flush)

    def wake(self) -> None:
        """Something changed: flush within one interval."""
        if not self.isActive():
            self.start()

    def idle(self) -> None:
        """Nothing left to show: stop until the next change."""
        self.stop()
        self.setInterval(FLUSH_INTERVAL_MS)

    def set_busy(self, busy: bool) -> None:
        self.setInterval(BUSY_FLUSH_INTERVAL_MS if busy else FLUSH_INTERVAL_MS)
