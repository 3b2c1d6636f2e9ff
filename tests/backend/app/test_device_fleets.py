"""The runtime drives one fleet per device family: started with its settings entries,
bound to Switchboard's service (its Calls offered on the bus), given new entries when the
settings change, rebound (not reconnected) when the bus changes, and stopped first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from backend.app.audit_log import AuditLog
from backend.app.device_fleet import DeviceFleet
from backend.app.event_log import EventLog
from backend.app.runtime import SwitchboardRuntime
from backend.app.settings import validate, with_changes
from backend.app.switchboard_service import SwitchboardService
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub
from tests.helpers import wait_until

FAST = {"identify_wait": 0.05, "startup_retry": 0.3, "startup_attempts": 1}


class RigFleet(DeviceFleet):
    """A fleet whose devices are names: enough to watch the runtime drive the life cycle."""

    family = "cameras"
    state_section = "Cameras"
    journal: list[str] = []

    async def start(self, entries: Sequence[Any]) -> None:
        await super().start(entries)
        self.journal.append("start " + ",".join(entry.name for entry in entries))
        self.publish_live({entry.name: {"Cameras": 0} for entry in entries})

    async def stop(self) -> None:
        self.journal.append("stop")

    def bind(self, service: SwitchboardService) -> None:
        super().bind(service)
        self.journal.append(f"bind {service.connection.endpoints.pub_port}")
        service.methods.add("CountRigs", lambda: len(self.entries), summary="How many rigs are configured.")

    def unbind(self) -> None:
        self.journal.append("unbind")
        super().unbind()


@pytest.fixture
def fleet_types(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    RigFleet.journal = []
    monkeypatch.setattr("backend.app.runtime.FLEET_TYPES", [RigFleet])
    return RigFleet.journal


def settings_for(hub: HubEndpoints, rigs: list[str]):
    bus = {"pub_port": hub.pub_port, "sub_port": hub.sub_port, "machine_name": "LAB1", "start_hub": False}
    return validate({"bus": bus, "cameras": [{"name": name} for name in rigs]})


async def test_a_fleet_is_bound_then_started_with_its_entries_and_reports_live_status(
    hub: HubEndpoints, tmp_path: Path, fleet_types: list[str]
) -> None:
    runtime = SwitchboardRuntime(settings_for(hub, ["Rig A", "Rig B"]), EventLog(), AuditLog(tmp_path / "a.jsonl"), service_options=FAST)
    await runtime.start()
    try:
        assert fleet_types == [f"bind {hub.pub_port}", "start Rig A,Rig B"]
        assert isinstance(runtime.fleets["cameras"], RigFleet)
        assert runtime.service is not None
        assert await runtime.service.methods.invoke("CountRigs", None) == 2
        await wait_until(lambda: runtime.service.state.get("Cameras") == {"Rig A": {"Cameras": 0}, "Rig B": {"Cameras": 0}}, what="live status")
    finally:
        await runtime.stop()
    assert fleet_types[-2:] == ["unbind", "stop"]


async def test_new_entries_restart_the_fleet_and_unchanged_ones_do_not(hub: HubEndpoints, tmp_path: Path, fleet_types: list[str]) -> None:
    runtime = SwitchboardRuntime(settings_for(hub, ["Rig A"]), EventLog(), AuditLog(tmp_path / "a.jsonl"), service_options=FAST)
    await runtime.start()
    try:
        await runtime.apply_settings(with_changes(runtime.settings, ui={"theme": "dark"}))
        assert fleet_types == [f"bind {hub.pub_port}", "start Rig A"]

        await runtime.apply_settings(with_changes(runtime.settings, cameras=[{"name": "Rig A"}, {"name": "Rig C"}]))
        assert fleet_types[2:] == ["stop", "start Rig A,Rig C"]
    finally:
        await runtime.stop()


async def test_a_new_bus_rebinds_the_same_fleet_without_reconnecting_its_devices(
    hub: HubEndpoints, tmp_path: Path, fleet_types: list[str]
) -> None:
    runtime = SwitchboardRuntime(settings_for(hub, ["Rig A"]), EventLog(), AuditLog(tmp_path / "a.jsonl"), service_options=FAST)
    other = Hub(HubEndpoints(pub_port=0, sub_port=0))
    other_ends = other.start()
    await runtime.start()
    try:
        fleet = runtime.fleets["cameras"]
        await runtime.apply_settings(with_changes(runtime.settings, bus={"pub_port": other_ends.pub_port, "sub_port": other_ends.sub_port}))

        assert fleet_types == [f"bind {hub.pub_port}", "start Rig A", "unbind", f"bind {other_ends.pub_port}"]
        assert runtime.fleets["cameras"] is fleet and fleet.service is runtime.service
        assert runtime.service is not None and await runtime.service.methods.invoke("CountRigs", None) == 1
        await wait_until(lambda: runtime.service.state.get("Cameras") == {"Rig A": {"Cameras": 0}}, what="live status on the new bus")
    finally:
        await runtime.stop()
        other.stop()
