"""The Trainer panel and the toolbar's EMERGENCY STOP, on the real window, against trainers
running the real auto-trainer-api package (and the wire simulator for a trainer that never answers)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QToolButton

from backend.app.trainer_fleet import TrainerFleet
from backend.sim.trainer.package_trainer import PackageTrainer
from backend.sim.trainer.wire_trainer import WireTrainer
from backend.trainer.trainer_status import EmergencyCondition, Liveness
from backend.trainer.wire_enums import ApplicationMode
from gui.panels.trainer.resume_dialog import ResumeDialog
from gui.panels.trainer.trainer_panel import TrainerPanel
from tests.backend.trainer.trainer_floor import HEARTBEAT_S, fast_timing, ports
from tests.gui.conftest import open_floor
from tests.helpers import wait_until


@contextlib.asynccontextmanager
async def trainers(names: list[str]) -> AsyncIterator[tuple[dict[str, PackageTrainer], list[dict]]]:
    async with contextlib.AsyncExitStack() as stack:
        rigs, entries = {}, []
        for name in names:
            pub, rep = ports()
            rigs[name] = await stack.enter_async_context(PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S))
            entries.append({"name": name, "host": "127.0.0.1", "pub_port": pub, "rep_port": rep})
        yield rigs, entries


def panel_of(floor) -> TrainerPanel:
    return next(p for p in floor.window.panels if isinstance(p, TrainerPanel))


def fleet_of(floor) -> TrainerFleet:
    return floor.runtime.fleets["trainers"]


async def all_online(floor) -> None:
    await wait_until(lambda: fleet_of(floor).clients and all(
        c.model.liveness is Liveness.ONLINE and c.model.application_mode is not None for c in fleet_of(floor).clients.values()),
        timeout=15, what="every trainer online and synced")


async def answer_confirmation(button_text: str) -> None:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), what="the confirmation")
    box = QApplication.activeModalWidget()
    next(b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == button_text).click()


async def test_the_toolbar_emergency_stop_stops_every_trainer_and_shows_what_they_reported(hub, tmp_path: Path, qtbot) -> None:
    async with trainers(["North", "South"]) as (rigs, entries), open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
        await all_online(floor)
        panel = panel_of(floor)
        button = floor.window.toolbar.widgetForAction(floor.window.emergency_stop)
        assert button.objectName() == "EmergencyStopButton"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: all(rig.rig.stopped for rig in rigs.values()), what="both rigs stopped")
        await wait_until(lambda: panel.status_view.emergency.text() == "STOPPED", what="the panel to show the reported stop")
        assert panel.status_view.emergency.property("state") == "error"
        assert "rpc_service" in panel.status_view.emergency_detail.text()
        await wait_until(lambda: panel.status == ("error", "Stopped: North, South"), what="the sidebar light")
        await wait_until(lambda: len(floor.audit.read()) == 2, what="two audit records")
        assert {(r["target"], r["action"], r["params"]["Origin"]) for r in floor.audit.read()} == {
            ("Trainer North", "EmergencyStop", "toolbar"), ("Trainer South", "EmergencyStop", "toolbar")}


async def test_the_shortcut_stops_every_trainer_from_another_panel(hub, tmp_path: Path, qtbot) -> None:
    async with trainers(["North", "South"]) as (rigs, entries), open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
        await all_online(floor)
        window = floor.window
        window.show_panel(0)
        window.activateWindow()
        await wait_until(window.isActiveWindow, what="the window to be active")
        qtbot.keyClick(window.panels[0], Qt.Key.Key_F12)
        await wait_until(lambda: all(rig.rig.stopped for rig in rigs.values()), what="both rigs stopped")
        await wait_until(lambda: all(c.model.emergency.condition is EmergencyCondition.STOPPED for c in fleet_of(floor).clients.values()))
        assert window.current_panel == 0


async def test_resume_asks_for_confirmation_and_a_reason(hub, tmp_path: Path, qtbot) -> None:
    async with trainers(["North"]) as (rigs, entries), open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
        await all_online(floor)
        panel = panel_of(floor)
        floor.window.show_panel(floor.window.panels.index(panel))
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: panel.status_view.emergency.text() == "STOPPED")

        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ResumeDialog), what="the resume dialog")
        dialog = QApplication.activeModalWidget()
        dialog._accept_if_reasoned()  # OK without a reason: refused, still open
        assert dialog.isVisible() and "Give a reason" in dialog.problem.text()
        dialog.reject()
        await wait_until(lambda: QApplication.activeModalWidget() is None)
        assert rigs["North"].rig.stopped

        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ResumeDialog), what="the resume dialog again")
        dialog = QApplication.activeModalWidget()
        dialog.reason.setText("door closed, animal checked")
        dialog._accept_if_reasoned()
        await wait_until(lambda: not rigs["North"].rig.stopped, what="the rig resumed")
        await wait_until(lambda: panel.status_view.emergency.text() == "RUNNING")
        resumes = [r for r in floor.audit.read() if r["action"] == "EmergencyResume"]
        assert [r["params"]["Reason"] for r in resumes] == ["door closed, animal checked"]


async def test_a_mode_change_asks_first_and_shows_the_mode_the_trainer_reports(hub, tmp_path: Path) -> None:
    async with trainers(["North"]) as (rigs, entries), open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
        await all_online(floor)
        panel = panel_of(floor)
        commands = panel.commands_view
        await wait_until(lambda: commands.training_mode.currentText() == "MANUAL", what="the choices to start from the trainer's modes")
        commands.application_mode.setCurrentIndex(commands.application_mode.findData(ApplicationMode.IN_TRAINING))
        commands.set_application.click()
        await answer_confirmation("Cancel")
        commands.set_application.click()
        await answer_confirmation("Set IN_TRAINING")
        await wait_until(lambda: panel.status_view.application_mode.text() == "IN_TRAINING", what="the reported mode")
        assert rigs["North"].rig.application_mode == ApplicationMode.IN_TRAINING
        assert rigs["North"].rig.handled.count(120) == 1
        assert "succeeded" in commands.result.text()


async def test_the_event_stream_names_kinds_filters_and_exports(hub, tmp_path: Path, qtbot) -> None:
    from PySide6.QtWidgets import QFileDialog, QLineEdit

    async with trainers(["North"]) as (rigs, entries), open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
        await all_online(floor)
        panel = panel_of(floor)
        rig = rigs["North"].rig
        rig.publish(1331, {"session_id": "s-1", "is_analysis_deferred": False})
        rig.publish(1301, {"session_id": "s-1", "trial_id": 1, "reason": "pellet_seen"})
        rig.publish(1803, {"change": 1, "count": 3})
        table = panel.events_view.table_model
        await wait_until(lambda: table.rowCount() >= 3, what="three events in the table")
        kinds = [table.display(item, 2) for item in table.rows]
        assert kinds[-3:] == ["sessionStarted (1331)", "trialStarted (1301)", "reachCountChanged (1803)"]
        assert '"trialId": 1' in table.display(table.rows[-2], 3)
        panel.events_view.filter.setText("trial")
        assert [table.display(item, 2) for item in table.rows] == ["trialStarted (1301)"]

        target = tmp_path / "events.jsonl"
        export = panel.events_view.findChild(QToolButton, "TrainerEventExport")
        qtbot.mouseClick(export, Qt.MouseButton.LeftButton)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), what="the save dialog")
        save = QApplication.activeModalWidget()
        save.findChild(QLineEdit, "fileNameEdit").setText(str(target))
        save.accept()
        await wait_until(target.exists, what="the exported file")
        await wait_until(lambda: "Exported 1 events" in panel.events_view.count.text())
        assert '"name": "trialStarted"' in target.read_text()


async def test_a_stop_no_trainer_confirms_raises_the_e_stop_not_confirmed_alarm(
    hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(TrainerFleet, "timing", fast_timing(request_timeout=0.3, estop_window=1.0))
    pub, rep = ports()
    async with WireTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S) as wire:
        entries = [{"name": "Deaf", "host": "127.0.0.1", "pub_port": pub, "rep_port": rep}]
        async with open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
            await all_online(floor)
            wire.faults.drop_requests = True
            panel = panel_of(floor)
            floor.window.emergency_stop.trigger()
            await wait_until(lambda: not panel.status_view.unconfirmed.isHidden(), timeout=10, what="the unconfirmed alarm")
            assert panel.status_view.unconfirmed.text().startswith("E-stop not confirmed: trainer 'Deaf'")
            assert panel.status[0] == "error" and "E-stop not confirmed" in panel.status[1]
            assert panel.status_view.emergency.text() != "STOPPED"
            assert any("E-stop not confirmed" in r.getMessage() and r.source == "Trainer" for r in caplog.records)


async def test_toggles_and_a_user_defined_command_from_the_panel(hub, tmp_path: Path) -> None:
    from backend.trainer.wire_enums import Toggle

    async with trainers(["North"]) as (rigs, entries), open_floor(hub, tmp_path, devices={"trainers": entries}) as floor:
        await all_online(floor)
        panel = panel_of(floor)
        box = panel.status_view.toggles[Toggle.BATCH_TRIALS]
        await wait_until(box.isEnabled, what="the toggle to know its value")
        box.click()
        await wait_until(lambda: rigs["North"].rig.toggles[Toggle.BATCH_TRIALS], what="the rig's setting")
        await wait_until(lambda: "SET_BATCH_TRIALS_ENABLED succeeded" in panel.commands_view.result.text())
        assert box.isChecked()

        commands = panel.commands_view
        commands.custom_number.setValue(1)
        commands.custom_data.set_text('{"note": "My Note"}')
        commands.send_custom.click()
        await wait_until(lambda: "was not sent" in commands.result.text(), what="the refusal")
        assert commands.result.property("state") == "error"
        assert 99999 not in rigs["North"].rig.handled
        commands.custom_data.set_text('{"note": "my-note"}')
        commands.send_custom.click()
        await wait_until(lambda: "USER_DEFINED succeeded" in commands.result.text(), what="the echo")
        assert "my-note" in commands.result.text()
        actions = [r["action"] for r in floor.audit.read()]
        assert actions == ["SetBatchTrialsEnabled", "UserDefinedCommand", "UserDefinedCommand"]
