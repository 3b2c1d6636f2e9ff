"""The live traffic table: one row per bus message, newest at the bottom."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.bus.message import BusMessage, LogLevel, MessageType
from gui.buffered_table_model import BufferedTableModel
from gui.theme import colour

COLUMNS = ("Time", "Type", "Source", "Target", "Name / Method", "Size")


def message_state(message: BusMessage) -> str | None:
    """Which theme colour a message deserves: failures and errors stand out."""
    kind = message.kind
    if kind not in _COLOURED:
        return None  # do not parse what will not be coloured
    if message.body_problem is not None:
        return "error"
    body = message.body
    if kind == MessageType.CALL_RESULT and "Failure" in body:
        return "error"
    if kind == MessageType.LOG:
        return {LogLevel.WARNING: "warning", LogLevel.ERROR: "error"}.get(LogLevel.of_log(body))
    if kind == MessageType.UPDATE and body.get("Value") == "null":
        return "warning"
    return None


_COLOURED = {MessageType.CALL_RESULT, MessageType.LOG, MessageType.UPDATE}


class TrafficModel(BufferedTableModel[BusMessage]):
    columns = COLUMNS

    def display(self, item: BusMessage, column: int) -> str:
        if column == 0:
            return dt.datetime.fromtimestamp(item.received).strftime("%H:%M:%S.%f")[:-3]
        if column == 1:
            return item.type
        if column == 2:
            return item.sender or ""
        if column == 3:
            return item.target or ""
        if column == 4:
            return item.subject
        size = item.size
        return f"{size:,} B" if size < 10_000 else f"{size / 1024:,.1f} KiB"

    def foreground(self, item: BusMessage, column: int) -> Any:
        state = message_state(item)
        return colour(state) if state else None
