"""Bus peers written against `protocols/bus.md` with nothing but pyzmq and json.

These play the other side of the wire in service-level tests: a third-party client, and
a fake Store that speaks the real Startup → Set/Reset protocol. They deliberately
import nothing from the project, so what they send is what a stranger reading the
protocol document would send: hand-built canonical topics in compact JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import zmq
import zmq.asyncio


def compact(value: Any) -> str:
    """Compact JSON, as the protocol's official example serialises (§2)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Wire:
    """One message as it came off the SUB socket."""

    raw_topic: bytes
    topic: dict[str, Any]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def type(self) -> str | None:
        return self.topic.get("Type")

    def is_(self, **keys: Any) -> bool:
        """True when every given topic key has the given value."""
        return all(self.topic.get(key) == value for key, value in keys.items())


Predicate = Callable[[Wire], bool]


def topic(**keys: Any) -> Predicate:
    """A predicate matching messages whose topic holds all of `keys`."""
    return lambda wire: wire.is_(**keys)


class WirePeer:
    """PUB to the hub's publish port, SUB to its subscribe port, and a log of what arrived."""

    _serial = itertools.count(1)

    def __init__(self, publish_to: str, subscribe_to: str, name: str, prefixes: Iterable[str] = ()) -> None:
        self.publish_to = publish_to
        self.subscribe_to = subscribe_to
        self.name = name
        self.prefixes = list(prefixes)
        self.received: list[Wire] = []
        self._arrived = asyncio.Event()
        self._context: zmq.asyncio.Context | None = None
        self._pub: zmq.asyncio.Socket | None = None
        self._sub: zmq.asyncio.Socket | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._ping_prefix = f'{{"Type":"WirePeerPing","Target":"{name}-{next(self._serial)}"'

    async def start(self) -> WirePeer:
        self._context = zmq.asyncio.Context()
        self._pub = self._context.socket(zmq.PUB)
        self._sub = self._context.socket(zmq.SUB)
        for sock in (self._pub, self._sub):
            sock.setsockopt(zmq.LINGER, 0)
        for prefix in [*self.prefixes, self._ping_prefix]:
            self._sub.setsockopt(zmq.SUBSCRIBE, prefix.encode("utf-8"))
        self._pub.connect(self.publish_to)
        self._sub.connect(self.subscribe_to)
        self._tasks.append(asyncio.create_task(self._read(), name=f"wirepeer-{self.name}-reader"))
        await self._handshake()
        return self

    async def _handshake(self, timeout: float = 5.0) -> None:
        """Slow joiner (§9): ping ourselves through the hub until a ping comes back.

        Once one does, our PUB reaches the hub and our subscriptions are in the hub.
        """
        deadline = time.monotonic() + timeout
        ping_topic = (self._ping_prefix + "}").encode("utf-8")
        while not any(w.raw_topic == ping_topic for w in self.received):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no round trip through the hub within {timeout} s")
            assert self._pub is not None
            self._pub.send_multipart([ping_topic, b"{}"])
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wait_arrival(), 0.05)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for sock in (self._pub, self._sub):
            if sock is not None:
                sock.close(linger=0)
        if self._context is not None:
            self._context.term()
        self._pub = self._sub = None
        self._context = None

    async def __aenter__(self) -> WirePeer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ sending

    def send(self, topic_keys: dict[str, Any], message: dict[str, Any] | None = None) -> None:
        """Publish a topic (keys in the order given) and a message, both compact JSON."""
        self.send_text(compact(topic_keys), compact(message if message is not None else {}))

    def send_text(self, topic_text: str, message_text: str = "{}") -> None:
        assert self._pub is not None, "start() the peer first"
        self._pub.send_multipart([topic_text.encode("utf-8"), message_text.encode("utf-8")])

    # ------------------------------------------------------------------ receiving

    async def _read(self) -> None:
        assert self._sub is not None
        while True:
            frames = await self._sub.recv_multipart()
            try:
                parsed_topic = json.loads(frames[0])
                body = json.loads(frames[1]) if len(frames) > 1 and frames[1] else {}
            except ValueError:
                continue
            wire = Wire(bytes(frames[0]), parsed_topic, body)
            self.received.append(wire)
            self.on_message(wire)
            self._arrived.set()

    def on_message(self, wire: Wire) -> None:
        """Hook for peers that answer (the fake Store)."""

    async def _wait_arrival(self) -> None:
        self._arrived.clear()
        await self._arrived.wait()

    def mark(self) -> int:
        """A position in the log: `expect(..., since=mark)` ignores what came before."""
        return len(self.received)

    def matching(self, predicate: Predicate, since: int = 0) -> list[Wire]:
        return [wire for wire in self.received[since:] if predicate(wire)]

    async def expect(self, predicate: Predicate, *, since: int = 0, timeout: float = 5.0, what: str = "") -> Wire:
        """The first message since `since` matching `predicate`; fail after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.matching(predicate, since)
            if found:
                return found[0]
            left = deadline - time.monotonic()
            if left <= 0:
                tail = "\n".join(f"  {w.raw_topic.decode()} {compact(w.body)[:200]}" for w in self.received[since:][-15:])
                raise AssertionError(f"{self.name}: no {what or 'matching message'} within {timeout} s; last seen:\n{tail}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wait_arrival(), min(left, 0.05))

    async def ask(
        self, send: Callable[[], None], predicate: Predicate, *, timeout: float = 5.0, every: float = 0.1, what: str = ""
    ) -> Wire:
        """Send, and send again every `every` s, until an answer matching `predicate` arrives.

        For the first exchange with a service that has just joined: its subscriptions may
        not have reached the hub yet (slow joiner, §9), so the first request can be lost.
        """
        since = self.mark()
        deadline = time.monotonic() + timeout
        while True:
            send()
            left = deadline - time.monotonic()
            try:
                return await self.expect(predicate, since=since, timeout=max(0.01, min(every, left)), what=what)
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise


class FakeStore(WirePeer):
    """The Store of §6, as much of it as service tests need.

    - Identify heartbeat to BROADCAST (`start_heartbeat`), RespondTo `Store`;
    - Startup answered with a Set of the State it holds for the sender, else a Reset
      (or not at all while `answer_startup` is False);
    - Gets of non-state values (`values`) answered with an Update to RespondTo, "null" if unknown.
    """

    PREFIXES = (
        '{"Type":"Self"',
        '{"Type":"Startup"',
        '{"Type":"Update"',
        '{"Type":"Log"',
        '{"Type":"Get","Target":"Store"',
        '{"Type":"Set","Target":"Store"',
        '{"Type":"Reset","Target":"Store"',
        '{"Type":"Call","Target":"Store"',
    )

    def __init__(self, publish_to: str, subscribe_to: str, *, answer_startup: bool = True) -> None:
        super().__init__(publish_to, subscribe_to, "Store", self.PREFIXES)
        self.answer_startup = answer_startup
        self.states: dict[str, Any] = {}
        """State per service name; a Startup from a name not in here is answered with Reset."""
        self.values: dict[str, Any] = {}
        self._heartbeat: asyncio.Task[None] | None = None

    @classmethod
    def on(cls, hub: Any, **options: Any) -> FakeStore:
        return cls(hub.publish_to, hub.subscribe_to, **options)

    def identify(self) -> None:
        self.send({"Type": "Identify", "Target": "BROADCAST", "RespondTo": "Store"})

    def start_heartbeat(self, period: float = 0.1) -> None:
        async def beat() -> None:
            while True:
                self.identify()
                await asyncio.sleep(period)

        self.stop_heartbeat()
        self._heartbeat = asyncio.create_task(beat(), name="fakestore-heartbeat")
        self._tasks.append(self._heartbeat)

    def stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    def on_message(self, wire: Wire) -> None:
        kind = wire.type
        if kind == "Startup" and self.answer_startup:
            service = wire.topic.get("Source")
            if service in self.states:
                self.send({"Type": "Set", "Target": service, "Name": "State"}, {"Value": self.states[service]})
            else:
                self.send({"Type": "Reset", "Target": service})
        elif kind == "Get" and wire.topic.get("Target") == "Store":
            name = wire.topic.get("Name")
            reply_to = wire.topic.get("RespondTo") or "BROADCAST"
            value = self.values.get(name, "null")
            self.send({"Type": "Update", "Target": reply_to, "Source": "Store", "Name": name}, {"Value": value})

    def startups(self, service: str, since: int = 0) -> list[Wire]:
        return self.matching(topic(Type="Startup", Target="Store", Source=service), since)


def free_port_pair() -> tuple[int, int]:
    """Two different free loopback ports (both held open while choosing, so never the same)."""
    import socket

    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return first.getsockname()[1], second.getsockname()[1]
