"""One participant's pair of sockets to the hub, and the task that reads them.

A PUB socket connects to the hub's publish port and a SUB socket to its subscribe port
(`protocols/bus.md` §1). The reader awaits one message, then drains more without
blocking in chunks of at most `CHUNK_SIZE`, handing each chunk to observers in one call,
and yields once `batch_size` messages or `READ_BUDGET_S` of work are done, whichever
comes first. A flood therefore never holds the event loop for more than about a
millisecond at a time, however slow the machine (DESIGN.md, ENGINEERING.md §4): an
operator's click waits for one chunk, not for a whole batch (benchmarks/README.md,
trainer_estop_latency.py). Socket monitors
report the link to the hub within a second or two of it going or coming back; libzmq
resends subscriptions on reconnect by itself.

ZMTP heartbeats run on the PUB socket only. On a SUB socket that sits at its receive
high-water mark longer than the heartbeat timeout (a stalled reader under a flood),
libzmq 4.3.5 aborts the whole process (`Assertion failed: _input_stopped`,
zeromq/libzmq#3937; reproduced by benchmarks/hwm_heartbeat_abort.py). The PUB socket
never fills, so its heartbeat is safe and still notices a hub that vanished without
closing TCP; the SUB socket is then reconnected so it does not sit on a dead connection,
and TCP keepalive backs it up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence

import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from backend.bus.codec import MalformedMessage, decode_deferred, encode
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import BusMessage
from backend.observable import Signal
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)

SOCKET_HWM = 100_000
RECONNECT_IVL_MS = 100
RECONNECT_IVL_MAX_MS = 1000
HEARTBEAT_IVL_MS = 1000
HEARTBEAT_TIMEOUT_MS = 2500
TCP_KEEPALIVE_IDLE_S = 5
TCP_KEEPALIVE_INTERVAL_S = 1
TCP_KEEPALIVE_COUNT = 3
MALFORMED_REPORT_PERIOD_S = 10.0
READ_BUDGET_S = 0.001
"""Work the reader does per turn of the event loop before it yields (the last chunk may overrun it)."""
CHUNK_SIZE = 64
"""Messages handed to observers at a time; small enough that one chunk costs well under the budget."""

_UP_EVENTS = {zmq.EVENT_HANDSHAKE_SUCCEEDED, zmq.EVENT_CONNECTED}
_DOWN_EVENTS = {zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED}


class ConnectionStats:
    """Counters a maintainer reads when something looks wrong."""

    def __init__(self) -> None:
        self.received = 0
        self.published = 0
        self.malformed: Counter[str] = Counter()

    @property
    def malformed_total(self) -> int:
        return sum(self.malformed.values())


class BusConnection:
    """PUB and SUB sockets to one hub, a batched reader, and the hub link state."""

    def __init__(
        self,
        endpoints: HubEndpoints,
        *,
        label: str = "bus",
        batch_size: int = 256,
        context: zmq.asyncio.Context | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.label = label
        self.batch_size = batch_size
        self.stats = ConnectionStats()
        self.received: Signal[[list[BusMessage]]] = Signal(f"{label}.received")
        """Emitted with each batch of decoded messages, in arrival order."""
        self.link_changed: Signal[[bool]] = Signal(f"{label}.link_changed")
        """Emitted with True when both sockets reach the hub, False when either loses it."""
        self._context = context or zmq.asyncio.Context.instance()
        self._pub: zmq.asyncio.Socket | None = None
        self._sub: zmq.asyncio.Socket | None = None
        self._pub_sync: zmq.Socket | None = None
        self._sub_sync: zmq.Socket | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._monitor_tasks: dict[str, asyncio.Task[None]] = {}
        self._up = {"pub": False, "sub": False}
        self._linked = False
        self._subscriptions: set[bytes] = set()
        self._malformed_reported_at = float("-inf")
        self._malformed_unreported = 0

    @property
    def linked(self) -> bool:
        """True while both sockets are connected to the hub."""
        return self._linked

    async def start(self) -> None:
        """Create and connect the sockets and start reading. Returns at once."""
        self._pub = self._socket(zmq.PUB)
        self._sub = self._socket(zmq.SUB)
        self._pub_sync = zmq.Socket.shadow(self._pub.underlying)
        self._sub_sync = zmq.Socket.shadow(self._sub.underlying)
        monitors = [
            ("pub", self._pub.get_monitor_socket(zmq.EVENT_ALL)),
            ("sub", self._sub.get_monitor_socket(zmq.EVENT_ALL)),
        ]
        for prefix in self._subscriptions:
            self._sub.setsockopt(zmq.SUBSCRIBE, prefix)
        self._pub.connect(self.endpoints.publish_to)
        self._sub.connect(self.endpoints.subscribe_to)
        self._tasks = [asyncio.create_task(self._read(), name=f"{self.label}-reader")]
        for role, monitor in monitors:
            self._monitor_tasks[role] = asyncio.create_task(self._watch_link(role, monitor), name=f"{self.label}-{role}-monitor")
            self._tasks.append(self._monitor_tasks[role])

    def _socket(self, kind: int) -> zmq.asyncio.Socket:
        sock = self._context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, SOCKET_HWM)
        sock.setsockopt(zmq.RCVHWM, SOCKET_HWM)
        sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_IVL_MAX_MS)
        if kind == zmq.PUB:
            sock.setsockopt(zmq.HEARTBEAT_IVL, HEARTBEAT_IVL_MS)
            sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MS)
        else:
            sock.setsockopt(zmq.TCP_KEEPALIVE, 1)
            sock.setsockopt(zmq.TCP_KEEPALIVE_IDLE, TCP_KEEPALIVE_IDLE_S)
            sock.setsockopt(zmq.TCP_KEEPALIVE_INTVL, TCP_KEEPALIVE_INTERVAL_S)
            sock.setsockopt(zmq.TCP_KEEPALIVE_CNT, TCP_KEEPALIVE_COUNT)
        return sock

    def subscribe(self, prefixes: Iterable[str | bytes]) -> None:
        """Receive messages whose topic starts with any of `prefixes` (byte-exact, §5)."""
        for prefix in prefixes:
            raw = prefix.encode("ascii") if isinstance(prefix, str) else prefix
            if raw in self._subscriptions:
                continue
            self._subscriptions.add(raw)
            if self._sub is not None:
                self._sub.setsockopt(zmq.SUBSCRIBE, raw)

    def unsubscribe(self, prefixes: Iterable[str | bytes]) -> None:
        for prefix in prefixes:
            raw = prefix.encode("ascii") if isinstance(prefix, str) else prefix
            if raw not in self._subscriptions:
                continue
            self._subscriptions.discard(raw)
            if self._sub is not None:
                self._sub.setsockopt(zmq.UNSUBSCRIBE, raw)

    def publish(self, message: BusMessage) -> bool:
        """Send `message` now; False if the connection is closed or the socket refused it.

        A PUB socket never blocks: at its high-water mark libzmq drops silently, so a
        message "sent" may still be lost under overload (§9: the bus has no sequence numbers).
        """
        return self.publish_frames(encode(message))

    def publish_frames(self, frames: Sequence[bytes]) -> bool:
        """Send raw frames (the composer's raw mode, tests of bad input)."""
        if self._pub_sync is None:
            return False
        try:
            self._pub_sync.send_multipart(frames, zmq.NOBLOCK)
        except zmq.ZMQError as error:
            log.warning("%s: could not publish: %s", self.label, error)
            return False
        self.stats.published += 1
        return True

    async def _read(self) -> None:
        assert self._sub is not None and self._sub_sync is not None
        sub, drain = self._sub, self._sub_sync
        clock = time.perf_counter
        while True:
            try:
                frames_batch = [await sub.recv_multipart()]
            except zmq.ZMQError as error:
                log.error("%s: reader stopped: %s", self.label, error)
                return
            deadline = clock() + READ_BUDGET_S
            room = self.batch_size
            while True:
                chunk = min(CHUNK_SIZE, room)
                emptied = _receive_into(drain, frames_batch, chunk)
                room -= len(frames_batch)
                messages = self._decode_batch(frames_batch)
                if messages:
                    self.received.emit(messages)
                if emptied or room <= 0 or clock() >= deadline:
                    break
                frames_batch = []
            await asyncio.sleep(0)

    def _decode_batch(self, frames_batch: list[list[bytes]]) -> list[BusMessage]:
        messages: list[BusMessage] = []
        append = messages.append
        now = time.time()
        for frames in frames_batch:
            try:
                append(decode_deferred(frames, now))
            except MalformedMessage as error:
                self.count_malformed(error, frames[0] if frames else b"")
        self.stats.received += len(messages)
        return messages

    def count_malformed(self, error: MalformedMessage, topic: bytes) -> None:
        """Count every malformed message; log the first and then a summary per period.

        Also called by whoever reads a message whose frame turns out not to be JSON.
        """
        self.stats.malformed[error.reason] += 1
        now = time.monotonic()
        if now - self._malformed_reported_at < MALFORMED_REPORT_PERIOD_S:
            self._malformed_unreported += 1
            return
        preview = bytes(topic[:80])
        extra = f"; {self._malformed_unreported} more since the last report" if self._malformed_unreported else ""
        log.warning(
            "Ignored a malformed bus message: %s; topic starts %r%s",
            error.detail,
            preview,
            extra,
            extra={"source": "Bus"},
        )
        self._malformed_reported_at = now
        self._malformed_unreported = 0

    async def _watch_link(self, role: str, monitor: zmq.asyncio.Socket) -> None:
        try:
            while True:
                event = parse_monitor_message(await monitor.recv_multipart())
                kind = event["event"]
                if kind in _UP_EVENTS:
                    self._set_up(role, True)
                elif kind in _DOWN_EVENTS:
                    self._set_up(role, False)
                elif kind == zmq.EVENT_MONITOR_STOPPED:
                    return
        except zmq.ZMQError:
            return
        finally:
            monitor.close(linger=0)

    def _set_up(self, role: str, up: bool) -> None:
        if role == "pub" and not up and self._up["sub"] and self._sub is not None:
            # The PUB heartbeat found the hub gone; the SUB cannot tell (no heartbeat): start it afresh.
            with contextlib.suppress(zmq.ZMQError):
                self._sub.disconnect(self.endpoints.subscribe_to)
            self._sub.connect(self.endpoints.subscribe_to)
            self._up["sub"] = False
        self._up[role] = up
        linked = self._up["pub"] and self._up["sub"]
        if linked != self._linked:
            self._linked = linked
            self.link_changed.emit(linked)

    async def stop(self) -> None:
        """Stop reading and close both sockets at once (linger 0)."""
        for role, sock in (("pub", self._pub), ("sub", self._sub)):
            watcher = self._monitor_tasks.get(role)
            # disable_monitor sends MONITOR_STOPPED and blocks for ever when nobody reads the
            # monitor any more (its task was cancelled from outside); closing the socket does not.
            if sock is not None and watcher is not None and not watcher.done():
                with contextlib.suppress(zmq.ZMQError):
                    sock.disable_monitor()
        self._monitor_tasks = {}
        await cancel_and_wait(self._tasks)
        self._tasks = []
        for sock in (self._pub, self._sub):
            if sock is not None:
                sock.close(linger=0)
        self._pub = self._sub = None
        self._pub_sync = self._sub_sync = None
        if self._linked:
            self._linked = False
            self.link_changed.emit(False)
        self._up = {"pub": False, "sub": False}


def _receive_into(sock: zmq.Socket, frames_batch: list[list[bytes]], limit: int) -> bool:
    """Append waiting messages to `frames_batch` until it holds `limit`; True if the socket ran dry."""
    append = frames_batch.append
    while len(frames_batch) < limit:
        frames = receive_now(sock)
        if frames is None:
            return True
        append(frames)
    return False


def receive_now(sock: zmq.Socket) -> list[bytes] | None:
    """One whole message if one is waiting, else None.

    Frame by frame with `copy=False` and `Frame.more`: cheaper than `recv_multipart`, which
    asks libzmq for RCVMORE through getsockopt for every frame (benchmarks/README.md).
    """
    try:
        frame = sock.recv(zmq.NOBLOCK, copy=False)
    except zmq.Again:
        return None
    frames = [frame.bytes]
    while frame.more:
        frame = sock.recv(copy=False)  # the rest of a message arrives with its first frame
        frames.append(frame.bytes)
    return frames
