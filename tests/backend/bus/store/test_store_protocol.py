"""The Store over real sockets: Startup → Set/Reset → Update → persisted, Gets, its own State,
the show Calls and ours, ConnectedClients and restarts (bus.md §6, §10).

Everything runs on a real hub with the real `StoreService` on a real SQLite file; services
are real `BusService`s and the probe is a plain-pyzmq peer that sees the wire.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend.bus import service as service_module
from backend.bus import value_paths
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import ValueMissing
from backend.bus.service import BusService
from backend.bus.store.store_service import CAMERA_TYPES, DEFAULT_STATE, EXPORT_FORMAT
from tests.backend.bus.store.store_floor import (
    FAST,
    PERIOD,
    Floor,
    online,
    service,
    shows_on_disk,
    store_floor,
    stored_on_disk,
)
from tests.backend.wire_peers import WirePeer, topic
from tests.helpers import wait_until

ENGINE = "LAB1-Engine"
TRACKING = "LAB2-Tracking"
RIG = "LAB3-Rig"
DEFAULTS = {"Mode": "Idle", "Gain": {"Left": 1, "Right": 1}}


@pytest.fixture
async def floor(hub: HubEndpoints, tmp_path: Path) -> AsyncIterator[Floor]:
    """The Store without its StoreFaults control service, so ConnectedClients holds only the test's services."""
    async with store_floor(hub, tmp_path / "store.sqlite", fault_control=False) as running:
        yield running


@contextlib.asynccontextmanager
async def running(*services: BusService) -> AsyncIterator[None]:
    """Start every service; stop every one that started, whatever happens."""
    async with contextlib.AsyncExitStack() as stack:
        for each in services:
            await stack.enter_async_context(each)
        yield


async def on_disk(floor: Floor, service_name: str, expected: Any, show: str = "Default") -> None:
    await wait_until(
        lambda: stored_on_disk(floor.database, show, service_name) == expected,
        what=f"{service_name}'s State in {show} on disk to be {expected} (it is {stored_on_disk(floor.database, show, service_name)})",
    )


def with_changes(base: dict[str, Any], **paths: Any) -> dict[str, Any]:
    """`base` with each `Path__Below=value` written at `Path.Below`."""
    changed = value_paths.deep_copy(base)
    for path, value in paths.items():
        value_paths.set_at(changed, path.replace("__", "."), value)
    return changed


# ---------------------------------------------------------------------- Startup → Set/Reset → Update → persisted


async def test_a_service_the_store_has_never_seen_gets_a_reset_and_its_update_of_state_is_stored(floor: Floor) -> None:
    engine = service(floor.hub, ENGINE, DEFAULTS)
    since = floor.probe.mark()
    async with engine:
        answer = await floor.answer_to(ENGINE, since)
        await online(engine)
        await on_disk(floor, ENGINE, DEFAULTS)

        assert answer.raw_topic == b'{"Type":"Reset","Target":"LAB1-Engine"}'
        assert answer.body == {}
        assert engine.state == DEFAULTS
        assert await floor.tool.store("GetStoredState", Service=ENGINE) == DEFAULTS


async def test_updates_of_paths_are_stored_and_the_next_startup_is_answered_with_a_set_of_the_stored_state(floor: Floor) -> None:
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Gain.Left", 7)
        engine.update_state("State.Mode", "Live")
        engine.update_state("State.Inputs", ["SDI1", "SDI2"])
        stored = {"Mode": "Live", "Gain": {"Left": 7, "Right": 1}, "Inputs": ["SDI1", "SDI2"]}
        await on_disk(floor, ENGINE, stored)

    since = floor.probe.mark()
    async with service(floor.hub, ENGINE, DEFAULTS) as again:  # a new process: starts on its defaults
        answer = await floor.answer_to(ENGINE, since)
        await online(again)

        assert answer.raw_topic == b'{"Type":"Set","Target":"LAB1-Engine","Name":"State"}'
        assert answer.body == {"Value": stored}
        assert again.state == stored


