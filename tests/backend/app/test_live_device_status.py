"""Live device status in Switchboard's State (`State.Cameras`…): rate-limited on the bus,
never settable by other services, and never replaced by a State the Store hands back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend.app.switchboard_service import LIVE_PERIOD_S
from backend.bus.endpoints import HubEndpoints
from tests.backend.app.conftest import CLIENT, NAME, Floor
from tests.backend.wire_peers import WirePeer, topic
from tests.helpers import wait_until

LIVE_UPDATE = topic(Type="Update", Source=NAME, Name="State.Cameras")


@pytest.fixture
async def watcher(floor: Floor, hub: HubEndpoints) -> AsyncIterator[WirePeer]:
    """Another service listening to what Switchboard broadcasts and logs."""
    prefixes = [f'{{"Type":"Update","Target":"BROADCAST","Source":"{NAME}"', f'{{"Type":"Log","Target":"BROADCAST","Source":"{NAME}"']
    async with WirePeer(hub.publish_to, hub.subscribe_to, "LAB1-Watcher", prefixes) as peer:
        yield peer


async def test_a_burst_of_live_status_is_published_rate_limited_ending_with_the_newest(floor: Floor, watcher: WirePeer) -> None:
    since = watcher.mark()
    for count in range(50):
        floor.service.set_live("Cameras", {"Rig A": {"Photos": count}})
        await asyncio.sleep(0)  # a device reporting as fast as the loop lets it

    last = await watcher.expect(lambda w: LIVE_UPDATE(w) and w.body["Value"]["Rig A"]["Photos"] == 49, since=since, what="the newest status")
    updates = watcher.matching(LIVE_UPDATE, since)
    assert last.body == {"Value": {"Rig A": {"Photos": 49}}}
    assert 1 <= len(updates) <= 3, f"{len(updates)} Updates for 50 reports within one period of {LIVE_PERIOD_S} s"
    assert floor.service.state["Cameras"] == {"Rig A": {"Photos": 49}}


async def test_another_service_cannot_set_live_status(floor: Floor, watcher: WirePeer) -> None:
    floor.service.set_live("Trainers", {"Rig 1": {"Emergency": "Stopped"}})
    since = watcher.mark()
    floor.client.send({"Type": "Set", "Target": NAME, "Name": "State.Trainers.Rig 1.Emergency", "RespondTo": CLIENT}, {"Value": "Running"})

    log = await watcher.expect(topic(Type="Log", Source=NAME), since=since, what="the refusal")
    assert "live status" in log.body["Message"]
    assert floor.service.state["Trainers"] == {"Rig 1": {"Emergency": "Stopped"}}


async def test_a_state_from_the_store_keeps_the_live_sections(floor: Floor) -> None:
    floor.service.set_live("Chambers", {"XO 1": {"PressureKPa": 0.01}})
    floor.store.send({"Type": "Set", "Target": NAME, "Name": "State"}, {"Value": {"Notes": "from another show", "Chambers": {"XO 1": {"PressureKPa": 101.3}}}})

    await wait_until(lambda: floor.service.state.get("Notes") == "from another show", what="the show's State")
    assert floor.service.state["Chambers"] == {"XO 1": {"PressureKPa": 0.01}}


async def test_a_reset_keeps_the_live_sections(floor: Floor, watcher: WirePeer) -> None:
    floor.service.set_live("Cameras", {"Rig A": {"Cameras": 8}})
    floor.service.update_state("State.Notes", "before the reset")
    since = watcher.mark()
    floor.store.send({"Type": "Reset", "Target": NAME})

    update = await watcher.expect(topic(Type="Update", Source=NAME, Name="State"), since=since, what="the State after Reset")
    assert update.body["Value"]["Notes"] == ""
    assert update.body["Value"]["Cameras"] == {"Rig A": {"Cameras": 8}}
