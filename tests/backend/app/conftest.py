"""Switchboard's service on a real hub, with a stand-in Store and another service as its client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from backend.app.event_log import EventLog
from backend.app.switchboard_service import SwitchboardService
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import LogLevel
from backend.bus.service import StoreLink
from tests.backend.wire_peers import FakeStore, WirePeer, topic
from tests.helpers import wait_until

NAME = "LAB1-Switchboard"
CLIENT = "LAB1-Client"
FAST = {"identify_wait": 0.2, "startup_retry": 0.3, "startup_attempts": 2}


@dataclass
class Floor:
    service: SwitchboardService
    events: EventLog
    store: FakeStore
    client: WirePeer

    async def call(self, method: str, params: object = None, target: str = NAME) -> dict:
        since = self.client.mark()
        call_id = f"feed0000-{since}"
        message = {} if params is None else {"Params": params}
        self.client.send({"Type": "Call", "Target": target, "RespondTo": CLIENT, "Method": method, "ID": call_id}, message)
        return (await self.client.expect(topic(Type="CallResult", ID=call_id), since=since, what=f"CallResult of {method}")).body

    def texts(self) -> list[tuple[LogLevel, str, str]]:
        return [(e.level, e.source, e.text) for e in self.events.events]


def client_peer(hub: HubEndpoints) -> WirePeer:
    return WirePeer(
        hub.publish_to,
        hub.subscribe_to,
        CLIENT,
        [f'{{"Type":"CallResult","Target":"{CLIENT}"', f'{{"Type":"Update","Target":"{CLIENT}"', '{"Type":"Log"'],
    )


@pytest.fixture
async def floor(hub: HubEndpoints) -> AsyncIterator[Floor]:
    store = FakeStore.on(hub)
    store.values["CurrentShow"] = "Morning"
    client = client_peer(hub)
    events = EventLog()
    service = SwitchboardService("LAB1", hub, events, **FAST)
    floor = Floor(service, events, store, client)
    try:
        await store.start()
        store.start_heartbeat(period=0.05)  # Startup goes out on the first Identify instead of after the wait
        await client.start()
        await service.start()
        await wait_until(lambda: service.store_link == StoreLink.ANSWERED and service.current_show == "Morning", what="online")
        await client.ask(
            lambda: client.send({"Type": "Get", "Target": NAME, "Name": "Role", "RespondTo": CLIENT}),
            topic(Type="Update", Target=CLIENT, Name="Role"),
            what="first answer",
        )
        yield floor
    finally:
        await service.stop()
        await client.stop()
        await store.stop()
