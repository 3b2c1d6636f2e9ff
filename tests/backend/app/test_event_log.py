"""The event log model, its export, and the logging bridge that feeds it from any thread."""

from __future__ import annotations

import asyncio
import csv
import logging
import threading
from pathlib import Path

from backend.app.event_log import EventLog, EventLogHandler, export_events
from backend.bus.message import LogLevel
from tests.helpers import wait_until


def test_history_is_bounded_and_observers_get_each_new_event() -> None:
    events = EventLog(history=3)
    seen: list[str] = []
    events.added.connect(lambda batch: seen.extend(e.text for e in batch))
    for n in range(5):
        events.add(LogLevel.INFO, "Bus", f"event {n}")
    assert [e.text for e in events.events] == ["event 2", "event 3", "event 4"]
    assert seen == [f"event {n}" for n in range(5)]


def test_export_writes_csv_with_a_header_or_tab_separated_text(tmp_path: Path) -> None:
    events = EventLog()
    events.add(LogLevel.WARNING, "RENDER1-Engine", "Dropped a frame, at 50 fps")
    events.add(LogLevel.ERROR, "Bus", "Hub lost")
    assert export_events(events.events, tmp_path / "out.csv") == 2
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert rows[0] == ["time", "level", "source", "text"]
    assert rows[1][1:] == ["Warning", "RENDER1-Engine", "Dropped a frame, at 50 fps"]
    export_events(events.events, tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text("utf-8").splitlines()[1].split("\t")[1:] == ["Error", "Bus", "Hub lost"]


async def test_log_records_with_a_source_reach_the_operator_and_plain_info_does_not() -> None:
    events = EventLog()
    handler = EventLogHandler(events, asyncio.get_running_loop())
    logger = logging.getLogger("test.eventlog")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("internal detail")
        logger.info("Hub connected", extra={"source": "Bus"})
        logger.warning("Something odd")
        assert [(e.level, e.source, e.text) for e in events.events] == [
            (LogLevel.INFO, "Bus", "Hub connected"),
            (LogLevel.WARNING, "eventlog", "Something odd"),
        ]
    finally:
        logger.removeHandler(handler)


async def test_a_record_logged_on_a_worker_thread_arrives_on_the_loop_thread() -> None:
    events = EventLog()
    loop_thread = threading.get_ident()
    threads: list[int] = []
    events.added.connect(lambda batch: threads.append(threading.get_ident()))
    handler = EventLogHandler(events, asyncio.get_running_loop())
    logger = logging.getLogger("test.eventlog.thread")
    logger.addHandler(handler)
    try:
        await asyncio.to_thread(logger.error, "disk full", extra={"source": "Audit"})
        await wait_until(lambda: events.events, what="the event")
        assert threads == [loop_thread]
        assert events.events[0].text == "disk full"
    finally:
        logger.removeHandler(handler)
