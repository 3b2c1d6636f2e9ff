"""The Chamber panel on a simulated XO-VAC+: run a recipe and watch it progress, acknowledge
an alarm, vent only after confirming, record and export telemetry to CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from backend.chamber.chamber_model import LinkState
from backend.chamber.recipe_status import RecipeStatus, RunState
from backend.sim.chamber.chamber_server import ChamberServer
from gui.panels.chamber.chamber_panel import ChamberPanel
from gui.panels.chamber.chamber_view import ChamberView
from gui.panels.chamber.recipe_editor import RecipeEditor
from tests.gui.conftest import Floor, open_floor
from tests.helpers import wait_until

NAME = "XO 1"


async def answer_confirmation(button_text: str) -> str:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), what="the confirmation")
    box = QApplication.activeModalWidget()
    question = box.text()
    button = next(b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == button_text)
    button.click()
    return question


@asynccontextmanager
async def chamber_floor(hub, tmp_path: Path, **sim_options) -> AsyncIterator[tuple[Floor, ChamberView, ChamberServer]]:
    server = ChamberServer(port=0, time_scale=sim_options.pop("time_scale", 600.0), telemetry_hz=10.0, **sim_options)
    await server.start()
    limits = {"shroud": {"warning_high": 30.0, "alarm_high": 100.0}}
    try:
        async with open_floor(hub, tmp_path, devices={"chambers": [{"name": NAME, "url": server.url, "limits": limits}]}) as floor:
            panel = next(p for p in floor.window.panels if isinstance(p, ChamberPanel))
            floor.window.show_panel(floor.window.panels.index(panel))
            await wait_until(lambda: NAME in panel.views, what="the chamber's page")
            view = panel.views[NAME]
            await wait_until(lambda: view.model.link is LinkState.LIVE, timeout=15, what="live data")
            yield floor, view, server
    finally:
        await server.stop()


async def test_load_and_run_from_the_panel_shows_progress_to_completion(hub, tmp_path, qtbot) -> None:
    async with chamber_floor(hub, tmp_path) as (floor, view, server):
        editor = view.editor
        editor.name_edit.setText("panel-bake")
        editor.set_steps([[40.0, 600.0], [25.0, 120.0]])
        qtbot.mouseClick(editor.run_button, Qt.MouseButton.LeftButton)
        question = await answer_confirmation("Load and run")
        assert "panel-bake" in question and NAME in question
        await wait_until(lambda: view.model.recipe.state is RunState.RUNNING, timeout=10, what="the run")
        await wait_until(lambda: "step 1 of 2" in editor.progress_text.text() or "step 2 of 2" in editor.progress_text.text(),
                         timeout=10, what="progress")
        assert "remaining" in editor.progress_text.text()
        await wait_until(lambda: view.model.recipe.state is RunState.COMPLETE, timeout=30, what="completion")
        assert editor.progress.value() == 2 and "complete" in editor.progress_text.text()
        assert "loaded and running" in view.outcome.text()
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text("utf-8").splitlines()]
        assert any(a["action"] == "Load & run recipe" and a["params"]["Name"] == "panel-bake" for a in audit)
        assert server.device.run.name == "panel-bake"


async def test_an_invalid_recipe_cannot_be_run_and_says_why(hub, tmp_path) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, server):
        view.editor.set_steps([[200.0, 60.0]])
        assert not view.editor.run_button.isEnabled()
        assert "outside -40…120 °C" in view.editor.problems.text()
        assert server.device.run.state == "idle"


async def test_a_refused_run_is_shown_as_a_warning_and_the_editor_keeps_the_recipe(hub, tmp_path, qtbot) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, server):
        server.device.load_recipe({"name": "vendor-ui", "recipe": [[60, 100000, 0]]})
        view.editor.name_edit.setText("mine")
        qtbot.mouseClick(view.editor.run_button, Qt.MouseButton.LeftButton)
        await answer_confirmation("Load and run")
        await wait_until(lambda: "refused" in view.outcome.text(), timeout=10)
        assert "already running" in view.outcome.text() and view.outcome.property("state") == "warning"
        assert view.editor.name_edit.text() == "mine"


async def test_an_alarm_is_shown_and_acknowledged(hub, tmp_path, qtbot) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, server):
        await server.inject({"action": "raiseAlarm", "code": "COOLANT_HOT"})
        await wait_until(lambda: view.alarms.table.rowCount() == 1, timeout=10, what="the alarm row")
        assert view.alarms.table.item(0, 1).text() == "COOLANT_HOT"
        assert "ACTIVE" in view.alarms.table.item(0, 3).text()
        await server.inject({"action": "clearAlarm", "code": "COOLANT_HOT"})
        await wait_until(lambda: "cleared" in view.alarms.table.item(0, 3).text(), timeout=10)
        qtbot.mouseClick(view.alarms.acknowledge_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: view.alarms.table.rowCount() == 0, timeout=10, what="the acknowledged alarm to leave")
        assert "acknowledged" in view.outcome.text()
        await wait_until(lambda: (tmp_path / "audit.jsonl").exists() and "Acknowledge alarm" in (tmp_path / "audit.jsonl").read_text("utf-8"),
                         timeout=10, what="the acknowledgement in the audit log")


async def test_venting_asks_first_and_a_no_sends_nothing(hub, tmp_path, qtbot) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, server):
        qtbot.mouseClick(view.controls.vent_open, Qt.MouseButton.LeftButton)
        await answer_confirmation("Cancel")
        assert not server.device.physics.vent_open
        qtbot.mouseClick(view.controls.vent_open, Qt.MouseButton.LeftButton)
        await answer_confirmation("Vent")
        await wait_until(lambda: server.device.physics.vent_open, timeout=10, what="the vent to open")


async def test_tiles_are_coloured_by_limits_grey_when_data_stops_and_live_again_after_a_restart(hub, tmp_path) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, server):
        await wait_until(lambda: view.tiles.tiles["shroud"].property("state") == "ok", timeout=10)
        server.device.set_temperature({"targetT": 60.0})
        await wait_until(lambda: view.tiles.tiles["shroud"].property("state") == "warning", timeout=20, what="above warning_high")
        await server.stop()
        await wait_until(lambda: view.model.link is LinkState.STALE, timeout=15)
        await wait_until(lambda: view.tiles.tiles["shroud"].property("state") == "off", timeout=5)
        assert "STALE" in view.banner.text() and view.banner.property("state") == "warning"
        await server.start()  # the chamber comes back on the same port: no operator action
        seen = len(view.model.history)
        await wait_until(lambda: view.model.link is LinkState.LIVE and len(view.model.history) > seen + 3, timeout=20)
        await wait_until(lambda: view.banner.property("state") == "ok" and view.tiles.tiles["shroud"].property("state") != "off",
                         timeout=5)
        drawn_until = lambda: view.plots.temperatures.curves["shroud"].getData()[0][-1]  # noqa: E731
        after_restart = view.model.latest.t
        await wait_until(lambda: drawn_until() >= after_restart, timeout=10, what="the plots to resume")


async def test_recording_and_exporting_write_csv_files_and_show_their_paths(hub, tmp_path, qtbot) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, _server):
        qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Recording to" in view.file_label.text(), timeout=10)
        seen = len(view.model.history)
        await wait_until(lambda: len(view.model.history) > seen + 5, timeout=10)
        qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Recorded" in view.file_label.text(), timeout=10)
        recorded = Path(view.file_label.text().rsplit(" to ", 1)[1])
        rows = list(csv.reader(recorded.open(encoding="utf-8")))
        assert rows[0][:3] == ["time", "epoch_s", "pressure_kPa"] and len(rows) > 5
        qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Exported" in view.file_label.text(), timeout=10)
        exported = Path(view.file_label.text().rsplit(" to ", 1)[1])
        assert exported.exists() and len(exported.read_text("utf-8").splitlines()) > 2


async def test_a_chamber_that_does_not_answer_is_a_sentence_in_the_panel_and_the_event_log(hub, tmp_path, qtbot, caplog) -> None:
    async with chamber_floor(hub, tmp_path) as (_floor, view, server):
        await server.inject({"set": {"ack": "drop"}})
        qtbot.mouseClick(view.controls.pump_on, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "did not answer" in view.outcome.text(), timeout=15, what="the timeout sentence")
        assert f"Chamber '{NAME}' did not answer pump_on within 5 s" in view.outcome.text()
        assert view.outcome.property("state") == "error"
        logged = [r for r in caplog.records if getattr(r, "source", "") == "Chamber" and "did not answer pump_on" in r.getMessage()]
        assert logged and logged[0].levelname == "WARNING"


def test_progress_from_an_absurd_recipe_status_is_shown_not_raised(qtbot) -> None:
    editor = RecipeEditor()
    qtbot.addWidget(editor)
    status = RecipeStatus.read({"state": "running", "name": "odd", "stepIndex": 1e300, "nSteps": -3, "phase": 7})
    editor.show_progress(status)  # Qt's progress bar raised OverflowError on a step count beyond 32 bits
    assert "'odd' running" in editor.progress_text.text() and editor.progress.maximum() == 1


def test_the_step_column_says_what_the_chamber_counts(qtbot) -> None:
    held, total = RecipeEditor("hold"), RecipeEditor("total")
    for editor in (held, total):
        qtbot.addWidget(editor)
    assert held.steps.horizontalHeaderItem(1).text() == "Hold (s)"
    assert total.steps.horizontalHeaderItem(1).text() == "Step time (s)"
