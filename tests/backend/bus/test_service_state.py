"""Get, Set and Update of a service's own values, seen from the wire (bus.md §4, §9).

The other side is a plain-pyzmq peer that builds canonical topics by hand, so these
tests check what really travels, byte for byte where the protocol fixes the bytes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from backend.app.event_log import EventLog
from backend.app.switchboard_service import SwitchboardService
from backend.bus.endpoints import HubEndpoints
from backend.bus.service import BusService
from tests.backend.wire_peers import WirePeer, topic

NAME = "LAB1-Tester"
CLIENT = "LAB1-Client"
DEFAULTS = {"Mode": "Idle", "Gain": {"Left": 1, "Right": 2}, "Presets": ["A", "B"]}


@dataclass
class Pair:
    service: BusService
    client: WirePeer

    def get(self, name: str, message: dict | None = None) -> None:
        self.client.send({"Type": "Get", "Target": self.service.name, "Name": name, "RespondTo": CLIENT}, message)

    def set(self, name: str, value: object) -> None:
        self.client.send({"Type": "Set", "Target": self.service.name, "Name": name}, {"Value": value})

    async def answer_to_get(self, name: str) -> object:
        since = self.client.mark()
        self.get(name)
        wire = await self.client.expect(topic(Type="Update", Target=CLIENT, Name=name), since=since, what=f"answer to Get {name}")
        return wire.body["Value"]

    async def broadcast_after_set(self, name: str, value: object) -> object:
        since = self.client.mark()
        self.set(name, value)
        wire = await self.client.expect(topic(Type="Update", Target="BROADCAST", Name=name), since=since, what=f"Update of {name}")
        return wire.body["Value"]


def client_peer(hub: HubEndpoints) -> WirePeer:
    return WirePeer(
        hub.publish_to,
        hub.subscribe_to,
        CLIENT,
        [f'{{"Type":"Update","Target":"{CLIENT}"', '{"Type":"Update","Target":"BROADCAST"', '{"Type":"Log"'],
    )


@contextlib.asynccontextmanager
async def connected(service: BusService, client: WirePeer) -> AsyncIterator[Pair]:
    pair = Pair(service, client)
    try:
        await client.start()
        await service.start()
        # The service's subscriptions may not have reached the hub yet (slow joiner): ask until it answers.
        await client.ask(lambda: pair.get("Role"), topic(Type="Update", Target=CLIENT, Name="Role"), what="first answer")
        yield pair
    finally:
        await service.stop()
        await client.stop()


@pytest.fixture
async def pair(hub: HubEndpoints) -> AsyncIterator[Pair]:
    service = BusService(NAME, "Tester", hub, default_state=DEFAULTS, stateful=False, identify_wait=0.05)
    async with connected(service, client_peer(hub)) as ready:
        yield ready


@pytest.fixture
async def switchboard(hub: HubEndpoints) -> AsyncIterator[Pair]:
    service = SwitchboardService("LAB1", hub, EventLog(), identify_wait=0.05, startup_retry=0.2, startup_attempts=1)
    async with connected(service, client_peer(hub)) as ready:
        yield ready


def warnings_of(pair: Pair, since: int = 0) -> list[dict]:
    return [w.body for w in pair.client.matching(topic(Type="Log", Source=pair.service.name), since) if w.body.get("Level") == "Warning"]


# ------------------------------------------------------------------------- Get


async def test_a_get_of_a_state_path_is_answered_with_an_update_to_the_asker(pair: Pair) -> None:
    since = pair.client.mark()
    pair.get("State.Gain.Right")
    answer = await pair.client.expect(topic(Type="Update", Name="State.Gain.Right"), since=since)

    assert answer.raw_topic == b'{"Type":"Update","Target":"LAB1-Client","Source":"LAB1-Tester","Name":"State.Gain.Right"}'
    assert answer.body == {"Value": 2}


async def test_a_get_of_state_returns_the_whole_tree(pair: Pair) -> None:
    assert await pair.answer_to_get("State") == DEFAULTS


async def test_a_get_can_address_a_list_element_by_index(pair: Pair) -> None:
    assert await pair.answer_to_get("State.Presets.1") == "B"


async def test_a_get_of_a_non_state_value_returns_it(pair: Pair) -> None:
    assert await pair.answer_to_get("Role") == "Tester"


@pytest.mark.parametrize("missing", ["State.Gain.Centre", "Nonsense"])
async def test_a_get_of_a_missing_name_is_answered_with_the_string_null_and_a_log_warning(pair: Pair, missing: str) -> None:
    since = pair.client.mark()
    assert await pair.answer_to_get(missing) == "null"
    log = await pair.client.expect(topic(Type="Log", Source=NAME), since=since, what="Log Warning")

    assert log.raw_topic == b'{"Type":"Log","Target":"BROADCAST","Source":"LAB1-Tester"}'
    assert log.body == {"Level": "Warning", "Message": f"No value at {missing}", "Code": "NotFound"}


async def test_a_get_in_the_daemon_variant_with_an_empty_value_object_is_answered_too(pair: Pair) -> None:
    since = pair.client.mark()
    pair.get("State.Mode", {"Value": {}})
    answer = await pair.client.expect(topic(Type="Update", Target=CLIENT, Name="State.Mode"), since=since)
    assert answer.body == {"Value": "Idle"}


async def test_a_get_without_respond_to_is_answered_to_broadcast(pair: Pair) -> None:
    since = pair.client.mark()
    pair.client.send({"Type": "Get", "Target": NAME, "Name": "State.Mode"})
    answer = await pair.client.expect(topic(Type="Update", Name="State.Mode"), since=since)
    assert answer.topic["Target"] == "BROADCAST"


async def test_a_get_addressed_to_another_service_is_ignored(pair: Pair) -> None:
    since = pair.client.mark()
    pair.client.send({"Type": "Get", "Target": "LAB1-Tester2", "Name": "State.Mode", "RespondTo": CLIENT})
    # A Get the service does answer, sent after the first: once its answer is in, the first would have been too.
    assert await pair.answer_to_get("State.Gain.Left") == 1
    assert pair.client.matching(topic(Name="State.Mode"), since) == []


# ------------------------------------------------------------------------- Set


async def test_a_set_at_a_path_is_applied_and_broadcast_as_an_update_with_the_new_value(pair: Pair) -> None:
    changed: list[str] = []
    pair.service.state_changed.connect(changed.append)
    since = pair.client.mark()
    pair.set("State.Gain.Left", 7)
    update = await pair.client.expect(topic(Type="Update", Name="State.Gain.Left"), since=since)

    assert update.raw_topic == b'{"Type":"Update","Target":"BROADCAST","Source":"LAB1-Tester","Name":"State.Gain.Left"}'
    assert update.body == {"Value": 7}
    assert pair.service.state["Gain"] == {"Left": 7, "Right": 2}
    assert changed == ["State.Gain.Left"]
    assert await pair.answer_to_get("State.Gain.Left") == 7


async def test_a_set_of_an_object_replaces_it_instead_of_merging(pair: Pair) -> None:
    assert await pair.broadcast_after_set("State.Gain", {"Left": 5}) == {"Left": 5}
    assert pair.service.state["Gain"] == {"Left": 5}


async def test_a_set_of_a_name_outside_state_is_refused_with_the_value_kept_and_a_warning(pair: Pair) -> None:
    since = pair.client.mark()
    assert await pair.broadcast_after_set("Role", "Impostor") == "Tester"
    log = await pair.client.expect(topic(Type="Log", Source=NAME), since=since)

    assert log.body["Level"] == "Warning"
    assert log.body["Code"] == "SetRefused"
    assert "Role" in log.body["Message"]
    assert pair.service.role == "Tester"


async def test_a_set_of_an_unknown_non_state_name_is_answered_with_null(pair: Pair) -> None:
    assert await pair.broadcast_after_set("Nonsense", 1) == "null"
    assert warnings_of(pair) != []


async def test_switchboard_accepts_a_set_its_schema_allows(switchboard: Pair) -> None:
    assert await switchboard.broadcast_after_set("State.Panels.Bus.HistoryLimit", 50_000) == 50_000
    assert switchboard.service.state["Panels"]["Bus"]["HistoryLimit"] == 50_000


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("State.Panels.Bus.HistoryLimit", 5, "whole number from 1000 to 1000000"),
        ("State.Panels.Bus.HistoryLimit", "lots", "whole number"),
        ("State.Panels.Bus.HistoryLimit", True, "whole number"),
        ("State.Panels.EventLog.MinimumLevel", "Loud", "must be one of Debug, Info, Warning, Error"),
        ("State.Notes", 42, "must be text"),
        ("State.Panels.Bus", {"HistoryLimit": 5_000, "Colour": "red"}, "has no setting Colour"),
        ("State.Panels.Bus", {}, "lacks HistoryLimit"),
    ],
)
async def test_switchboard_refuses_a_set_its_schema_forbids_and_answers_with_the_unchanged_value_and_a_warning(
    switchboard: Pair, name: str, value: object, reason: str
) -> None:
    before = switchboard.service.read_value(name)
    since = switchboard.client.mark()
    kept = await switchboard.broadcast_after_set(name, value)
    log = await switchboard.client.expect(topic(Type="Log", Source="LAB1-Switchboard"), since=since)

    assert kept == before
    assert switchboard.service.read_value(name) == before
    assert log.body["Level"] == "Warning"
    assert log.body["Message"].startswith(f"Refused Set of {name}: ")
    assert reason in log.body["Message"]


async def test_switchboard_refuses_a_set_of_a_path_its_state_does_not_have(switchboard: Pair) -> None:
    since = switchboard.client.mark()
    assert await switchboard.broadcast_after_set("State.Panels.Colour", "red") == "null"
    assert "there is no setting State.Panels.Colour" in warnings_of(switchboard, since)[0]["Message"]
    assert "Colour" not in switchboard.service.state["Panels"]


async def test_a_set_addressed_to_another_service_changes_nothing(pair: Pair) -> None:
    pair.client.send({"Type": "Set", "Target": "LAB1-Tester2", "Name": "State.Mode"}, {"Value": "Hijacked"})
    assert await pair.broadcast_after_set("State.Gain.Right", 9) == 9
    assert pair.service.state["Mode"] == "Idle"


async def test_an_update_of_its_own_state_from_inside_is_broadcast(pair: Pair) -> None:
    since = pair.client.mark()
    pair.service.update_state("State.Mode", "Live")
    update = await pair.client.expect(topic(Type="Update", Target="BROADCAST", Source=NAME, Name="State.Mode"), since=since)
    assert update.body == {"Value": "Live"}


# ------------------------------------------------------------------------- edge cases


async def test_a_json_null_kept_in_state_is_a_value_not_a_missing_one(pair: Pair) -> None:
    assert await pair.broadcast_after_set("State.Mode", None) is None
    since = pair.client.mark()
    assert await pair.answer_to_get("State.Mode") is None
    assert warnings_of(pair, since) == []


async def test_a_set_through_a_list_at_a_non_index_is_refused_and_still_answered(pair: Pair) -> None:
    since = pair.client.mark()
    kept = await pair.broadcast_after_set("State.Presets.x.y", 1)
    assert kept == "null"
    assert pair.service.state["Presets"] == ["A", "B"]
    await pair.client.expect(topic(Type="Log", Source=NAME), since=since, what="the refusal warning")
    assert any("Refused Set of State.Presets.x.y" in w["Message"] for w in warnings_of(pair, since))


async def test_the_service_itself_cannot_put_a_value_json_cannot_carry_into_its_state(pair: Pair) -> None:
    with pytest.raises(ValueError):
        pair.service.update_state("State.Mode", {1, 2})
    assert pair.service.state["Mode"] == "Idle"


async def test_a_message_shaped_like_json_but_not_json_is_counted_when_read_and_the_service_goes_on(pair: Pair) -> None:
    # `{…}` passes the cheap check on arrival; parsing it on first read finds NaN, which JSON has not.
    pair.client.send_text(f'{{"Type":"Set","Target":"{NAME}","Name":"State.Mode"}}', '{"Value":NaN}')
    assert await pair.answer_to_get("State.Mode") == "Idle"
    assert pair.service.connection.stats.malformed["message-not-json"] == 1