async def test_only_state_updates_from_a_service_are_stored_and_a_null_update_removes_the_value(floor: Floor) -> None:
    daemon = "LAB3-Daemon"

    def update(name: str, value: Any, source: str = daemon) -> None:
        floor.probe.send({"Type": "Update", "Target": "BROADCAST", "Source": source, "Name": name}, {"Value": value})

    update("SystemInfo", {"CPU": 12})
    update("Health", "OK")
    update("PersistentState", {"Licence": "x"})
    update("StateOfTheArt", 1)  # a name that only starts with the letters of State
    update("State.Mode", "Impostor", source="Store")  # the Store's own Updates are never taken as a service's
    update("State.Mode", "Live")
    update("State.Gain", {"Left": 2, "Right": 3})
    await on_disk(floor, daemon, {"Mode": "Live", "Gain": {"Left": 2, "Right": 3}})  # later than the rest: all were seen

    update("State.Gain.Left", "null")
    await on_disk(floor, daemon, {"Mode": "Live", "Gain": {"Right": 3}})
    assert [entry["Service"] for entry in await floor.tool.store("ListStoredStates")] == [daemon, "Store"]
    assert floor.store.state == DEFAULT_STATE

    update("State", "null")
    await on_disk(floor, daemon, None)


# ---------------------------------------------------------------------- Gets


async def test_gets_of_the_non_state_values_are_answered_to_the_asker(floor: Floor) -> None:
    async with service(floor.hub, ENGINE) as engine:
        await online(engine)
        await wait_until(lambda: floor.store.clients.listing(), what="the engine in ConnectedClients")

        shows = await floor.get_wire("Shows")
        current = await floor.get_wire("CurrentShow")
        clients = await floor.get_wire("ConnectedClients")
        cameras = await floor.get_wire("CameraTypes")

    assert shows.raw_topic == b'{"Type":"Update","Target":"LAB9-Probe","Source":"Store","Name":"Shows"}'
    assert shows.body == {"Value": ["Default"]}
    assert current.body == {"Value": "Default"}
    assert clients.body == {"Value": [{"Name": ENGINE, "Role": "Engine"}]}
    assert cameras.body == {"Value": CAMERA_TYPES}


async def test_a_get_of_state_or_a_path_in_it_returns_the_stores_own_state(floor: Floor) -> None:
    whole = await floor.get_wire("State")
    rate = await floor.get_wire("State.General.FrameRate")

    assert whole.body == {"Value": DEFAULT_STATE}
    assert rate.body == {"Value": "50"}
    assert await floor.tool.get("Store", "State.Defaults") == DEFAULT_STATE["Defaults"]


@pytest.mark.parametrize("name", ["NoSuchValue", "State.General.NoSuchSetting", "PersistentState"])
async def test_a_get_of_an_unknown_name_is_answered_with_the_string_null_and_a_log_warning(floor: Floor, name: str) -> None:
    since = floor.probe.mark()
    answer = await floor.get_wire(name)
    warning = await floor.probe.expect(topic(Type="Log", Source="Store"), since=since, what="Log Warning")

    assert answer.body == {"Value": "null"}
    assert warning.raw_topic == b'{"Type":"Log","Target":"BROADCAST","Source":"Store"}'
    assert warning.body["Level"] == "Warning"
    assert name in warning.body["Message"]
    with pytest.raises(ValueMissing):
        await floor.tool.get("Store", name)


# ---------------------------------------------------------------------- the Store's own State


async def test_a_set_of_the_stores_own_state_at_any_path_is_confirmed_stored_and_kept_across_a_store_restart(
    hub: HubEndpoints, tmp_path: Path
) -> None:
    database = tmp_path / "store.sqlite"
    expected = with_changes(DEFAULT_STATE, Cameras__Cam1__Name="Crane", General__FrameRate="25", ThirdParty__Vendor__Flag=True)
    async with store_floor(hub, database) as floor:
        since = floor.probe.mark()
        floor.probe.send({"Type": "Set", "Target": "Store", "Name": "State.Cameras.Cam1.Name"}, {"Value": "Crane"})
        update = await floor.store_update("State.Cameras.Cam1.Name", since)
        assert update.body == {"Value": "Crane"}
        assert (await floor.tool.set("Store", "State.General.FrameRate", "25")).accepted
        assert (await floor.tool.set("Store", "State.ThirdParty.Vendor.Flag", True)).accepted
        assert stored_on_disk(database, "Default", "Store") == expected, "the file must hold the whole State once it is confirmed"
        assert floor.store.state == expected

    async with store_floor(hub, database) as floor:
        assert (await floor.get_wire("State")).body == {"Value": expected}


async def test_a_set_of_the_stores_whole_state_replaces_it(floor: Floor) -> None:
    replacement = {"General": {"FrameRate": "60"}, "Custom": [1, 2]}
    outcome = await floor.tool.set("Store", "State", replacement)

    assert outcome.accepted
    assert stored_on_disk(floor.database, "Default", "Store") == replacement


