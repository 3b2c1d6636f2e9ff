"""The event log dock: every source feeds it, filters narrow it, export writes what it shows."""

from __future__ import annotations

import csv

from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from backend.bus.message import LogLevel
from gui import tasks
from tests.gui.conftest import open_floor
from tests.helpers import wait_until


async def test_a_bus_log_from_a_service_arrives_with_its_level_and_source(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        dock = floor.window.event_dock
        floor.engine.log(LogLevel.WARNING, "GPU running hot", code="Thermal")
        await wait_until(lambda: any("GPU running hot" in (e.text) for e in dock.model.rows), what="the Log")
        event = next(e for e in dock.model.rows if "GPU running hot" in e.text)
        assert (event.level, event.source, event.text) == (LogLevel.WARNING, "RENDER1-Engine", "GPU running hot [Thermal]")


async def test_level_source_and_text_filters_apply_to_the_whole_history(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        dock = floor.window.event_dock
        events = floor.events
        events.add(LogLevel.DEBUG, "Chamber", "debug detail")
        events.add(LogLevel.INFO, "Chamber", "pump started")
        events.add(LogLevel.ERROR, "Trainer", "emergency stop not confirmed")
        await wait_until(lambda: any(e.text == "emergency stop not confirmed" for e in dock.model.rows), what="the events")
        assert not any(e.text == "debug detail" for e in dock.model.rows), "Debug is below the default level"
        dock.level.setCurrentIndex(3)  # errors only
        assert [e.text for e in dock.model.rows] == ["emergency stop not confirmed"]
        dock.level.setCurrentIndex(0)  # debug and worse
        dock.source.setCurrentText("Chamber")
        assert [e.text for e in dock.model.rows] == ["debug detail", "pump started"]
        dock.text.setText("PUMP")
        assert [e.text for e in dock.model.rows] == ["pump started"]


async def test_export_writes_the_filtered_events_to_the_file_chosen(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        dock = floor.window.event_dock
        floor.events.add(LogLevel.ERROR, "Trainer", "rig 2 stopped")
        floor.events.add(LogLevel.INFO, "Bus", "fine")
        dock.level.setCurrentIndex(3)
        target = tmp_path / "exported.csv"
        dock.export_clicked()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), what="the save dialog")
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")
        name_box.setText(str(target))  # the operator types a full path into the file name box
        dialog.accept()
        await wait_until(target.exists, what="the export file")
        await wait_until(lambda: any("Exported 1 events" in e.text for e in floor.events.events), what="the confirmation")
        rows = list(csv.reader(target.open(encoding="utf-8")))
        assert [row[1:] for row in rows[1:]] == [["Error", "Trainer", "rig 2 stopped"]]


async def test_cancelling_the_export_writes_nothing(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        dock = floor.window.event_dock
        before = len(floor.events.events)
        dock.export_clicked()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), what="the save dialog")
        QApplication.activeModalWidget().reject()
        await wait_until(lambda: not any(t.get_name() == "event-log-export" for t in tasks.running()), what="the export to end")
        assert not any("Exported" in e.text for e in list(floor.events.events)[before:])


async def test_the_shows_minimum_level_chooses_what_the_log_shows(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        dock = floor.window.event_dock
        floor.events.add(LogLevel.INFO, "Bus", "routine")
        floor.events.add(LogLevel.WARNING, "Bus", "worth a look")
        await wait_until(lambda: any(e.text == "routine" for e in dock.model.rows), what="the Info event")
        floor.runtime.service.update_state("State.Panels.EventLog.MinimumLevel", "Warning")
        assert dock.level.currentText() == "Warning and worse"
        assert [e.text for e in dock.model.rows if e.source == "Bus" and e.text in ("routine", "worth a look")] == ["worth a look"]
