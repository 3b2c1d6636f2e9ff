"""A participant's connection to the hub: batched reading, counting bad input without
stopping, and knowing when the hub goes away and comes back (bus.md §9)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from backend.bus.connection import BusConnection
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub
from backend.bus.message import BusMessage, set_message, update_message
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

EVERYTHING = [b""]


async def test_observers_receive_whole_batches_in_arrival_order_and_never_more_than_the_batch_size(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    listener = await open_connection(hub, label="listener", subscribe=EVERYTHING, batch_size=16)
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox)
    published_before, received_before = sender.stats.published, listener.stats.received

    # Sent without yielding, so they queue up behind the first and the reader drains them together.
    for n in range(400):
        sender.publish(update_message("BROADCAST", "Tester", f"Flood.{n}", n))
    await wait_until(lambda: len(inbox.messages) >= 400, timeout=5, what="the whole flood")

    assert inbox.names("Flood.") == [f"Flood.{n}" for n in range(400)]
    assert all(isinstance(batch, list) for batch in inbox.batches)
    assert all(isinstance(message, BusMessage) for message in inbox.messages)
    assert max(len(batch) for batch in inbox.batches) == 16
    assert len(inbox.batches) < 400
    assert listener.stats.received == received_before + 400
    assert sender.stats.published == published_before + 400


async def test_messages_arrive_with_their_receive_time_and_size(hub: HubEndpoints, open_connection: OpenConnection) -> None:
    listener = await open_connection(hub, label="listener", subscribe=EVERYTHING)
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox)

    before = time.time()
    message = update_message("BROADCAST", "Tester", "State.A", "x")
    sender.publish(message)
    await wait_until(lambda: inbox.named("State.A"), timeout=3)
    received = inbox.named("State.A")[0]
    assert before <= received.received <= time.time()
    assert received.size == len(b'{"Type":"Update","Target":"BROADCAST","Source":"Tester","Name":"State.A"}{"Value":"x"}')


MALFORMED = [
    ([b'{"Type":"Update","Target":"BROADCAST"}'], "frame-count"),
    ([b'{"Type":"Update","Target":"BROADCAST"}', b"{}", b"", b"extra"], "frame-count"),
    ([b"not json at all", b"{}"], "topic-not-json"),
    ([b'{"Type":"Update",', b"{}"], "topic-not-json"),
    ([b"[" * 1500 + b"]" * 1500, b"{}"], "topic-not-json"),
    ([b'["Update"]', b"{}"], "topic-not-object"),
    ([b'{"Target":"BROADCAST"}', b"{}"], "topic-no-type"),
    ([b'{"Type":"Update","Target":{"Deep":1}}', b"{}"], "topic-bad-value"),
    ([b'{"Type":"Update","Target":"BROADCAST"}', b"{broken"], "message-not-json"),
    ([b'{"Type":"Update","Target":"BROADCAST"}', b"\xff\xfe"], "message-not-json"),
    ([b'{"Type":"Update","Target":"BROADCAST"}', b"[1]"], "message-not-object"),
]


async def test_malformed_messages_are_counted_by_reason_and_never_stop_the_reader(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    listener = await open_connection(hub, label="listener", subscribe=EVERYTHING)
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox)
    received_before = listener.stats.received

    for frames, _ in MALFORMED:
        sender.publish_frames(frames)
        sender.publish(update_message("BROADCAST", "Tester", "Between", 1))
    sender.publish(update_message("BROADCAST", "Tester", "After", 2))
    await wait_until(lambda: inbox.named("After"), timeout=3, what="the valid message after the bad ones")

    assert listener.stats.malformed == Counter(reason for _, reason in MALFORMED)
    assert listener.stats.malformed_total == len(MALFORMED)
    assert inbox.names() == ["Between"] * len(MALFORMED) + ["After"]
    assert listener.stats.received == received_before + len(MALFORMED) + 1

    # Still reading after all that.
    sender.publish(update_message("BROADCAST", "Tester", "Later", 3))
    await wait_until(lambda: inbox.named("Later"), timeout=3, what="a message long after the bad ones")


async def test_a_malformed_message_is_logged_once_and_then_summarised_not_logged_per_message(
    hub: HubEndpoints, open_connection: OpenConnection, caplog: pytest.LogCaptureFixture
) -> None:
    listener = await open_connection(hub, label="listener", subscribe=EVERYTHING)
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox)

    with caplog.at_level("WARNING", logger="backend.bus.connection"):
        for _ in range(50):
            sender.publish_frames([b"garbage", b"{}"])
        sender.publish(update_message("BROADCAST", "Tester", "After", 1))
        await wait_until(lambda: inbox.named("After"), timeout=3)

    assert listener.stats.malformed["topic-not-json"] == 50
    warnings = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == 1
    assert "b'garbage'" in warnings[0].getMessage()


async def test_an_observer_that_fails_does_not_stop_the_reader_or_the_other_observers(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    listener = await open_connection(hub, label="listener", subscribe=EVERYTHING)
    sender = await open_connection(hub, label="sender")

    def broken(batch: list[BusMessage]) -> None:
        raise RuntimeError("observer bug")

    listener.received.connect(broken)
    inbox = Inbox(listener)
    await join(sender, inbox)
    sender.publish(update_message("BROADCAST", "Tester", "Second", 1))
    await wait_until(lambda: inbox.named("Second"), timeout=3)


async def test_subscriptions_made_before_start_apply_once_started(hub: HubEndpoints, open_connection: OpenConnection) -> None:
    listener = BusConnection(hub, label="listener")
    listener.subscribe(['{"Type":"Set","Target":"STUDIO1-Switchboard"'])
    inbox = Inbox(listener)
    await listener.start()
    try:
        sender = await open_connection(hub, label="sender")
        await publish_until_heard(sender, lambda: inbox.messages, set_message("STUDIO1-Switchboard", "State.A", 1))
        assert inbox.messages[0].name == "State.A"
    finally:
        await listener.stop()


async def test_after_unsubscribing_a_prefix_its_messages_stop_but_others_still_arrive(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    prefix_a = '{"Type":"Update","Target":"A"'
    listener = await open_connection(hub, label="listener", subscribe=[prefix_a, '{"Type":"Update","Target":"B"'])
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox, target="A")
    await join(sender, inbox, target="B")

    listener.unsubscribe([prefix_a])
    listener.unsubscribe([prefix_a])  # twice is harmless
    sender.publish(update_message("A", "Tester", "ForA", 1))
    sender.publish(update_message("B", "Tester", "ForB", 2))
    # Same publisher and path: once ForB is here, ForA would have been too.
    await wait_until(lambda: inbox.named("ForB"), timeout=3)
    assert inbox.names() == ["ForB"]


async def test_subscribing_twice_to_a_prefix_delivers_each_message_once(
    hub: HubEndpoints, open_connection: OpenConnection
) -> None:
    prefix = '{"Type":"Update","Target":"A"'
    listener = await open_connection(hub, label="listener", subscribe=[prefix])
    listener.subscribe([prefix, prefix.encode("ascii")])
    sender = await open_connection(hub, label="sender")
    inbox = Inbox(listener)
    await join(sender, inbox, target="A")
    sender.publish(update_message("A", "Tester", "Once", 1))
    sender.publish(update_message("A", "Tester", "End", 1))
    await wait_until(lambda: inbox.named("End"), timeout=3)
    assert inbox.names() == ["Once", "End"]


async def test_publishing_before_start_or_after_stop_reports_failure_instead_of_raising(hub: HubEndpoints) -> None:
    connection = BusConnection(hub, label="idle")
    message = update_message("BROADCAST", "Tester", "State.A", 1)
    assert connection.publish(message) is False
    await connection.start()
    assert connection.publish(message) is True
    await connection.stop()
    assert connection.publish(message) is False
    assert connection.stats.published == 1


# ------------------------------------------------------------------ the link to the hub


@contextlib.contextmanager
def hub_on(pub_port: int, sub_port: int) -> Iterator[Hub]:
    hub = Hub(HubEndpoints(pub_port=pub_port, sub_port=sub_port))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


class LinkLog:
    def __init__(self, connection: BusConnection) -> None:
        self.changes: list[bool] = []
        connection.link_changed.connect(self.changes.append)


async def test_the_link_goes_down_when_the_hub_stops_and_up_when_it_returns_and_traffic_flows_again(
    open_connection: OpenConnection,
) -> None:
    first = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = first.start()
    try:
        listener = await open_connection(endpoints, label="listener", subscribe=['{"Type":"Update","Target":"BROADCAST"'])
        sender = await open_connection(endpoints, label="sender")
        links = LinkLog(listener)
        inbox = Inbox(listener)
        await wait_until(lambda: listener.linked and sender.linked, timeout=3, what="both linked")
        await join(sender, inbox)
        seen_before_restart = len(links.changes)
    finally:
        first.stop()

    await wait_until(lambda: links.changes[-1:] == [False], timeout=3, what="link down after the hub stopped")
    assert not listener.linked

    with hub_on(endpoints.pub_port, endpoints.sub_port):
        await wait_until(lambda: links.changes[-1:] == [True], timeout=3, what="link up on the new hub")
        assert listener.linked
        # libzmq resends the subscription by itself: the same prefix works on the new hub.
        await publish_until_heard(
            sender, lambda: inbox.named("AfterRestart"), update_message("BROADCAST", "Tester", "AfterRestart", 1), timeout=3
        )
    assert links.changes[seen_before_restart:] == [False, True]


async def test_a_connection_started_before_its_hub_links_up_when_the_hub_appears(open_connection: OpenConnection) -> None:
    pub_port, sub_port = two_free_ports()
    connection = await open_connection(HubEndpoints(pub_port=pub_port, sub_port=sub_port), label="early")
    links = LinkLog(connection)
    assert not connection.linked
    with hub_on(pub_port, sub_port):
        await wait_until(lambda: connection.linked, timeout=3, what="link up once the hub started")
    assert links.changes[0] is True


async def test_only_both_sockets_reaching_the_hub_counts_as_linked(open_connection: OpenConnection) -> None:
    # The publish port has a hub behind it; the subscribe port goes nowhere.
    with hub_on(0, 0) as hub:
        half = HubEndpoints(pub_port=hub.endpoints.pub_port, sub_port=free_port())
        connection = await open_connection(half, label="half")
        links = LinkLog(connection)
        other = await open_connection(hub.endpoints, label="whole")
        await wait_until(lambda: other.linked, timeout=3)
        # Proving a negative: the publish socket connects within milliseconds of the hub being
        # up (as `other` shows), so half a second is ample for a wrong "linked" to appear.
        await asyncio.sleep(0.5)
        assert not connection.linked
        assert links.changes == []


async def test_stopping_a_linked_connection_reports_the_link_down_once(hub: HubEndpoints) -> None:
    connection = BusConnection(hub, label="leaving")
    links = LinkLog(connection)
    await connection.start()
    try:
        await wait_until(lambda: connection.linked, timeout=3)
    finally:
        await connection.stop()
    assert links.changes == [True, False]
    assert not connection.linked


STOP_AFTER_OUTSIDE_CANCEL = """
import asyncio
from backend.bus.connection import BusConnection
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub

async def main():
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    ends = hub.start()
    connection = BusConnection(ends)
    await connection.start()
    for _ in range(200):
        if connection.linked:
            break
        await asyncio.sleep(0.05)
    # What python-engineio's SIGINT handler does: cancel every task but its own.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    hub.stop()
    await connection.stop()
    print("stopped", flush=True)

asyncio.run(main())
"""


def test_stopping_after_someone_else_cancelled_the_monitor_tasks_does_not_hang() -> None:
    """A libzmq trap: disable_monitor() blocks for ever once nobody reads the monitor socket.

    Run in a child process, because the hang is inside a C call that no timeout here could
    interrupt; the child's timeout turns it into a failure instead of a stuck suite.
    """
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", STOP_AFTER_OUTSIDE_CANCEL], cwd=root, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "stopped" in done.stdout, done.stderr