async def test_a_set_the_store_refuses_is_answered_with_the_value_kept_and_a_log_warning(floor: Floor) -> None:
    since = floor.probe.mark()
    shows = await floor.tool.set("Store", "Shows", ["Hacked"])
    whole = await floor.tool.set("Store", "State", "not an object")
    # The tool has the Updates; the probe, another subscriber, may not have the second Log yet.
    await wait_until(lambda: len(floor.probe.matching(topic(Type="Log", Source="Store"), since)) >= 2, what="both warnings")
    warnings = floor.probe.matching(topic(Type="Log", Source="Store"), since)

    assert shows.confirmed and shows.kept == ["Default"]
    assert whole.confirmed and whole.kept == DEFAULT_STATE
    assert [w.body["Code"] for w in warnings] == ["SetRefused", "SetRefused"]
    assert stored_on_disk(floor.database, "Default", "Store") == DEFAULT_STATE


async def test_a_reset_of_the_store_restores_its_default_state_and_stores_it(floor: Floor) -> None:
    assert (await floor.tool.set("Store", "State.General.FrameRate", "25")).accepted
    since = floor.probe.mark()
    floor.tool.reset("Store")
    update = await floor.store_update("State", since)

    assert update.body == {"Value": DEFAULT_STATE}
    assert stored_on_disk(floor.database, "Default", "Store") == DEFAULT_STATE


# ---------------------------------------------------------------------- ChangeShow


async def test_change_show_switches_every_stateful_service_to_its_state_in_the_new_show_and_back(floor: Floor) -> None:
    tracking_defaults = {"Protocol": "FreeD", "Port": 6301}
    rig_defaults = {"Lens": "Wide", "Height": 1.5}
    engine = service(floor.hub, ENGINE, DEFAULTS)
    tracking = service(floor.hub, TRACKING, tracking_defaults)
    rig = service(floor.hub, RIG, rig_defaults)
    viewer = BusService("LAB4-Viewer", "Viewer", floor.hub, stateful=False, **FAST)  # Self only: no State to push
    day = {ENGINE: with_changes(DEFAULTS, Mode="Day"), TRACKING: with_changes(tracking_defaults, Port=7000), RIG: with_changes(rig_defaults, Height=2.0)}
    rig_evening = {"Lens": "Tele", "Height": 0.5}
    async with running(engine, tracking, rig, viewer):
        await online(engine, tracking, rig)
        engine.update_state("State.Mode", "Day")
        tracking.update_state("State.Port", 7000)
        rig.update_state("State.Height", 2.0)
        for name, state in day.items():
            await on_disk(floor, name, state)
        await floor.tool.store("CreateShow", ShowName="Evening", Project="Studio")
        await floor.tool.store("SetStoredState", Service=RIG, ShowName="Evening", Value=rig_evening)
        await wait_until(lambda: len(floor.store.clients.listing()) == 4, what="four clients")

        since = floor.probe.mark()
        assert await floor.tool.store("ChangeShow", ShowName="Evening") is None
        current = await floor.store_update("CurrentShow", since)
        answers = {name: await floor.answer_to(name, since) for name in (ENGINE, TRACKING, RIG)}
        await wait_until(lambda: engine.state == DEFAULTS and tracking.state == tracking_defaults and rig.state == rig_evening)

        assert current.body == {"Value": "Evening"}
        assert [answers[ENGINE].type, answers[TRACKING].type, answers[RIG].type] == ["Reset", "Reset", "Set"]
        assert answers[RIG].body == {"Value": rig_evening}
        assert all(floor.probe.received.index(current) < floor.probe.received.index(a) for a in answers.values())
        assert floor.probe.matching(lambda w: w.topic.get("Target") == "LAB4-Viewer", since) == []
        assert shows_on_disk(floor.database) == (["Default", "Evening"], "Evening")

        engine.update_state("State.Mode", "Night")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Night"), show="Evening")
        await on_disk(floor, ENGINE, day[ENGINE], show="Default")

        since = floor.probe.mark()
        await floor.tool.store("ChangeShow", ShowName="Default")
        back = {name: await floor.answer_to(name, since) for name in day}
        await wait_until(lambda: {e.name: e.state for e in (engine, tracking, rig)} == day, what="the Default show's States")
        assert all(back[name].body == {"Value": state} for name, state in day.items())

        await floor.tool.store("ChangeShow", ShowName="Evening")
        await wait_until(lambda: engine.state == with_changes(DEFAULTS, Mode="Night") and rig.state == rig_evening)


