"""The Store's faults, switched at run time through the `StoreFaults` service (bus.md §10.6),
each seen from the outside: by services, by a tool making Calls and by a plain-pyzmq probe."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.bus import service as service_module
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallFailed, CallTimeout, GetTimeout
from backend.bus.service import BusService, StoreLink
from backend.bus.store.store_faults import LATE_STARTUP_S
from tests.backend.bus.store.store_floor import PERIOD, Floor, online, service, store_floor, stored_on_disk
from tests.backend.wire_peers import WirePeer, topic
from tests.helpers import wait_until

ENGINE = "LAB1-Engine"
NORMAL = {"Silent": False, "StartupAnswer": "Normal", "CallResult": "Normal", "MalformedOutput": False}


@pytest.fixture
async def floor(hub: HubEndpoints, tmp_path: Path) -> AsyncIterator[Floor]:
    async with store_floor(hub, tmp_path / "store.sqlite") as running:
        await running.tool.reach("StoreFaults")
        yield running


async def fault(floor: Floor, name: str, value: object) -> dict:
    return await floor.tool.call("StoreFaults", "SetFault", {"Name": name, "Value": value})


async def clear(floor: Floor) -> dict:
    return await floor.tool.call("StoreFaults", "ClearFaults")


def identifies(floor: Floor, since: int) -> int:
    return len(floor.probe.matching(topic(Type="Identify"), since))


# ---------------------------------------------------------------------- the control service


async def test_faults_are_set_read_and_cleared_through_the_store_faults_service(floor: Floor) -> None:
    assert await floor.tool.call("StoreFaults", "GetFaults") == NORMAL
    after_set = await fault(floor, "CallResult", "NoID")
    await fault(floor, "MalformedOutput", True)

    assert after_set == {**NORMAL, "CallResult": "NoID"}
    assert await floor.tool.call("StoreFaults", "GetFaults") == {**NORMAL, "CallResult": "NoID", "MalformedOutput": True}
    assert await clear(floor) == NORMAL
    assert floor.store.faults.as_dict() == NORMAL


@pytest.mark.parametrize(
    ("name", "value", "failure"),
    [
        ("Loud", True, "Unknown fault Loud"),
        ("Silent", "yes", "Silent must be true or false"),
        ("StartupAnswer", "Sometimes", "StartupAnswer must be one of Normal, Late, Never"),
        ("CallResult", "Maybe", "CallResult must be one of Normal, Failure, NoID, Never"),
    ],
)
async def test_a_fault_that_does_not_exist_or_a_wrong_value_is_refused_and_nothing_changes(
    floor: Floor, name: str, value: object, failure: str
) -> None:
    with pytest.raises(CallFailed) as refused:
        await fault(floor, name, value)

    assert failure in str(refused.value.failure)
    assert floor.store.faults.as_dict() == NORMAL


async def test_restart_refuses_a_pause_that_is_not_a_number_of_seconds(floor: Floor) -> None:
    for pause in (-1, 601, "10", True):
        with pytest.raises(CallFailed, match="PauseS must be a number"):
            await floor.tool.call("StoreFaults", "Restart", {"PauseS": pause})


# ---------------------------------------------------------------------- Silent


async def test_a_silent_store_sends_no_identify_and_answers_nothing_yet_keeps_storing_updates(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "IDENTIFY_GAP_S", 0.5)
    async with service(floor.hub, ENGINE) as engine:
        await online(engine)
        await wait_until(lambda: engine.last_identify is not None, what="a first Identify")
        await fault(floor, "Silent", True)
        await wait_until(lambda: engine.store_link == StoreLink.SILENT, timeout=3.0, what="the engine seeing a silent Store")
        since = floor.probe.mark()  # after the gap: an Identify sent just before the fault cannot count
        with pytest.raises(GetTimeout):
            await floor.tool.get("Store", "Shows", timeout=3 * PERIOD)
        with pytest.raises(CallTimeout):
            await floor.tool.call("Store", "ListStoredStates", timeout=3 * PERIOD)
        engine.update_state("State.Mode", "Live")  # the Store still listens
        await wait_until(lambda: (stored_on_disk(floor.database, "Default", ENGINE) or {}).get("Mode") == "Live")
        assert identifies(floor, since) == 0
        assert floor.probe.matching(lambda w: w.topic.get("Source") == "Store" or w.type == "Identify", since) == []

        await clear(floor)
        await wait_until(lambda: identifies(floor, since) > 0, what="Identify again")
        assert await floor.tool.get("Store", "Shows") == ["Default"]


async def test_a_service_coming_online_while_the_store_is_silent_reports_it_not_answering_then_joins_once_it_speaks(
    floor: Floor,
) -> None:
    await fault(floor, "Silent", True)
    engine = service(floor.hub, ENGINE, startup_retry=0.2, startup_attempts=3)
    async with engine:
        await wait_until(lambda: engine.store_link == StoreLink.NOT_ANSWERING, what="NOT_ANSWERING")
        assert engine.state == {"Mode": "Idle", "Gain": {"Left": 1, "Right": 1}}, "it runs on its defaults"

        await clear(floor)
        await online(engine)


# ---------------------------------------------------------------------- StartupAnswer


async def test_a_late_startup_answer_comes_after_the_service_has_already_resent_its_startup(floor: Floor) -> None:
    await fault(floor, "StartupAnswer", "Late")
    since = floor.probe.mark()
    engine = service(floor.hub, ENGINE, startup_retry=3.0, startup_attempts=5)  # the production retry
    async with engine:
        answer = await floor.answer_to(ENGINE, since, timeout=10.0)
        await online(engine)
        startups = floor.probe.matching(topic(Type="Startup", Source=ENGINE), since)

    assert answer.at - startups[0].at >= LATE_STARTUP_S - 0.05
    assert len(startups) >= 2 and startups[1].at < answer.at, "the service resent Startup before the late answer came"
    assert startups[1].at - startups[0].at >= 2.9


async def test_a_startup_never_answered_leaves_the_service_on_its_defaults_reporting_the_store_not_answering(
    floor: Floor,
) -> None:
    await floor.tool.store("SetStoredState", Service=ENGINE, Value={"Mode": "Stored"})
    await fault(floor, "StartupAnswer", "Never")
    since = floor.probe.mark()
    engine = service(floor.hub, ENGINE, startup_retry=0.2, startup_attempts=3)
    async with engine:
        await wait_until(lambda: engine.store_link == StoreLink.NOT_ANSWERING, what="NOT_ANSWERING")
        await wait_until(lambda: ENGINE in floor.store.clients, what="listed all the same")

        assert len(floor.probe.matching(topic(Type="Startup", Source=ENGINE), since)) == 3
        assert floor.probe.matching(lambda w: w.topic.get("Target") == ENGINE, since) == []
        assert engine.state["Mode"] == "Idle"


# ---------------------------------------------------------------------- CallResult


async def test_with_call_result_failure_every_call_is_refused_and_none_takes_effect(floor: Floor) -> None:
    await fault(floor, "CallResult", "Failure")

    with pytest.raises(CallFailed, match="Injected failure"):
        await floor.tool.store("CreateShow", ShowName="Evening")
    with pytest.raises(CallFailed, match="Injected failure"):
        await floor.tool.store("ListStoredStates")

    await clear(floor)
    assert await floor.tool.get("Store", "Shows") == ["Default"]


async def test_with_call_result_no_id_the_answer_lacks_its_id_and_is_still_matched_by_method_and_callee(floor: Floor) -> None:
    await fault(floor, "CallResult", "NoID")
    prefix = '{"Type":"CallResult","Target":"LAB8-Raw"'
    async with WirePeer(floor.hub.publish_to, floor.hub.subscribe_to, "LAB8-Raw", [prefix]) as raw:
        raw.send({"Type": "Call", "Target": "Store", "RespondTo": "LAB8-Raw", "Method": "ListStoredStates", "ID": "cafe0000-1"}, {})
        reply = await raw.expect(topic(Type="CallResult"), what="CallResult")

    assert reply.raw_topic == b'{"Type":"CallResult","Target":"LAB8-Raw","ExecutedOn":"Store","Method":"ListStoredStates"}'
    assert reply.body == {"Result": await floor.tool.store("ListStoredStates")}  # matched without an ID (bus.md §8)
    assert [entry["Service"] for entry in reply.body["Result"]] == ["Store"]
    assert await floor.tool.store("CreateShow", ShowName="Evening") is None
    assert await floor.tool.get("Store", "Shows") == ["Default", "Evening"]


async def test_with_call_result_never_calls_time_out_though_they_take_effect(floor: Floor) -> None:
    await fault(floor, "CallResult", "Never")
    since = floor.probe.mark()

    with pytest.raises(CallTimeout):
        await floor.tool.call("Store", "CreateShow", {"ShowName": "Evening"}, timeout=0.5)
    with pytest.raises(CallTimeout):
        await floor.tool.call("Store", "ChangeShow", {"ShowName": "Nope"}, timeout=0.5)  # refused, and not told either

    assert (await floor.store_update("Shows", since)).body == {"Value": ["Default", "Evening"]}
    await clear(floor)
    assert await floor.tool.store("RenameShow", ShowName="Evening", NewShowName="Late") is None


# ---------------------------------------------------------------------- MalformedOutput


async def test_malformed_output_is_counted_by_listeners_and_reordered_topics_still_parse(floor: Floor) -> None:
    listener = BusService("LAB7-Listener", "Listener", floor.hub, stateful=False, announce=False)
    everything = WirePeer(floor.hub.publish_to, floor.hub.subscribe_to, "LAB7-Everything", [""])
    async with listener, everything:
        await wait_until(lambda: floor.probe.matching(topic(Type="Identify")), what="the Store's heartbeat")
        await fault(floor, "MalformedOutput", True)
        since = everything.mark()
        await wait_until(lambda: listener.connection.stats.malformed_total >= 2, what="malformed messages counted")
        async with service(floor.hub, ENGINE, identify_wait=0.05) as engine:  # a join makes the Store announce ConnectedClients
            joined = await everything.expect(
                lambda w: w.topic.get("Name") == "ConnectedClients" and w.topic.get("Type") == "Update",
                since=since,
                what="a ConnectedClients Update",
            )
            await clear(floor)
            cleared_at = floor.probe.mark()
            await wait_until(lambda: identifies(floor, cleared_at) >= 1, what="a canonical Identify again")
            await online(engine)

    assert list(joined.topic) == ["Name", "Source", "Target", "Type"], "same keys, non-canonical order"
    assert joined.topic == {"Type": "Update", "Target": "BROADCAST", "Source": "Store", "Name": "ConnectedClients"}
    assert {"Name": ENGINE, "Role": "Engine"} in joined.body["Value"]
    assert set(listener.connection.stats.malformed) >= {"frame-count"}
    assert any(w.raw_topic.startswith(b'{"RespondTo":"Store"') for w in everything.received[since:]), "reordered Identify"


async def test_identify_keeps_its_period_and_restart_pauses_it_for_the_time_asked(floor: Floor) -> None:
    since = floor.probe.mark()
    await wait_until(lambda: identifies(floor, since) >= 6, what="six Identify rounds")
    beats = [w.at for w in floor.probe.matching(topic(Type="Identify"), since)]
    gaps = [later - earlier for earlier, later in zip(beats, beats[1:])]
    # The median, not every gap: one late beat on a loaded machine is not a changed period.
    assert 0.5 * PERIOD < statistics.median(gaps) < 2 * PERIOD, gaps

    asked = time.monotonic()
    await floor.tool.call("StoreFaults", "Restart", {"PauseS": 0.8})

    def resumed() -> float | None:
        beats = [w.at for w in floor.probe.matching(topic(Type="Identify"))]
        return next((later for earlier, later in zip(beats, beats[1:]) if later - earlier >= 0.75), None)

    await wait_until(lambda: resumed() is not None, timeout=3.0, what="Identify after a pause")
    assert resumed() - asked >= 0.75  # type: ignore[operator]
