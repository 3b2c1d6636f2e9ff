"""Chambers on the bus: LoadRecipe and CancelRecipe Calls drive a simulated chamber, its live
status appears in State.Chambers, and every action is in the audit log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.app.audit_log import AuditLog
from backend.app.chamber_fleet import ChamberFleet
from backend.app.device_settings import ChamberSettings
from backend.chamber.recipe_status import RunState
from backend.sim.chamber.chamber_server import ChamberServer
from tests.backend.app.conftest import Floor
from tests.helpers import wait_until


@pytest.fixture
async def chamber_fleet(floor: Floor, tmp_path: Path) -> AsyncIterator[tuple[ChamberFleet, ChamberServer]]:
    server = ChamberServer(port=0, time_scale=600.0, telemetry_hz=10.0)
    await server.start()
    fleet = ChamberFleet(floor.events, AuditLog(tmp_path / "audit.jsonl"))
    await fleet.start((ChamberSettings("XO 1", server.url),))
    fleet.bind(floor.service)
    try:
        await wait_until(lambda: fleet.chambers["XO 1"].model.connected, timeout=15)
        yield fleet, server
    finally:
        fleet.unbind()
        await fleet.stop()
        await server.stop()


async def test_load_recipe_over_the_bus_runs_it_and_the_live_state_shows_it(floor: Floor, chamber_fleet, tmp_path: Path) -> None:
    fleet, server = chamber_fleet
    answer = await floor.call("LoadRecipe", {"Chamber": "XO 1", "Name": "bus-bake", "Steps": [[40, 600], [25, 60]]})
    assert answer == {"Result": {"Chamber": "XO 1", "Result": "success"}}
    assert server.device.run.name == "bus-bake" and server.device.run.steps == [(40.0, 600.0), (25.0, 60.0)]
    await wait_until(lambda: floor.service.state.get("Chambers", {}).get("XO 1", {}).get("Recipe", {}).get("Name") == "bus-bake",
                     timeout=10, what="State.Chambers with the run")
    live = floor.service.state["Chambers"]["XO 1"]
    assert live["Link"] == "live" and isinstance(live["Readings"]["pressure"], float)

    refused = await floor.call("LoadRecipe", {"Chamber": "XO 1", "Name": "again", "Steps": [[40, 60]]})
    assert "already running" in refused["Failure"]
    assert (await floor.call("CancelRecipe", {"Chamber": "XO 1"}))["Result"]["Result"] == "success"
    await wait_until(lambda: fleet.chambers["XO 1"].model.recipe.state is RunState.CANCELLED, timeout=10)

    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text("utf-8").splitlines()]
    assert [(a["target"], a["action"], a["result"]["result"]) for a in audit] == [
        ("Chamber 'XO 1'", "Load & run recipe", "success"),
        ("Chamber 'XO 1'", "Load & run recipe", "warning"),
        ("Chamber 'XO 1'", "Cancel recipe", "success"),
    ]


@pytest.mark.parametrize("params, phrase", [
    ({"Chamber": "XO 1", "Name": "bad", "Steps": [[200, 60]]}, "outside -40…120 °C"),
    ({"Chamber": "XO 1", "Name": "", "Steps": [[20, 60]]}, "needs a name"),
    ({"Chamber": "Nowhere", "Name": "r", "Steps": [[20, 60]]}, "no chamber named 'Nowhere'"),
    ({"Chamber": ["XO 1"], "Name": "r", "Steps": [[20, 60]]}, "no chamber named '['XO 1']' (XO 1)"),
])
async def test_a_bad_load_recipe_call_is_refused_with_the_reason(floor: Floor, chamber_fleet, params: dict, phrase: str) -> None:
    _fleet, server = chamber_fleet
    answer = await floor.call("LoadRecipe", params)
    assert phrase in answer["Failure"]
    assert server.device.run.state == "idle"


async def test_cancel_with_nothing_running_is_a_refusal_naming_the_chamber(floor: Floor, chamber_fleet,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    answer = await floor.call("CancelRecipe", {"Chamber": "XO 1"})
    assert "Chamber 'XO 1' refused CancelRecipe (warning): Could not cancel server running" in answer["Failure"]
    refusal = next(r for r in caplog.records if "refused Cancel recipe" in r.getMessage())
    assert refusal.levelname == "WARNING" and refusal.source == "Chamber"  # reaches the event log dock


async def test_several_chambers_at_once_each_addressed_by_name(floor: Floor, tmp_path: Path) -> None:
    servers = [ChamberServer(port=0, time_scale=600.0, telemetry_hz=10.0, seed=n) for n in (1, 2)]
    for server in servers:
        await server.start()
    fleet = ChamberFleet(floor.events, AuditLog(tmp_path / "audit.jsonl"))
    await fleet.start(tuple(ChamberSettings(f"XO {n}", server.url) for n, server in enumerate(servers, start=1)))
    fleet.bind(floor.service)
    try:
        await wait_until(lambda: all(c.model.connected for c in fleet.chambers.values()), timeout=15)
        answer = await floor.call("LoadRecipe", {"Chamber": "XO 2", "Name": "second", "Steps": [[30, 600]]})
        assert answer["Result"]["Chamber"] == "XO 2"
        assert (servers[0].device.run.state, servers[1].device.run.name) == ("idle", "second")
        await wait_until(lambda: set(floor.service.state.get("Chambers", {})) == {"XO 1", "XO 2"}
                         and floor.service.state["Chambers"]["XO 2"]["Recipe"]["Name"] == "second", timeout=10)
    finally:
        fleet.unbind()
        await fleet.stop()
        for server in servers:
            await server.stop()


async def test_a_chamber_counting_duration_in_hours_gets_the_hold_in_hours(floor: Floor, tmp_path: Path) -> None:
    """vacuum.md §4, §8: the unit of `duration` is undocumented, so it is a setting; the bus Call stays in seconds."""
    server = ChamberServer(port=0, time_scale=600.0, telemetry_hz=10.0)
    await server.start()
    fleet = ChamberFleet(floor.events, AuditLog(tmp_path / "audit.jsonl"))
    await fleet.start((ChamberSettings("XO h", server.url, recipe_duration_unit="h"),))
    fleet.bind(floor.service)
    try:
        await wait_until(lambda: fleet.chambers["XO h"].model.connected, timeout=15)
        answer = await floor.call("LoadRecipe", {"Chamber": "XO h", "Name": "hours", "Steps": [[40, 7200], [25, 900]]})
        assert answer["Result"]["Result"] == "success"
        assert server.device.run.steps == [(40.0, 2.0), (25.0, 0.25)]
    finally:
        fleet.unbind()
        await fleet.stop()
        await server.stop()