async def test_the_stores_own_state_belongs_to_the_show_too(floor: Floor) -> None:
    assert (await floor.tool.set("Store", "State.General.FrameRate", "25")).accepted
    await floor.tool.store("CreateShow", ShowName="Evening")

    since = floor.probe.mark()
    await floor.tool.store("ChangeShow", ShowName="Evening")
    evening = await floor.store_update("State", since)
    assert evening.body == {"Value": DEFAULT_STATE}
    assert await floor.tool.get("Store", "State.General.FrameRate") == "50"

    await floor.tool.store("ChangeShow", ShowName="Default")
    assert await floor.tool.get("Store", "State.General.FrameRate") == "25"


async def test_change_show_to_the_current_show_pushes_the_states_again(floor: Floor) -> None:
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Mode", "Live")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live"))
        since = floor.probe.mark()
        await floor.tool.store("ChangeShow", ShowName="Default")
        answer = await floor.answer_to(ENGINE, since)

    assert answer.body == {"Value": with_changes(DEFAULTS, Mode="Live")}
    assert shows_on_disk(floor.database) == (["Default"], "Default")


# ---------------------------------------------------------------------- Failures


async def assert_nothing_changed(floor: Floor, shows: list[str], current: str = "Default") -> None:
    assert await floor.tool.get("Store", "Shows") == shows
    assert await floor.tool.get("Store", "CurrentShow") == current
    assert shows_on_disk(floor.database) == (shows, current)


async def test_change_show_to_a_show_that_does_not_exist_fails_with_show_not_found(floor: Floor) -> None:
    assert await floor.tool.refused("ChangeShow", ShowName="Nope") == "Show not found: Nope"
    await assert_nothing_changed(floor, ["Default"])


BAD_NAMES = ["", "   ", " Padded", "a/b", "a\\b", "a:b", "a*b", "a?b", 'a"b', "a<b", "a>b", "a|b", 7, None]


async def test_create_show_refuses_an_existing_name_and_every_name_a_show_may_not_have(floor: Floor) -> None:
    await floor.tool.store("CreateShow", ShowName="Evening")
    failures = {repr(name): await floor.tool.refused("CreateShow", ShowName=name) for name in ["Evening", "Default", *BAD_NAMES]}

    assert "already exists" in failures["'Evening'"]
    assert "already exists" in failures["'Default'"]
    assert "non-empty" in failures["''"] and "non-empty" in failures["'   '"] and "non-empty" in failures["None"]
    assert "spaces" in failures["' Padded'"]
    for bad in "/\\:*?\"<>|":
        assert f"may not contain {bad}" in failures[repr(f"a{bad}b")]
    await assert_nothing_changed(floor, ["Default", "Evening"])


async def test_create_show_with_template_needs_an_existing_template_and_a_new_valid_name(floor: Floor) -> None:
    assert await floor.tool.refused("CreateShowWithTemplate", ShowName="New", Template="Missing") == "Show not found: Missing"
    assert "already exists" in await floor.tool.refused("CreateShowWithTemplate", ShowName="Default", Template="Default")
    assert "may not contain" in await floor.tool.refused("CreateShowWithTemplate", ShowName="a/b", Template="Default")
    assert "Bad parameters" in await floor.tool.refused("CreateShowWithTemplate", ShowName="New")
    await assert_nothing_changed(floor, ["Default"])


async def test_rename_show_needs_an_existing_source_and_a_free_valid_target(floor: Floor) -> None:
    await floor.tool.store("CreateShow", ShowName="Evening")

    assert await floor.tool.refused("RenameShow", ShowName="Missing", NewShowName="Other") == "Show not found: Missing"
    assert "already exists" in await floor.tool.refused("RenameShow", ShowName="Evening", NewShowName="Default")
    assert "already exists" in await floor.tool.refused("RenameShow", ShowName="Evening", NewShowName="Evening")
    assert "may not contain" in await floor.tool.refused("RenameShow", ShowName="Evening", NewShowName="Eve|ning")
    assert "non-empty" in await floor.tool.refused("RenameShow", ShowName="Evening", NewShowName="")
    await assert_nothing_changed(floor, ["Default", "Evening"])


async def test_delete_show_refuses_the_current_show_and_unknown_shows(floor: Floor) -> None:
    assert "current show" in await floor.tool.refused("DeleteShow", ShowName="Default")
    assert await floor.tool.refused("DeleteShow", ShowName="Missing") == "Show not found: Missing"
    await assert_nothing_changed(floor, ["Default"])


