"""A service coming online: Identify → Self, Startup → Set/Reset → Update, retries (bus.md §4, §6).

The Store is played by `FakeStore`, a plain-pyzmq peer speaking the real protocol.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from backend.bus import service as service_module
from backend.bus.endpoints import HubEndpoints
from backend.bus.service import BusService, StoreLink
from tests.backend.wire_peers import FakeStore, WirePeer, topic
from tests.helpers import wait_until

NAME = "LAB1-Tester"
DEFAULTS = {"Mode": "Idle", "Gain": {"Left": 1, "Right": 1}}
UPDATE_OF_STATE = b'{"Type":"Update","Target":"BROADCAST","Source":"LAB1-Tester","Name":"State"}'


@pytest.fixture
async def store(hub: HubEndpoints) -> AsyncIterator[FakeStore]:
    peer = FakeStore.on(hub)
    await peer.start()
    yield peer
    await peer.stop()


def make_service(hub: HubEndpoints, **options: object) -> BusService:
    options = {"identify_wait": 0.3, "startup_retry": 0.25, "startup_attempts": 3, **options}
    return BusService(NAME, "Tester", hub, default_state=DEFAULTS, **options)  # type: ignore[arg-type]


async def test_a_service_answers_identify_with_self_addressed_to_the_asker(hub: HubEndpoints, store: FakeStore) -> None:
    async with make_service(hub, stateful=False):
        self_message = await store.ask(store.identify, topic(Type="Self", Source=NAME), what="Self")

    assert self_message.raw_topic == b'{"Type":"Self","Target":"Store","Source":"LAB1-Tester"}'
    assert self_message.body == {"Role": "Tester"}


async def test_self_goes_to_whichever_service_the_identify_names_in_respond_to(hub: HubEndpoints) -> None:
    async with WirePeer(hub.publish_to, hub.subscribe_to, "Backup-Store", ['{"Type":"Self","Target":"Backup-Store"']) as backup:
        async with make_service(hub, stateful=False):
            answer = await backup.ask(
                lambda: backup.send({"Type": "Identify", "Target": "BROADCAST", "RespondTo": "Backup-Store"}),
                topic(Type="Self", Source=NAME),
                what="Self",
            )

    assert answer.topic == {"Type": "Self", "Target": "Backup-Store", "Source": NAME}
    assert answer.body == {"Role": "Tester"}


async def test_a_stateful_service_sends_startup_as_soon_as_the_first_identify_arrives(hub: HubEndpoints, store: FakeStore) -> None:
    store.answer_startup = False
    store.start_heartbeat(period=0.05)
    started = time.monotonic()
    async with make_service(hub, identify_wait=5.0):
        startup = await store.expect(topic(Type="Startup", Source=NAME), what="Startup")

    assert startup.at - started < 2.0, "Startup waited for the 5 s fallback although Identify was ticking"
    assert startup.raw_topic == b'{"Type":"Startup","Target":"Store","Source":"LAB1-Tester"}'
    assert startup.body == {"Role": "Tester"}


async def test_with_no_identify_a_stateful_service_sends_startup_after_half_a_second(hub: HubEndpoints, store: FakeStore) -> None:
    started = time.monotonic()
    async with make_service(hub, identify_wait=0.5):
        startup = await store.expect(topic(Type="Startup", Source=NAME), what="Startup")

    assert 0.45 <= startup.at - started < 3.0


async def test_a_stateless_service_comes_online_with_self_not_startup(hub: HubEndpoints, store: FakeStore) -> None:
    async with make_service(hub, stateful=False, identify_wait=0.2):
        await store.expect(topic(Type="Self", Source=NAME), what="Self")
        assert store.startups(NAME) == []


async def test_an_unanswered_startup_is_resent_then_the_service_runs_on_defaults_and_reports_the_store_not_answering(
    hub: HubEndpoints, store: FakeStore
) -> None:
    store.answer_startup = False
    service = make_service(hub, identify_wait=0.5, startup_retry=0.25, startup_attempts=3)
    async with service:
        defaults_update = await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE, timeout=5.0, what="Update of State")
        await wait_until(lambda: service.store_link == StoreLink.NOT_ANSWERING, what="NOT_ANSWERING")
        # Bounded wait to prove that no fourth Startup follows the last attempt.
        await asyncio.sleep(0.6)
        startups = store.startups(NAME)

    assert len(startups) == 3
    gaps = [later.at - earlier.at for earlier, later in zip(startups, startups[1:])]
    assert all(gap >= 0.12 for gap in gaps), gaps  # resent after the retry interval, not at once
    assert defaults_update.at >= startups[-1].at
    assert defaults_update.body == {"Value": DEFAULTS}
    assert service.state == DEFAULTS


async def test_the_stores_set_of_state_is_applied_and_answered_with_an_update_of_state(hub: HubEndpoints, store: FakeStore) -> None:
    stored = {"Mode": "Live", "Gain": {"Left": 3, "Right": 4}}
    store.states[NAME] = stored
    service = make_service(hub)
    async with service:
        update = await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE, what="Update of State")
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED")

        assert update.body == {"Value": stored}
        assert service.state == stored
        assert len(store.startups(NAME)) == 1


async def test_the_stores_reset_restores_the_defaults_and_is_answered_with_an_update_of_state(
    hub: HubEndpoints, store: FakeStore
) -> None:
    store.states[NAME] = {"Mode": "Live", "Gain": {"Left": 3, "Right": 4}}
    service = make_service(hub)
    async with service:
        # The Update of the stored State must be in before the mark, or it would pass for the answer to the Reset.
        await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE and w.body["Value"].get("Mode") == "Live", what="Update of the stored State")
        since = store.mark()
        store.send({"Type": "Reset", "Target": NAME})
        update = await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE, since=since, what="Update after Reset")

        assert update.body == {"Value": DEFAULTS}
        assert service.state == DEFAULTS


async def test_a_reset_as_the_answer_to_startup_means_no_saved_state_and_the_service_runs_on_defaults(
    hub: HubEndpoints, store: FakeStore
) -> None:
    service = make_service(hub)
    async with service:
        update = await store.expect(lambda w: w.raw_topic == UPDATE_OF_STATE, what="Update of State")
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED")

    assert update.body == {"Value": DEFAULTS}
    assert len(store.startups(NAME)) == 1


async def test_startup_goes_out_again_when_the_stores_heartbeat_resumes_after_a_gap(
    hub: HubEndpoints, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "IDENTIFY_GAP_S", 0.5)
    store.start_heartbeat(period=0.05)
    service = make_service(hub)
    async with service:
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED")
        store.stop_heartbeat()
        await wait_until(lambda: service.store_link == StoreLink.SILENT, timeout=4.0, what="the Store marked silent")
        assert len(store.startups(NAME)) == 1

        since = store.mark()
        store.start_heartbeat(period=0.05)
        await store.expect(topic(Type="Startup", Source=NAME), since=since, what="Startup after the gap")
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED again")


async def test_a_steady_heartbeat_never_causes_another_startup(
    hub: HubEndpoints, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "IDENTIFY_GAP_S", 0.5)
    store.start_heartbeat(period=0.05)
    service = make_service(hub)
    async with service:
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED")
        # Bounded wait to prove that Identify ticking faster than the gap announces nothing new.
        await asyncio.sleep(1.2)

    assert len(store.startups(NAME)) == 1


async def test_a_service_that_gave_up_on_the_store_announces_again_when_the_first_identify_arrives(
    hub: HubEndpoints, store: FakeStore
) -> None:
    store.answer_startup = False
    service = make_service(hub, identify_wait=0.2, startup_retry=0.15, startup_attempts=2)
    async with service:
        await wait_until(lambda: service.store_link == StoreLink.NOT_ANSWERING, what="NOT_ANSWERING")
        store.answer_startup = True
        store.states[NAME] = {"Mode": "Late", "Gain": {"Left": 0, "Right": 0}}
        store.start_heartbeat(period=0.05)
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED once the Store appeared")

    assert service.state["Mode"] == "Late"
    assert len(store.startups(NAME)) == 3
