"""The hub goes away and comes back on the same ports (bus.md §6.8, §9).

ZeroMQ reconnects by itself without telling the application; the service must notice
through its socket monitors, fail what it was waiting for at once, announce itself
again with Startup and read every watched value again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallTimeout, HubLost
from backend.bus.hub import Hub
from backend.bus.service import BusService, StoreLink
from tests.backend.wire_peers import FakeStore, free_port_pair, topic
from tests.helpers import wait_until

NAME = "LAB1-Tester"


class RestartableHub:
    """A hub on fixed free ports that a test can stop and start again on the same ports."""

    def __init__(self) -> None:
        self.endpoints = HubEndpoints("127.0.0.1", *free_port_pair())
        self.hub: Hub | None = None

    def start(self) -> HubEndpoints:
        self.hub = Hub(self.endpoints)
        return self.hub.start()

    def stop(self) -> None:
        if self.hub is not None:
            self.hub.stop()
            self.hub = None


@pytest.fixture
def restartable_hub() -> Iterator[RestartableHub]:
    hub = RestartableHub()
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def service_tasks(service: BusService) -> set[str]:
    """Names of the live asyncio tasks this service (and its connection) own."""
    return {t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith(service.name) and not t.done()}


async def test_after_a_hub_restart_the_service_announces_itself_again_and_rereads_watched_values(
    restartable_hub: RestartableHub,
) -> None:
    endpoints = restartable_hub.endpoints
    store = FakeStore.on(endpoints)
    store.values["CurrentShow"] = "Morning"
    await store.start()
    service = BusService(NAME, "Tester", endpoints, default_state={"Mode": "Idle"}, identify_wait=0.2, startup_retry=0.3)
    seen: list[object] = []
    service.watch("Store", "CurrentShow", seen.append)
    try:
        await service.start()
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED and seen[-1:] == ["Morning"], what="online, watch read")
        assert len(store.startups(NAME)) == 1

        restartable_hub.stop()
        await wait_until(lambda: not service.hub_linked, timeout=5.0, what="the service noticing the hub is gone")
        store.values["CurrentShow"] = "Evening"
        since = store.mark()
        restartable_hub.start()

        await store.expect(topic(Type="Startup", Source=NAME), since=since, timeout=10.0, what="Startup after the restart")
        await wait_until(lambda: seen[-1] == "Evening", timeout=10.0, what="the watched value read again")
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED, what="ANSWERED after the restart")
        assert service.hub_linked
        await wait_until(
            lambda: service_tasks(service) == {f"{NAME}-identify-watchdog", f"{NAME}-reader", f"{NAME}-pub-monitor", f"{NAME}-sub-monitor"},
            what="only the long-lived tasks left (no Startup or watch task stuck)",
        )
    finally:
        await asyncio.wait_for(service.stop(), 5.0)
        await store.stop()
    assert service_tasks(service) == set()


async def test_a_pending_call_fails_at_once_with_hub_lost_when_the_hub_goes_away(restartable_hub: RestartableHub) -> None:
    service = BusService(NAME, "Tester", restartable_hub.endpoints, stateful=False, identify_wait=0.1)
    async with service:
        await wait_until(lambda: service.hub_linked, what="linked")
        call = asyncio.create_task(service.call("LAB1-Nobody", "Anything", timeout=30.0))
        get = asyncio.create_task(service.get("LAB1-Nobody", "State.Anything", timeout=30.0))
        await asyncio.sleep(0)
        lost_at = time.monotonic()
        restartable_hub.stop()

        with pytest.raises(HubLost):
            await asyncio.wait_for(call, 10.0)
        with pytest.raises(HubLost):
            await asyncio.wait_for(get, 10.0)
        assert time.monotonic() - lost_at < 5.0


async def test_a_call_made_after_the_hub_came_back_is_answered(restartable_hub: RestartableHub) -> None:
    endpoints = restartable_hub.endpoints
    callee = BusService("LAB1-Callee", "Callee", endpoints, stateful=False, identify_wait=0.1)
    callee.methods.add("Ping", lambda: "pong")
    caller = BusService(NAME, "Tester", endpoints, stateful=False, identify_wait=0.1)
    async with callee, caller:
        await wait_until(lambda: caller.hub_linked and callee.hub_linked, what="both linked")
        restartable_hub.stop()
        await wait_until(lambda: not caller.hub_linked and not callee.hub_linked, what="both unlinked")
        restartable_hub.start()
        await wait_until(lambda: caller.hub_linked and callee.hub_linked, timeout=10.0, what="both linked again")

        async def ping_until_answered() -> object:
            while True:  # subscriptions travel to the new hub after the link is up (§9)
                try:
                    return await caller.call("LAB1-Callee", "Ping", timeout=0.3)
                except CallTimeout:
                    continue

        assert await asyncio.wait_for(ping_until_answered(), 10.0) == "pong"