async def test_the_state_of_an_owner_online_in_the_current_show_cannot_be_set_or_removed_behind_its_back(floor: Floor) -> None:
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        await on_disk(floor, ENGINE, DEFAULTS)
        await wait_until(lambda: ENGINE in floor.store.clients, what="the engine in ConnectedClients")

        refusals = [
            await floor.tool.refused("SetStoredState", Service=ENGINE, Value={"Mode": "Hacked"}),
            await floor.tool.refused("SetStoredState", Service=ENGINE, Path="State.Mode", Value="Hacked"),
            await floor.tool.refused("RemoveStoredState", Service=ENGINE),
            await floor.tool.refused("RemoveStoredState", Service=ENGINE, Path="State.Mode"),
            await floor.tool.refused("SetStoredState", Service="Store", Value={}),
            await floor.tool.refused("RemoveStoredState", Service="Store"),
        ]

        assert all("is online and owns its State" in refusal for refusal in refusals), refusals
        assert stored_on_disk(floor.database, "Default", ENGINE) == DEFAULTS
        assert engine.state == DEFAULTS


async def test_stored_state_calls_refuse_unknown_services_shows_paths_and_values_that_are_not_states(floor: Floor) -> None:
    await floor.tool.store("SetStoredState", Service="LAB5-Offline", Value={"Mode": "Idle"})

    assert "No stored State for Nobody" in await floor.tool.refused("GetStoredState", Service="Nobody")
    assert "No value at State.Missing" in await floor.tool.refused("GetStoredState", Service="LAB5-Offline", Path="State.Missing")
    assert "Path must be State" in await floor.tool.refused("GetStoredState", Service="LAB5-Offline", Path="Mode")
    assert await floor.tool.refused("GetStoredState", Service="LAB5-Offline", ShowName="Missing") == "Show not found: Missing"
    assert "must be an object" in await floor.tool.refused("SetStoredState", Service="LAB5-Offline", Value=[1, 2])
    assert "No stored State for Nobody" in await floor.tool.refused("RemoveStoredState", Service="Nobody")
    assert "No value at State.Missing" in await floor.tool.refused("RemoveStoredState", Service="LAB5-Offline", Path="State.Missing")
    assert await floor.tool.refused("ListStoredStates", ShowName="Missing") == "Show not found: Missing"
    assert stored_on_disk(floor.database, "Default", "LAB5-Offline") == {"Mode": "Idle"}


async def test_import_show_refuses_an_existing_name_without_replace_the_current_show_and_anything_but_a_show(floor: Floor) -> None:
    await floor.tool.store("CreateShow", ShowName="Evening")
    document = await floor.tool.store("ExportShow")

    assert "Replace" in await floor.tool.refused("ImportShow", ShowName="Evening", Content=document)
    assert "current show" in await floor.tool.refused("ImportShow", ShowName="Default", Content=document, Replace=True)
    assert "may not contain" in await floor.tool.refused("ImportShow", ShowName="a:b", Content=document)
    for bad in (
        "text",
        [1, 2],
        {"LAB1-Engine": "not a State"},
        {"Format": EXPORT_FORMAT, "Version": 99, "States": {}},
        {"Format": EXPORT_FORMAT, "Version": 1, "States": [1]},
    ):
        failure = await floor.tool.refused("ImportShow", ShowName="Imported", Content=bad)
        assert "exported show" in failure or "version" in failure, (bad, failure)
    await assert_nothing_changed(floor, ["Default", "Evening"])


async def test_an_unknown_call_or_bad_parameters_are_answered_with_a_failure_naming_what_is_offered(floor: Floor) -> None:
    assert "ChangeShow" in await floor.tool.refused("NoSuchMethod")
    assert "Bad parameters for ChangeShow" in await floor.tool.refused("ChangeShow", Show="Default")


# ---------------------------------------------------------------------- show Calls that succeed


async def test_create_rename_and_delete_show_are_stored_and_announced_in_shows(floor: Floor) -> None:
    since = floor.probe.mark()
    await floor.tool.store("CreateShow", ShowName="Evening", Project="P", AutoPull=True, Push=False)
    await floor.tool.store("RenameShow", ShowName="Evening", NewShowName="Late Night")
    await floor.tool.store("CreateShow", ShowName="Spare")
    await floor.tool.store("DeleteShow", ShowName="Spare")
    await wait_until(lambda: len(floor.from_store("Shows", since)) == 4, what="four Updates of Shows")

    assert [w.body["Value"] for w in floor.from_store("Shows", since)] == [
        ["Default", "Evening"],
        ["Default", "Late Night"],
        ["Default", "Late Night", "Spare"],
        ["Default", "Late Night"],
    ]
    assert shows_on_disk(floor.database) == (["Default", "Late Night"], "Default")
    assert floor.from_store("CurrentShow", since) == [], "renaming another show leaves CurrentShow alone"


