"""Shared pieces of the low-level bus tests: real connections, an inbox, and a join handshake.

A PUB socket that has just connected drops what it sends, and a new SUB prefix takes a
moment to travel through the hub (bus.md §9 "Slow joiner"). `publish_until_heard`
resends one probe until the receiver has it, so a test starts only once the path is open.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from backend.bus.connection import BusConnection
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import BusMessage, update_message
from tests.helpers import wait_until

OpenConnection = Callable[..., Awaitable[BusConnection]]


def two_free_ports() -> tuple[int, int]:
    """Two distinct loopback ports that were free a moment ago (both held while choosing)."""
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return first.getsockname()[1], second.getsockname()[1]


class Inbox:
    """Every batch a connection hands its observers, kept in arrival order."""

    def __init__(self, connection: BusConnection) -> None:
        self.batches: list[list[BusMessage]] = []
        connection.received.connect(self.batches.append)

    @property
    def messages(self) -> list[BusMessage]:
        return [message for batch in self.batches for message in batch]

    def named(self, name: str) -> list[BusMessage]:
        return [message for message in self.messages if message.name == name]

    def names(self, prefix: str = "") -> list[str]:
        return [m.name for m in self.messages if m.name is not None and m.name.startswith(prefix)]

    def clear(self) -> None:
        self.batches.clear()


async def publish_until_heard(
    sender: BusConnection,
    heard: Callable[[], object],
    probe: BusMessage | list[bytes],
    timeout: float = 5.0,
    resend_every: float = 0.1,
) -> None:
    """Publish `probe` every `resend_every` s until `heard()` is true (the path is open)."""
    deadline = time.monotonic() + timeout
    while True:
        if isinstance(probe, BusMessage):
            sender.publish(probe)
        else:
            sender.publish_frames(probe)
        resend_at = time.monotonic() + resend_every
        # Polling, not sleeping for synchronisation: return as soon as the probe is heard.
        while time.monotonic() < resend_at:
            if heard():
                return
            await asyncio.sleep(0.01)
        if time.monotonic() > deadline:
            raise AssertionError(f"the probe was not heard within {timeout} s")


async def join(sender: BusConnection, inbox: Inbox, target: str = "BROADCAST", source: str = "Tester") -> None:
    """Wait until an Update from `sender` to `target` reaches `inbox`, then empty the inbox.

    A fence sent once after the probe was heard arrives after every resent probe (one
    publisher, one path, order kept), so no late probe turns up in the test's messages.
    """
    probe = update_message(target, source, "Probe.Join", True)
    await publish_until_heard(sender, lambda: inbox.named("Probe.Join"), probe)
    sender.publish(update_message(target, source, "Probe.Fence", True))
    await wait_until(lambda: inbox.named("Probe.Fence"), timeout=5, what="the fence after the join probe")
    inbox.clear()


@pytest.fixture
async def open_connection() -> AsyncIterator[OpenConnection]:
    """Start real BusConnections; every one is stopped after the test."""
    started: list[BusConnection] = []

    async def factory(endpoints: HubEndpoints, subscribe: list[Any] | None = None, **options: Any) -> BusConnection:
        connection = BusConnection(endpoints, **options)
        started.append(connection)
        if subscribe:
            connection.subscribe(subscribe)
        await connection.start()
        return connection

    yield factory
    for connection in started:
        await connection.stop()
