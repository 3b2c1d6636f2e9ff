"""A tap on all bus traffic, for the Bus panel and the service directory.

It is a plain subscriber with its own SUB socket (it publishes nothing), subscribed to
every topic, so it sees what any service sends, Switchboard included. History is a
bounded ring; observers receive whole batches, so a view can coalesce them and repaint
on its own timer instead of once per message.
"""

from __future__ import annotations

import time
from collections import deque

from backend.bus.connection import BusConnection
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import BusMessage
from backend.observable import Signal

DEFAULT_HISTORY = 20_000


class TrafficRate:
    """Messages per second over the last whole second, updated as batches arrive."""

    def __init__(self) -> None:
        self.per_second = 0.0
        self._count = 0
        self._since = time.monotonic()

    def add(self, count: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._count += count
        elapsed = now - self._since
        if elapsed >= 1.0:
            self.per_second = self._count / elapsed
            self._count = 0
            self._since = now

    def settle(self, now: float | None = None) -> float:
        """The rate, decayed to zero when traffic has stopped."""
        self.add(0, now)
        return self.per_second


class BusMonitor:
    """Receives every message on the hub and keeps the most recent ones."""

    def __init__(self, endpoints: HubEndpoints, history: int = DEFAULT_HISTORY) -> None:
        self.connection = BusConnection(endpoints, label="monitor", batch_size=512)
        self.history: deque[BusMessage] = deque(maxlen=history)
        self.arrived: Signal[[list[BusMessage]]] = Signal("monitor.arrived")
        self.rate = TrafficRate()
        self.total = 0
        self.connection.subscribe([b""])
        self.connection.received.connect(self._on_batch)

    def resize(self, history: int) -> None:
        """Keep `history` messages from now on (the newest are kept)."""
        if history != self.history.maxlen:
            self.history = deque(self.history, maxlen=history)

    async def start(self) -> None:
        await self.connection.start()

    async def stop(self) -> None:
        await self.connection.stop()

    def _on_batch(self, batch: list[BusMessage]) -> None:
        self.history.extend(batch)
        self.total += len(batch)
        self.rate.add(len(batch))
        self.arrived.emit(batch)