async def test_renaming_the_current_show_announces_the_new_current_show_and_keeps_every_state(floor: Floor) -> None:
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Mode", "Live")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live"))
        since = floor.probe.mark()
        await floor.tool.store("RenameShow", ShowName="Default", NewShowName="Main")
        current = await floor.store_update("CurrentShow", since)
        engine.update_state("State.Gain.Left", 4)  # stored under the new name
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live", Gain__Left=4), show="Main")

    assert current.body == {"Value": "Main"}
    assert shows_on_disk(floor.database) == (["Main"], "Main")


async def test_a_show_created_from_a_template_starts_as_a_copy_that_changes_on_its_own(floor: Floor) -> None:
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Mode", "Live")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live"))
        await floor.tool.store("CreateShowWithTemplate", ShowName="Copy", Template="Default", Move=True)
        pushed: list[str] = []
        engine.state_changed.connect(pushed.append)
        await floor.tool.store("ChangeShow", ShowName="Copy")
        await wait_until(lambda: pushed == ["State"], what="the copy's State pushed to the engine")  # the same values: only the signal tells
        engine.update_state("State.Mode", "InCopy")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="InCopy"), show="Copy")

    assert stored_on_disk(floor.database, "Default", ENGINE) == with_changes(DEFAULTS, Mode="Live")


# ---------------------------------------------------------------------- stored States (our Calls)


async def test_a_state_set_for_an_offline_service_is_what_it_gets_when_it_comes_online(floor: Floor) -> None:
    prepared = {"Mode": "Prepared", "Gain": {"Left": 9, "Right": 9}}
    await floor.tool.store("SetStoredState", Service=ENGINE, Value=prepared)
    await floor.tool.store("SetStoredState", Service=ENGINE, Path="State.Gain.Left", Value=3)
    listing = await floor.tool.store("ListStoredStates")
    assert {"Service": ENGINE, "Online": False, "Keys": 3} in listing

    since = floor.probe.mark()
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        answer = await floor.answer_to(ENGINE, since)
        await online(engine)
        await wait_until(lambda: ENGINE in floor.store.clients)
        listing = await floor.tool.store("ListStoredStates")

    assert answer.body == {"Value": {"Mode": "Prepared", "Gain": {"Left": 3, "Right": 9}}}
    assert {"Service": ENGINE, "Online": True, "Keys": 3} in listing


async def test_stored_states_of_another_show_can_be_read_written_and_removed_while_their_owners_are_online(floor: Floor) -> None:
    await floor.tool.store("CreateShow", ShowName="Evening")
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        await floor.tool.store("SetStoredState", Service=ENGINE, ShowName="Evening", Value={"Mode": "Night", "Gain": {"Left": 2}})
        await floor.tool.store("SetStoredState", Service=RIG, ShowName="Evening", Path="State.Lens.Kind", Value="Tele")
        assert await floor.tool.store("GetStoredState", Service=ENGINE, ShowName="Evening", Path="State.Gain.Left") == 2
        await floor.tool.store("RemoveStoredState", Service=ENGINE, ShowName="Evening", Path="State.Gain")
        await floor.tool.store("RemoveStoredState", Service=RIG, ShowName="Evening")

        assert await floor.tool.store("ListStoredStates", ShowName="Evening") == [{"Service": ENGINE, "Online": False, "Keys": 1}]
        assert stored_on_disk(floor.database, "Evening", ENGINE) == {"Mode": "Night"}
        assert stored_on_disk(floor.database, "Evening", RIG) is None
        assert engine.state == DEFAULTS, "a service's State in another show does not touch it now"


async def test_an_exported_show_imported_under_a_new_name_is_the_same_show(floor: Floor) -> None:
    async with service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Mode", "Live")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live"))
        await floor.tool.set("Store", "State.General.FrameRate", "25")
        await floor.tool.store("SetStoredState", Service="LAB5-Offline", Value={"Files": {"scene.usd": [1, {}]}})
        document = await floor.tool.store("ExportShow", ShowName="Default")

        since = floor.probe.mark()
        await floor.tool.store("ImportShow", ShowName="Imported", Content=document)
        shows = await floor.store_update("Shows", since)
        exported_again = await floor.tool.store("ExportShow", ShowName="Imported")

        since = floor.probe.mark()
        await floor.tool.store("ChangeShow", ShowName="Imported")
        answer = await floor.answer_to(ENGINE, since)

    assert document["Format"] == EXPORT_FORMAT and document["Version"] == 1 and document["Show"] == "Default"
    assert set(document["States"]) == {ENGINE, "Store", "LAB5-Offline"}
    assert shows.body == {"Value": ["Default", "Imported"]}
    assert exported_again["States"] == document["States"]
    assert answer.body == {"Value": with_changes(DEFAULTS, Mode="Live")}
    assert await floor.tool.get("Store", "State.General.FrameRate") == "25"
    for name, state in document["States"].items():
        assert stored_on_disk(floor.database, "Imported", name) == state


