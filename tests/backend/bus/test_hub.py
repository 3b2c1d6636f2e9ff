"""The data hub (bus.md §1, §5, §10.1) with real sockets on loopback, and the probe that
decides whether a hub is already running."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
import zmq
import zmq.asyncio

from backend.bus.codec import encode
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub, HubBindError
from backend.bus.hub_probe import hub_answers, zmtp_answers
from backend.bus.message import call_message, set_message, update_message
from tests.backend.bus.lowlevel_support import (
    Inbox,
    OpenConnection,
    join,
    open_connection,
    publish_until_heard,
    two_free_ports,
)
from tests.helpers import free_port, wait_until

__all__ = ["open_connection"]


@contextlib.contextmanager
def running_hub(pub_port: int = 0, sub_port: int = 0) -> Iterator[Hub]:
    hub = Hub(HubEndpoints(pub_port=pub_port, sub_port=sub_port))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@contextlib.asynccontextmanager
async def raw_subscriber(endpoints: HubEndpoints, prefix: bytes = b"") -> AsyncIterator[zmq.asyncio.Socket]:
    """A bare SUB socket on the hub: sees frames exactly as the hub forwards them."""
    context = zmq.asyncio.Context.instance()
    sock = context.socket(zmq.SUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SUBSCRIBE, prefix)
    sock.connect(endpoints.subscribe_to)
    try:
        yield sock
    finally:
        sock.close(linger=0)


# ------------------------------------------------------------------ forwarding


async def test_two_services_talk_to_each_other_through_the_hub(hub: HubEndpoints, open_connection: OpenConnection) -> None:
    switchboard = await open_connection(hub, label="switchboard", subscribe=['{"Type":"Set","Target":"STUDIO1-Switchboard"'])
    store = await open_connection(hub, label="store", subscribe=['{"Type":"Call","Target":"Store"'])
    at_switchboard, at_store = Inbox(switchboard), Inbox(store)

    await publish_until_heard(store, lambda: at_switchboard.messages, set_message("STUDIO1-Switchboard", "State", {}))
    change_show = call_message("Store", "STUDIO1-Switchboard", "ChangeShow", "id-1", {"ShowName": "A"})
    await publish_until_heard(switchboard, lambda: at_store.messages, change_show)

    assert at_switchboard.messages[0].topic == {"Type": "Set", "Target": "STUDIO1-Switchboard", "Name": "State"}
    call = at_store.messages[0]
    assert (call.method, call.call_id, call.body) == ("ChangeShow", "id-1", {"Params": {"ShowName": "A"}})


async def test_a_subscriber_to_one_service_does_not_hear_a_service_whose_name_extends_it(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    listener = await open_connection(hub, label="listener", subscribe=['{"Type":"Update","Target":"X"'])
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox, target="X")

    sender.publish(update_message("X2", "Tester", "State.ForX2", 1))
    sender.publish(update_message("X", "Tester", "State.Last", 2))
    # One publisher, one path: order is kept, so once "Last" is here "ForX2" would be too.
    await wait_until(lambda: inbox.named("State.Last"), timeout=3, what="the Update to X")

    assert [m.target for m in inbox.messages] == ["X"]


async def test_a_subscriber_hears_only_the_message_types_it_subscribed_to(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    prefixes = ['{"Type":"Identify"', '{"Type":"Update","Target":"BROADCAST"']
    listener = await open_connection(hub, label="listener", subscribe=prefixes)
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox)

    sender.publish(set_message("BROADCAST", "State.NotForMe", 1))
    sender.publish(update_message("Someone", "Tester", "State.NotForMeEither", 1))
    sender.publish(call_message("BROADCAST", "Tester", "Nope", "id"))
    sender.publish_frames([b'{"Target":"BROADCAST","Type":"Update","Source":"Odd","Name":"Reordered"}', b"{}"])
    sender.publish(update_message("BROADCAST", "Tester", "State.Last", 2))
    await wait_until(lambda: inbox.named("State.Last"), timeout=3)

    assert inbox.names() == ["State.Last"]


async def test_a_three_frame_message_passes_the_hub_byte_for_byte(hub: HubEndpoints, open_connection: OpenConnection) -> None:
    sender = await open_connection(hub, label="sender")
    frames = [
        b'{"Type":"Call", "Target":"Engine","Method":"Upload"}',  # non-canonical spacing: the hub must not re-encode
        b'{"Params":{"Name":"Caf\xc3\xa9"}}',
        bytes(range(256)) * 4,
    ]
    async with raw_subscriber(hub, b'{"Type":"Call"') as sub:
        heard: list[list[bytes]] = []
        reading = asyncio.ensure_future(sub.recv_multipart())
        try:
            await publish_until_heard(sender, reading.done, frames)
            heard.append(reading.result())
        finally:
            reading.cancel()
    assert heard[0] == frames


async def test_a_two_frame_message_arrives_as_two_frames(hub: HubEndpoints, open_connection: OpenConnection) -> None:
    sender = await open_connection(hub, label="sender")
    frames = encode(update_message("BROADCAST", "Tester", "State.A", 1))
    async with raw_subscriber(hub) as sub:
        reading = asyncio.ensure_future(sub.recv_multipart())
        try:
            await publish_until_heard(sender, reading.done, frames)
        finally:
            reading.cancel()
        assert reading.result() == frames


# ------------------------------------------------------------------ ports


def test_asking_for_port_zero_starts_the_hub_on_real_free_ports() -> None:
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    assert hub.running is False
    endpoints = hub.start()
    try:
        assert hub.running
        assert endpoints is hub.endpoints
        assert endpoints.pub_port > 0 and endpoints.sub_port > 0
        assert endpoints.pub_port != endpoints.sub_port
    finally:
        hub.stop()


async def test_a_hub_on_real_ports_answers_like_zeromq() -> None:
    with running_hub() as hub:
        assert await hub_answers(hub.endpoints)


def test_a_second_hub_on_ports_already_in_use_fails_with_a_clear_message() -> None:
    with running_hub() as first:
        second = Hub(HubEndpoints(pub_port=first.endpoints.pub_port, sub_port=first.endpoints.sub_port))
        with pytest.raises(HubBindError) as caught:
            second.start()
        assert not second.running
    message = str(caught.value)
    assert message.startswith("Cannot start a hub on 127.0.0.1")
    assert f"publish {first.endpoints.pub_port}" in message
    assert "Address already in use" in message


def test_a_hub_whose_subscribe_port_is_taken_fails_and_does_not_keep_its_publish_port() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        pub_port = free_port()  # chosen while the squatter holds its port, so they differ
        with pytest.raises(HubBindError, match="in use"):
            Hub(HubEndpoints(pub_port=pub_port, sub_port=taken)).start()
    # The publish port was bound before the failure; it must have been let go again.
    with running_hub(pub_port=pub_port, sub_port=0) as hub:
        assert hub.endpoints.pub_port == pub_port


async def test_stopping_the_hub_releases_both_ports_for_a_new_hub() -> None:
    first = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = first.start()
    first.stop()
    assert not first.running
    assert not await hub_answers(endpoints, timeout=0.3)
    with running_hub(endpoints.pub_port, endpoints.sub_port) as second:
        assert second.endpoints == endpoints
        assert await hub_answers(endpoints)


def test_stopping_twice_or_without_starting_is_harmless() -> None:
    never_started = Hub(HubEndpoints(pub_port=0, sub_port=0))
    never_started.stop()
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    hub.start()
    hub.stop()
    hub.stop()
    assert not hub.running


def test_a_hub_used_as_a_context_manager_stops_on_exit() -> None:
    with Hub(HubEndpoints(pub_port=0, sub_port=0)) as hub:
        endpoints = hub.endpoints
        assert hub.running
    assert not hub.running
    with running_hub(endpoints.pub_port, endpoints.sub_port):
        pass


# ------------------------------------------------------------------ probe


async def test_nothing_listening_is_not_a_hub() -> None:
    pub_port, sub_port = two_free_ports()
    assert not await hub_answers(HubEndpoints(pub_port=pub_port, sub_port=sub_port), timeout=0.3)


@contextlib.asynccontextmanager
async def plain_tcp_server(greeting: bytes | None) -> AsyncIterator[int]:
    """A TCP server that is not ZeroMQ: says `greeting` (or nothing) and keeps the line open."""
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        if greeting is not None:
            writer.write(greeting)
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_a_tcp_server_that_never_greets_is_not_a_hub() -> None:
    async with plain_tcp_server(None) as port:
        assert not await zmtp_answers("127.0.0.1", port, timeout=0.2)
        assert not await hub_answers(HubEndpoints(pub_port=port, sub_port=port), timeout=0.2)


async def test_a_web_server_answering_on_the_hub_port_is_not_a_hub() -> None:
    async with plain_tcp_server(b"HTTP/1.1 400 Bad Request\r\n\r\n") as port:
        assert not await zmtp_answers("127.0.0.1", port, timeout=0.5)


async def test_a_server_that_says_too_little_is_not_a_hub() -> None:
    async with plain_tcp_server(b"\xff\x00\x00") as port:
        assert not await zmtp_answers("127.0.0.1", port, timeout=0.2)


async def test_a_hub_with_only_one_port_answering_is_not_a_hub() -> None:
    with running_hub() as hub:
        half = HubEndpoints(pub_port=hub.endpoints.pub_port, sub_port=free_port())
        assert await zmtp_answers("127.0.0.1", hub.endpoints.pub_port)
        assert not await hub_answers(half, timeout=0.3)


async def test_the_probe_disturbs_nothing_the_hub_still_forwards_afterwards(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    for _ in range(3):
        assert await hub_answers(hub)
    listener = await open_connection(hub, label="listener", subscribe=['{"Type":"Update"'])
    sender = await open_connection(hub, label="sender")
    await join(sender, Inbox(listener))
