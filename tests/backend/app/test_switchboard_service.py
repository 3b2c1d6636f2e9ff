"""Switchboard's own service: status and notice Calls, bus Logs into the event log, stored
State adopted leniently, and a unique name when a second Switchboard joins (bus.md §3, §6)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from backend.app.audit_log import AuditLog
from backend.app.event_log import EventLog
from backend.app.runtime import SwitchboardRuntime
from backend.app.settings import validate
from backend.app.switchboard_service import STATE_SCHEMA, SwitchboardService
from backend.bus import state_schema
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import LogLevel
from backend.bus.service import StoreLink
from backend.version import VERSION
from tests.backend.app.conftest import CLIENT, FAST, NAME, Floor, client_peer
from tests.backend.wire_peers import FakeStore, topic
from tests.helpers import wait_until

DEFAULTS = state_schema.defaults(STATE_SCHEMA)
UPDATE_OF_STATE = b'{"Type":"Update","Target":"BROADCAST","Source":"LAB1-Switchboard","Name":"State"}'


# ------------------------------------------------------------------------- Calls


async def test_get_status_tells_name_version_hub_store_and_show(floor: Floor, hub: HubEndpoints) -> None:
    status = (await floor.call("GetStatus"))["Result"]

    assert status["Name"] == NAME and status["Role"] == "Switchboard" and status["Machine"] == "LAB1"
    assert status["Version"] == VERSION
    assert status["Hub"] == {"Host": "127.0.0.1", "PubPort": hub.pub_port, "SubPort": hub.sub_port, "Linked": True}
    assert status["Store"] == "connected"
    assert status["CurrentShow"] == "Morning"
    assert isinstance(status["UptimeS"], (int, float)) and status["UptimeS"] >= 0


async def test_the_status_and_version_can_also_be_read_with_get(floor: Floor) -> None:
    since = floor.client.mark()
    floor.client.send({"Type": "Get", "Target": NAME, "Name": "Version", "RespondTo": CLIENT})
    floor.client.send({"Type": "Get", "Target": NAME, "Name": "Status", "RespondTo": CLIENT})
    version = await floor.client.expect(topic(Type="Update", Name="Version"), since=since)
    status = await floor.client.expect(topic(Type="Update", Name="Status"), since=since)

    assert version.body == {"Value": VERSION}
    assert status.body["Value"]["Name"] == NAME


async def test_a_show_change_seen_by_the_watch_reaches_the_status(floor: Floor) -> None:
    floor.store.send({"Type": "Update", "Target": "BROADCAST", "Source": "Store", "Name": "CurrentShow"}, {"Value": "Evening"})
    await wait_until(lambda: floor.service.current_show == "Evening", what="the new show")
    assert (await floor.call("GetStatus"))["Result"]["CurrentShow"] == "Evening"


async def test_show_notice_puts_the_message_in_the_operators_event_log(floor: Floor) -> None:
    reply = await floor.call("ShowNotice", {"Message": "Camera 2 needs a new battery", "Level": "Warning", "From": "LAB1-Rigging"})

    assert reply == {"Result": None}
    assert (LogLevel.WARNING, "LAB1-Rigging", "Camera 2 needs a new battery") in floor.texts()


async def test_show_notice_defaults_to_an_info_from_the_bus(floor: Floor) -> None:
    assert await floor.call("ShowNotice", ["Doors open in five minutes"]) == {"Result": None}
    assert (LogLevel.INFO, "Bus", "Doors open in five minutes") in floor.texts()


@pytest.mark.parametrize(
    ("params", "failure"),
    [
        ({"Message": ""}, "Message must be non-empty text"),
        ({"Message": "   "}, "Message must be non-empty text"),
        ({"Message": 7}, "Message must be non-empty text"),
        ({"Message": "Hello", "Level": "Shout"}, "Level must be one of Debug, Info, Warning, Error"),
    ],
)
async def test_show_notice_refuses_an_empty_message_or_an_unknown_level_and_logs_nothing(
    floor: Floor, params: dict, failure: str
) -> None:
    before = len(floor.events.events)
    assert await floor.call("ShowNotice", params) == {"Failure": failure}
    assert [e for e in list(floor.events.events)[before:] if e.source == "Bus"] == []


async def test_list_methods_offers_the_status_and_notice_calls(floor: Floor) -> None:
    methods = {m["Method"] for m in (await floor.call("ListMethods"))["Result"]}
    assert {"GetStatus", "ShowNotice", "ListMethods"} <= methods


# ------------------------------------------------------------------------- bus Logs


@pytest.mark.parametrize(
    ("body", "level", "text"),
    [
        ({"Level": "Warning", "Message": "Dropped a frame at 50 fps", "Code": "FrameDrop"}, LogLevel.WARNING, "Dropped a frame at 50 fps [FrameDrop]"),
        ({"Level": "Error", "Message": "GPU lost"}, LogLevel.ERROR, "GPU lost"),
        ({"Level": "Debug", "Message": "tick"}, LogLevel.DEBUG, "tick"),
        ({"Type": "warn", "Message": "Level given as Type"}, LogLevel.WARNING, "Level given as Type"),
        ({"Severity": "critical", "Message": "Level given as Severity"}, LogLevel.ERROR, "Level given as Severity"),
        ({"Message": "No level at all"}, LogLevel.INFO, "No level at all"),
    ],
)
async def test_a_log_from_another_service_lands_in_the_event_log_under_that_services_name(
    floor: Floor, body: dict, level: LogLevel, text: str
) -> None:
    floor.store.send({"Type": "Log", "Target": "BROADCAST", "Source": "RENDER1-Engine"}, body)
    await wait_until(lambda: any(e.source == "RENDER1-Engine" for e in floor.events.events), what="the Log in the event log")
    assert [(e.level, e.text) for e in floor.events.events if e.source == "RENDER1-Engine"] == [(level, text)]


# ------------------------------------------------------------------------- stored State


async def test_a_stored_state_keeps_its_valid_values_and_gets_defaults_for_the_invalid_ones(
    hub: HubEndpoints, caplog: pytest.LogCaptureFixture
) -> None:
    stored = {
        "Notes": "Keep the blue filter on camera 3",
        "Panels": {"Bus": {"HistoryLimit": 5}, "EventLog": {"MinimumLevel": "Warning"}, "Retired": {"X": 1}},
        "FromAnOlderVersion": True,
    }
    expected = {
        "Notes": "Keep the blue filter on camera 3",
        "Panels": {"Bus": {"HistoryLimit": 20_000}, "EventLog": {"MinimumLevel": "Warning"}},
    }
    caplog.set_level(logging.WARNING, logger="backend.app.switchboard_service")
    async with FakeStore.on(hub) as store:
        store.states[NAME] = stored
        service = SwitchboardService("LAB1", hub, EventLog(), **FAST)
        async with service:
            update = await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE, what="Update of State")
            await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED")

    assert service.state == expected
    assert update.body == {"Value": expected}
    assert any("State.Panels.Bus.HistoryLimit must be a whole number" in r.getMessage() and "20000" in r.getMessage() for r in caplog.records)


async def test_a_stored_state_that_is_not_an_object_leaves_the_defaults_and_warns_on_the_bus(hub: HubEndpoints) -> None:
    async with FakeStore.on(hub) as store:
        store.states[NAME] = ["not", "a", "state"]
        service = SwitchboardService("LAB1", hub, EventLog(), **FAST)
        async with service:
            update = await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE, what="Update of State")
            log = await store.expect(topic(Type="Log", Source=NAME), what="Log Warning")

    assert update.body == {"Value": DEFAULTS}
    assert log.body["Level"] == "Warning" and "not an object" in log.body["Message"]


def test_adopt_state_of_a_valid_state_keeps_it_whole() -> None:
    service = SwitchboardService("LAB1", HubEndpoints(pub_port=1, sub_port=2), EventLog())
    valid = {"Notes": "x", "Panels": {"Bus": {"HistoryLimit": 1_000}, "EventLog": {"MinimumLevel": "Error"}}}
    assert service.adopt_state(valid) == valid
    assert service.adopt_state({}) == DEFAULTS


# ------------------------------------------------------------------------- unique names


async def join_next_to(hub: HubEndpoints, connected_clients: list[dict]) -> tuple[SwitchboardService, FakeStore]:
    store = FakeStore.on(hub)
    store.values["ConnectedClients"] = connected_clients
    await store.start()
    store.start_heartbeat(period=0.05)
    service = SwitchboardService("LAB1", hub, EventLog(), identify_wait=0.5, startup_retry=0.3, startup_attempts=2)
    return service, store


async def test_a_second_switchboard_on_the_machine_takes_the_name_switchboard2(hub: HubEndpoints) -> None:
    service, store = await join_next_to(hub, [{"Name": NAME, "Role": "Switchboard"}, {"Name": "LAB1-Engine", "Role": "Engine"}])
    renamed: list[str] = []
    service.renamed.connect(renamed.append)
    try:
        await service.start()
        startup = await store.expect(topic(Type="Startup"), what="Startup")
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED")

        assert service.name == "LAB1-Switchboard2" and renamed == ["LAB1-Switchboard2"]
        assert startup.topic["Source"] == "LAB1-Switchboard2"
        assert store.startups(NAME) == []
        async with client_peer(hub) as client:
            since = client.mark()
            client.send({"Type": "Get", "Target": NAME, "Name": "Role", "RespondTo": CLIENT})
            client.send({"Type": "Get", "Target": "LAB1-Switchboard2", "Name": "Role", "RespondTo": CLIENT})
            answer = await client.expect(topic(Type="Update", Name="Role"), since=since)
            # The Get of the old name went first: had the service still listened to it, its answer would be first.
            assert answer.topic["Source"] == "LAB1-Switchboard2"
            assert len(client.matching(topic(Type="Update", Name="Role"), since)) == 1
    finally:
        await service.stop()
        await store.stop()


async def test_a_third_switchboard_takes_switchboard3(hub: HubEndpoints) -> None:
    taken = [{"Name": NAME, "Role": "Switchboard"}, {"Name": "LAB1-Switchboard2", "Role": "Switchboard"}]
    service, store = await join_next_to(hub, taken)
    try:
        await service.start()
        startup = await store.expect(topic(Type="Startup"), what="Startup")
        assert startup.topic["Source"] == "LAB1-Switchboard3" == service.name
    finally:
        await service.stop()
        await store.stop()


async def test_a_switchboard_keeps_its_name_when_only_other_machines_have_one(hub: HubEndpoints) -> None:
    service, store = await join_next_to(hub, [{"Name": "LAB2-Switchboard", "Role": "Switchboard"}])
    try:
        await service.start()
        startup = await store.expect(topic(Type="Startup"), what="Startup")
        assert startup.topic["Source"] == NAME == service.name
        assert store.matching(topic(Type="Get", Name="ConnectedClients")) != []
    finally:
        await service.stop()
        await store.stop()


# ------------------------------------------------------------------------- the runtime


async def test_the_runtime_resizes_the_traffic_history_when_the_state_changes_it(hub: HubEndpoints, tmp_path) -> None:
    settings = validate({"bus": {"pub_port": hub.pub_port, "sub_port": hub.sub_port, "machine_name": "LAB1", "start_hub": False}})
    runtime = SwitchboardRuntime(settings, EventLog(), AuditLog(tmp_path / "audit.jsonl"), service_options=FAST)
    await runtime.start()
    try:
        assert runtime.hub is None and runtime.monitor is not None and runtime.service is not None
        assert runtime.monitor.history.maxlen == 20_000
        async with client_peer(hub) as client:
            await client.ask(
                lambda: client.send({"Type": "Get", "Target": NAME, "Name": "Role", "RespondTo": CLIENT}),
                topic(Type="Update", Target=CLIENT, Name="Role"),
            )
            client.send({"Type": "Set", "Target": NAME, "Name": "State.Panels.Bus.HistoryLimit"}, {"Value": 5_000})
            await wait_until(lambda: runtime.monitor is not None and runtime.monitor.history.maxlen == 5_000, what="the resize")
    finally:
        await asyncio.wait_for(runtime.stop(), 5.0)