async def test_import_with_replace_makes_another_show_exactly_the_imported_one(floor: Floor) -> None:
    await floor.tool.store("CreateShow", ShowName="Evening")
    await floor.tool.store("SetStoredState", Service="LAB6-Old", ShowName="Evening", Value={"Gone": True})

    await floor.tool.store("ImportShow", ShowName="Evening", Content={ENGINE: {"Mode": "Bare"}}, Replace=True)

    assert (await floor.tool.store("ExportShow", ShowName="Evening"))["States"] == {ENGINE: {"Mode": "Bare"}}
    assert stored_on_disk(floor.database, "Evening", "LAB6-Old") is None
    assert stored_on_disk(floor.database, "Evening", ENGINE) == {"Mode": "Bare"}


# ---------------------------------------------------------------------- ConnectedClients


async def test_services_joining_are_announced_in_connected_clients_and_dropped_after_three_missed_identify_rounds(
    floor: Floor,
) -> None:
    engine = service(floor.hub, ENGINE)
    viewer = BusService("LAB4-Viewer", "Viewer", floor.hub, stateful=False, **FAST)
    since = floor.probe.mark()
    async with running(engine, viewer):
        both = [{"Name": ENGINE, "Role": "Engine"}, {"Name": "LAB4-Viewer", "Role": "Viewer"}]
        await wait_until(lambda: any(w.body["Value"] == both for w in floor.from_store("ConnectedClients", since)), what="both listed")
        joins = [w.body["Value"] for w in floor.from_store("ConnectedClients", since)]

        since = floor.probe.mark()
        await engine.stop()
        stopped = time.monotonic()
        left = await floor.probe.expect(
            lambda w: w.is_(Type="Update", Source="Store", Name="ConnectedClients") and ENGINE not in str(w.body),
            since=since,
            timeout=3.0,
            what="the engine dropped",
        )

    assert joins[0] in ([{"Name": ENGINE, "Role": "Engine"}], [{"Name": "LAB4-Viewer", "Role": "Viewer"}])
    assert joins[-1] == both
    assert left.body == {"Value": [{"Name": "LAB4-Viewer", "Role": "Viewer"}]}
    # Three Identify rounds go unanswered first: more than two periods, and not many more than three.
    assert 1.8 * PERIOD < left.at - stopped < 3 * PERIOD + 1.0, left.at - stopped


async def test_a_client_answering_every_identify_stays_listed_and_unchanged_lists_are_not_rebroadcast(floor: Floor) -> None:
    async with service(floor.hub, ENGINE) as engine:
        await online(engine)
        since = floor.probe.mark()
        identifies = lambda: len(floor.probe.matching(topic(Type="Identify"), since))  # noqa: E731
        await wait_until(lambda: identifies() >= 8, what="eight Identify rounds")

        assert floor.from_store("ConnectedClients", since) == []
        assert floor.store.clients.listing() == [{"Name": ENGINE, "Role": "Engine"}]


# ---------------------------------------------------------------------- Store restart


async def test_after_a_store_restart_fault_services_send_startup_again_and_get_their_state(
    hub: HubEndpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "IDENTIFY_GAP_S", 0.6)
    async with store_floor(hub, tmp_path / "store.sqlite") as floor, service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Mode", "Live")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live"))
        await floor.tool.reach("StoreFaults")
        await wait_until(lambda: engine.last_identify is not None, what="the engine's first Identify")  # a gap needs a beat before it

        since = floor.probe.mark()
        asked = time.monotonic()
        await floor.tool.call("StoreFaults", "Restart", {"PauseS": 1.0})
        cleared = await floor.tool.get("Store", "ConnectedClients")
        startup = await floor.probe.expect(topic(Type="Startup", Source=ENGINE), since=since, timeout=5.0, what="Startup again")
        answer = await floor.answer_to(ENGINE, since)
        rejoined = await floor.probe.expect(
            lambda w: w.is_(Type="Update", Source="Store", Name="ConnectedClients") and ENGINE in str(w.body), since=since
        )
        beats = [w.at for w in floor.probe.matching(topic(Type="Identify"))]
        resumed = next(later for earlier, later in zip(beats, beats[1:]) if later - earlier >= 0.95)

    assert cleared == []
    assert resumed - asked >= 0.95, "Identify paused for PauseS"
    assert startup.at >= resumed, "Startup again once the heartbeat came back after the gap"
    assert answer.body == {"Value": with_changes(DEFAULTS, Mode="Live")}
    assert {"Name": ENGINE, "Role": "Engine"} in rejoined.body["Value"]
    await wait_until(lambda: floor.store.clients.listing() == [{"Name": ENGINE, "Role": "Engine"}, {"Name": "StoreFaults", "Role": "Simulator"}])


