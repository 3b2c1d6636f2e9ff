"""Switchboard on a bus with the real Store: its State comes from the current show, its
changes are stored, and it follows ChangeShow without being restarted (bus.md §6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.app.event_log import EventLog
from backend.app.switchboard_service import STATE_SCHEMA, SwitchboardService
from backend.bus import state_schema, value_paths
from backend.bus.endpoints import HubEndpoints
from tests.backend.bus.store.store_floor import FAST, Floor, online, store_floor, stored_on_disk
from tests.backend.wire_peers import topic
from tests.helpers import wait_until

NAME = "LAB1-Switchboard"
DEFAULTS = state_schema.defaults(STATE_SCHEMA)
LIMIT = "State.Panels.Bus.HistoryLimit"


@pytest.fixture
async def floor(hub: HubEndpoints, tmp_path: Path) -> AsyncIterator[Floor]:
    async with store_floor(hub, tmp_path / "store.sqlite", fault_control=False) as running:
        yield running


def limit_of(switchboard: SwitchboardService) -> int:
    return switchboard.state["Panels"]["Bus"]["HistoryLimit"]


async def set_and_see(floor: Floor, switchboard: SwitchboardService, name: str, value: object) -> None:
    """A Set to Switchboard, seen applied.

    Not `SetOutcome.accepted`: an Update of the whole State (answering a Set or Reset from the
    Store) may still be on its way to the tool, and any Update of a parent path confirms a Set (bus.md §9).
    """
    await floor.tool.set(NAME, name, value)
    await wait_until(lambda: value_paths.get_at(switchboard.state, name.removeprefix("State.")) == value, what=f"{name} = {value}")


async def test_switchboard_gets_its_stored_state_at_startup_and_its_accepted_sets_are_stored(floor: Floor) -> None:
    await floor.tool.store("SetStoredState", Service=NAME, Value={"Notes": "Morning run", "Panels": {"Bus": {"HistoryLimit": 30_000}}})
    switchboard = SwitchboardService("LAB1", floor.hub, EventLog(), **FAST)
    async with switchboard:
        await online(switchboard)
        await wait_until(lambda: switchboard.current_show == "Default", what="the current show watched")
        assert switchboard.state["Notes"] == "Morning run"
        assert limit_of(switchboard) == 30_000
        assert switchboard.state["Panels"]["EventLog"] == DEFAULTS["Panels"]["EventLog"], "missing values come from the defaults"

        await set_and_see(floor, switchboard, LIMIT, 50_000)
        await wait_until(lambda: (stored_on_disk(floor.database, "Default", NAME) or {}).get("Panels", {}).get("Bus") == {"HistoryLimit": 50_000})
        since = floor.probe.mark()
        floor.probe.send({"Type": "Set", "Target": NAME, "Name": LIMIT}, {"Value": 5})
        refusal = await floor.probe.expect(topic(Type="Log", Source=NAME), since=since, what="the refusal")

        assert refusal.body["Code"] == "SetRefused"
        assert limit_of(switchboard) == 50_000
        assert stored_on_disk(floor.database, "Default", NAME) == {**DEFAULTS, "Notes": "Morning run", "Panels": {**DEFAULTS["Panels"], "Bus": {"HistoryLimit": 50_000}}}


async def test_switchboard_follows_change_show_to_a_new_show_and_back_without_restarting(floor: Floor) -> None:
    switchboard = SwitchboardService("LAB1", floor.hub, EventLog(), **FAST)
    changes: list[str] = []
    switchboard.state_changed.connect(changes.append)
    since = floor.probe.mark()
    async with switchboard:
        await online(switchboard)
        await set_and_see(floor, switchboard, LIMIT, 50_000)
        await set_and_see(floor, switchboard, "State.Notes", "Day show")
        await wait_until(lambda: (stored_on_disk(floor.database, "Default", NAME) or {}).get("Notes") == "Day show")
        await floor.tool.store("CreateShow", ShowName="Evening")
        started_at = switchboard.started_at

        changes.clear()
        await floor.tool.store("ChangeShow", ShowName="Evening")
        await wait_until(lambda: switchboard.current_show == "Evening" and switchboard.state == DEFAULTS, what="Evening's (default) State")
        assert changes == ["State"]
        assert floor.probe.matching(topic(Type="Reset", Target=NAME), since)

        await set_and_see(floor, switchboard, LIMIT, 80_000)  # stored in Evening, not in Default
        await wait_until(lambda: (stored_on_disk(floor.database, "Evening", NAME) or {}).get("Panels", {}).get("Bus") == {"HistoryLimit": 80_000})

        changes.clear()
        await floor.tool.store("ChangeShow", ShowName="Default")
        await wait_until(lambda: switchboard.current_show == "Default" and limit_of(switchboard) == 50_000, what="Default's State back")
        assert switchboard.state["Notes"] == "Day show"
        assert changes == ["State"]

        await floor.tool.store("ChangeShow", ShowName="Evening")
        await wait_until(lambda: limit_of(switchboard) == 80_000 and switchboard.state["Notes"] == "", what="Evening's State again")

        assert switchboard.started_at == started_at
        assert len(floor.probe.matching(topic(Type="Startup", Source=NAME), since)) == 1, "never restarted or re-announced"
