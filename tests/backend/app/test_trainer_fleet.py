"""The trainer fleet on the bus: Calls from another service reach the trainers, State.Trainers shows
what they report, and every stop, resume and mode change is in the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from backend.app.audit_log import AuditLog
from backend.app.device_settings import TrainerSettings
from backend.app.trainer_fleet import TrainerFleet
from backend.sim.trainer.package_trainer import PackageTrainer
from backend.trainer.trainer_status import EmergencyCondition, Liveness
from backend.trainer.wire_enums import ApplicationMode, TrainingMode
from tests.backend.app.conftest import Floor
from tests.backend.trainer.trainer_floor import HEARTBEAT_S, fast_timing, ports
from tests.helpers import wait_until


@contextlib.asynccontextmanager
async def trainers_on_the_bus(floor: Floor, tmp_path: Path, names: list[str]) -> AsyncIterator[tuple[TrainerFleet, dict[str, PackageTrainer]]]:
    async with contextlib.AsyncExitStack() as stack:
        rigs: dict[str, PackageTrainer] = {}
        entries = []
        for name in names:
            pub, rep = ports()
            rigs[name] = await stack.enter_async_context(PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S))
            entries.append(TrainerSettings(name, "127.0.0.1", pub, rep))
        fleet = TrainerFleet(floor.events, AuditLog(tmp_path / "audit.jsonl"))
        fleet.timing = fast_timing()
        await fleet.start(entries)
        fleet.bind(floor.service)
        try:
            await wait_until(lambda: all(c.model.liveness is Liveness.ONLINE and c.model.application_mode is not None
                                         for c in fleet.clients.values()), timeout=15, what="every trainer synced")
            yield fleet, rigs
        finally:
            fleet.unbind()
            await fleet.stop()


async def test_a_bus_call_emergency_stop_without_a_trainer_stops_every_trainer(floor: Floor, tmp_path: Path) -> None:
    async with trainers_on_the_bus(floor, tmp_path, ["North", "South"]) as (fleet, rigs):
        answer = await floor.call("EmergencyStop")
        assert "Failure" not in answer, answer
        assert set(answer["Result"]) == {"North", "South"}
        assert all(rig.rig.stopped for rig in rigs.values())
        await wait_until(lambda: all(c.model.emergency.condition is EmergencyCondition.STOPPED for c in fleet.clients.values()))
        await wait_until(lambda: floor.service.state.get("Trainers", {}).get("South", {}).get("Emergency", {}).get("State") == "stopped",
                         what="State.Trainers to show the stop")
        actions = [(r["target"], r["action"], r["params"]["Origin"]) for r in fleet.audit.read()]
        assert sorted(actions) == [("Trainer North", "EmergencyStop", "bus Call"), ("Trainer South", "EmergencyStop", "bus Call")]


async def test_a_bus_call_emergency_stop_with_no_trainer_configured_fails_instead_of_reporting_done(floor: Floor, tmp_path: Path) -> None:
    async with trainers_on_the_bus(floor, tmp_path, []):
        answer = await floor.call("EmergencyStop")
    assert answer.get("Failure") == "No trainer is configured, so nothing was stopped"


async def test_a_bus_call_stops_and_resumes_one_named_trainer(floor: Floor, tmp_path: Path) -> None:
    async with trainers_on_the_bus(floor, tmp_path, ["North", "South"]) as (fleet, rigs):
        assert "Failure" not in await floor.call("EmergencyStop", {"Trainer": "South"})
        assert rigs["South"].rig.stopped and not rigs["North"].rig.stopped
        assert "Failure" not in await floor.call("EmergencyResume", {"Trainer": "South"})
        assert not rigs["South"].rig.stopped
        failed = await floor.call("EmergencyResume", {"Trainer": "South"})
        assert "EMERGENCY_RESUME failed" in failed["Failure"]
        unknown = await floor.call("EmergencyStop", {"Trainer": "West"})
        assert "No trainer named 'West'; configured trainers: North, South" in unknown["Failure"]
        odd = await floor.call("EmergencyStop", {"Trainer": ["North"]})
        assert "No trainer named ['North']; configured trainers: North, South" in odd["Failure"]
        assert not rigs["North"].rig.stopped


async def test_bus_calls_set_the_modes_by_name_or_number(floor: Floor, tmp_path: Path) -> None:
    async with trainers_on_the_bus(floor, tmp_path, ["North"]) as (fleet, rigs):
        assert "Failure" not in await floor.call("SetApplicationMode", {"Trainer": "North", "Mode": "in_training"})
        assert "Failure" not in await floor.call("SetTrainingMode", {"Trainer": "North", "Mode": 300})
        assert rigs["North"].rig.application_mode == ApplicationMode.IN_TRAINING
        assert rigs["North"].rig.training_mode == TrainingMode.AUTOMATIC
        bad = await floor.call("SetTrainingMode", {"Trainer": "North", "Mode": "FAST"})
        assert "Mode 'FAST' is not a TrainingMode" in bad["Failure"]
        await wait_until(lambda: floor.service.state.get("Trainers", {}).get("North", {}).get("TrainingMode") == "AUTOMATIC")
        modes = [(r["action"], r["params"]["Mode"]) for r in fleet.audit.read()]
        assert modes == [("SetApplicationMode", "IN_TRAINING"), ("SetTrainingMode", "AUTOMATIC")]