async def test_a_store_started_again_on_the_same_file_answers_the_services_new_startup_with_their_stored_state(
    hub: HubEndpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "IDENTIFY_GAP_S", 0.5)
    database = tmp_path / "store.sqlite"
    engine = service(hub, ENGINE, DEFAULTS)
    try:
        async with store_floor(hub, database) as first:
            await engine.start()
            await online(engine)
            engine.update_state("State.Gain.Right", 5)
            await first.tool.store("CreateShow", ShowName="Evening")
            await on_disk(first, ENGINE, with_changes(DEFAULTS, Gain__Right=5))
            await wait_until(lambda: engine.last_identify is not None, what="the engine's first Identify")
        # The Store is down: wait (on the service's own clock) until its heartbeat gap is long enough to count.
        await wait_until(lambda: time.monotonic() - engine.last_identify > 0.6, what="an Identify gap")  # type: ignore[operator]

        async with store_floor(hub, database) as second:
            since = 0
            answer = await second.answer_to(ENGINE, since)
            await wait_until(lambda: ENGINE in second.store.clients and second.store.clients.stateful_names() == [ENGINE])

            assert answer.body == {"Value": with_changes(DEFAULTS, Gain__Right=5)}
            assert await second.tool.get("Store", "Shows") == ["Default", "Evening"]
            assert await second.tool.store("GetStoredState", Service=ENGINE) == with_changes(DEFAULTS, Gain__Right=5)
    finally:
        await engine.stop()


async def test_a_startup_that_arrives_on_the_wire_is_answered_even_from_a_plain_pyzmq_peer(floor: Floor) -> None:
    """A third-party service reading only bus.md: Startup with canonical bytes gets Reset, then Set once it has a State."""
    name = "VENDOR-Widget"
    async with WirePeer(floor.hub.publish_to, floor.hub.subscribe_to, name, [f'{{"Type":"Reset","Target":"{name}"', f'{{"Type":"Set","Target":"{name}"']) as peer:
        startup = lambda: peer.send_text(f'{{"Type":"Startup","Target":"Store","Source":"{name}"}}', '{"Role":"Widget"}')  # noqa: E731
        reset = await peer.ask(startup, topic(Type="Reset"), what="Reset")
        peer.send_text(f'{{"Type":"Update","Target":"BROADCAST","Source":"{name}","Name":"State"}}', '{"Value":{"Colour":"Red"}}')
        await on_disk(floor, name, {"Colour": "Red"})
        since = peer.mark()
        startup()
        set_ = await peer.expect(topic(Type="Set"), since=since, what="Set")

    assert reset.raw_topic == f'{{"Type":"Reset","Target":"{name}"}}'.encode()
    assert set_.raw_topic == f'{{"Type":"Set","Target":"{name}","Name":"State"}}'.encode()
    assert set_.body == {"Value": {"Colour": "Red"}}


async def test_a_service_known_only_by_its_self_after_a_quick_store_restart_still_gets_its_state_on_change_show(
    hub: HubEndpoints, tmp_path: Path
) -> None:
    """The Store came back within the 6 s gap, so the service sent Self, not Startup: it still keeps State."""
    async with store_floor(hub, tmp_path / "store.sqlite", fault_control=False) as floor, service(floor.hub, ENGINE, DEFAULTS) as engine:
        await online(engine)
        engine.update_state("State.Mode", "Live")
        await on_disk(floor, ENGINE, with_changes(DEFAULTS, Mode="Live"))
        floor.store.clients.clear()  # what a restart forgets
        await wait_until(lambda: ENGINE in floor.store.clients, what="the engine back through its Self")
        await floor.tool.store("CreateShow", ShowName="Evening")
        await floor.tool.store("ChangeShow", ShowName="Evening")
        await wait_until(lambda: engine.state == DEFAULTS, what="the engine reset for Evening")
        await floor.tool.store("ChangeShow", ShowName="Default")
        await wait_until(lambda: engine.state["Mode"] == "Live", what="the engine's State for Default pushed back")
