"""The operator's event log: what happened, when, how serious, and where it came from.

The bus, every device client and every panel feed it, through Python logging (records
carrying `extra={"source": …}`) or directly with `add()`. It keeps a bounded history
and tells observers about new events in batches. Export writes CSV or plain text.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from backend.bus.message import LogLevel
from backend.observable import Signal

HISTORY = 10_000
_LEVEL_OF_RECORD = {
    logging.DEBUG: LogLevel.DEBUG,
    logging.INFO: LogLevel.INFO,
    logging.WARNING: LogLevel.WARNING,
    logging.ERROR: LogLevel.ERROR,
    logging.CRITICAL: LogLevel.ERROR,
}
LEVEL_RANK = {LogLevel.DEBUG: 0, LogLevel.INFO: 1, LogLevel.WARNING: 2, LogLevel.ERROR: 3}


@dataclass(frozen=True, slots=True)
class Event:
    time: float
    level: LogLevel
    source: str
    text: str

    @property
    def timestamp(self) -> str:
        """Local wall-clock time with milliseconds, as the operator reads it."""
        return dt.datetime.fromtimestamp(self.time).isoformat(sep=" ", timespec="milliseconds")


class EventLog:
    """A bounded history of events with a batch notification."""

    def __init__(self, history: int = HISTORY) -> None:
        self.events: deque[Event] = deque(maxlen=history)
        self.added: Signal[[list[Event]]] = Signal("event_log.added")

    def add(self, level: LogLevel, source: str, text: str, when: float | None = None) -> Event:
        event = Event(time.time() if when is None else when, level, source, text)
        self.events.append(event)
        self.added.emit([event])
        return event

    def sources(self) -> list[str]:
        return sorted({event.source for event in self.events})


def export_events(events: Iterable[Event], path: Path) -> int:
    """Write `events` to `path`: CSV for `.csv`, tab-separated text otherwise. Returns the count."""
    rows = [(e.timestamp, e.level.value, e.source, e.text) for e in events]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        if path.suffix.lower() == ".csv":
            writer = csv.writer(stream)
            writer.writerow(("time", "level", "source", "text"))
            writer.writerows(rows)
        else:
            for row in rows:
                stream.write("\t".join(row) + "\n")
    return len(rows)


class EventLogHandler(logging.Handler):
    """Feeds log records into an `EventLog`, on the event loop's thread whatever thread logged.

    Records from the `switchboard` world reach operators only when they say where they
    come from (`extra={"source": "Bus"}`) or are warnings and worse.
    """

    def __init__(self, event_log: EventLog, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(level=logging.INFO)
        self.event_log = event_log
        self.loop = loop
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        source = getattr(record, "source", None)
        if source is None and record.levelno < logging.WARNING:
            return
        try:
            text = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{text}: {record.exc_info[1]}"
        level = _LEVEL_OF_RECORD.get(record.levelno, LogLevel.INFO)
        args = (level, source or record.name.rsplit(".", 1)[-1], text, record.created)
        if threading.get_ident() == self._thread or self.loop is None:
            self.event_log.add(*args)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.event_log.add, *args)
