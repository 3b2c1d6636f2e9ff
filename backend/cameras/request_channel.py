"""One REQ socket to a rig's request endpoint, used one request at a time (the Lazy Pirate).

REQ is strictly alternating and a lost reply leaves it refusing to send (cameras.md §8), so:
a lock keeps one request in flight; each reply is awaited with a timeout; on a timeout,
or a reply that does not echo our `msg_seq_num`, the socket is closed with linger 0 and a
new one connected. Only requests the caller marks idempotent are sent again (§9: a
retried `Shoot` would take a second photo).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Generator
from typing import TypeVar

import zmq
import zmq.asyncio

from backend.cameras.wire import MalformedMessage, Message, MsgType, decode_stepwise, encode_request
from backend.device_sockets import request_socket
from backend.observable import Signal

log = logging.getLogger(__name__)

T = TypeVar("T")
_sequence = itertools.count(1)
"""§9: one per-process counter, starting at 1, for every request to every rig."""


async def run_stepwise(steps: Generator[None, None, T]) -> T:
    """Drive a stepwise computation, letting the event loop run between its steps."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        await asyncio.sleep(0)


class RigError(Exception):
    """A failure an operator can read: the text names the rig and what failed."""


class RequestTimeout(RigError):
    """The app did not answer in time (or answered with someone else's sequence number)."""


class RequestRefused(RigError):
    """The app answered `msg_result:false`."""


class RequestChannel:
    """Sends requests to one endpoint and returns the matching replies."""

    def __init__(self, rig: str, endpoint: str, *, context: zmq.asyncio.Context | None = None) -> None:
        self.rig = rig
        self.endpoint = endpoint
        self.consecutive_timeouts = 0
        self.timed_out: Signal[[int]] = Signal("requests.timed_out")
        """Emitted with the count of consecutive timeouts after each one."""
        self.answered: Signal[[]] = Signal("requests.answered")
        """Emitted after every reply that echoed our sequence number."""
        self._context = context or zmq.asyncio.Context.instance()
        self._socket: zmq.asyncio.Socket | None = None
        self._lock = asyncio.Lock()

    async def request(self, msg_id: str, fields: dict, *, timeout: float, retries: int = 0) -> Message:
        """Send one request and return its reply; raise `RequestTimeout` after `retries` + 1 tries.

        The reply may still say `msg_result:false`; the caller decides what that means.
        """
        async with self._lock:
            for attempt in range(retries + 1):
                reply = await self._exchange(msg_id, fields, timeout)
                if reply is not None:
                    self.consecutive_timeouts = 0
                    self.answered.emit()
                    return reply
                self.consecutive_timeouts += 1
                self.timed_out.emit(self.consecutive_timeouts)
                if attempt < retries:
                    log.info("Rig %r: %s got no reply in %.0f s; asking again", self.rig, msg_id, timeout)
        raise RequestTimeout(f"Rig {self.rig!r} did not answer {msg_id} within {timeout:g} s")

    async def _exchange(self, msg_id: str, fields: dict, timeout: float) -> Message | None:
        """One send and one awaited reply; None (and a fresh socket) when none came in time."""
        seq = next(_sequence)
        socket = self._ensure_socket()
        try:
            async with asyncio.timeout(timeout):
                await socket.send(encode_request(msg_id, seq, fields))
                frame = await socket.recv()
            reply = await self._read_reply(frame, msg_id, seq)
            if reply is not None:
                return reply
            # A reply that is not ours leaves REQ expecting nothing more: start over.
            self._rebuild()
            return None
        except TimeoutError:
            self._rebuild()
            return None
        except asyncio.CancelledError:  # the caller gave up: REQ still awaits this reply and would refuse the next send
            self._rebuild()
            raise
        except zmq.ZMQError as error:
            log.warning("Rig %r: the request socket failed (%s); reconnecting", self.rig, error, extra={"source": "Cameras"})
            self._rebuild()
            return None

    async def _read_reply(self, frame: bytes, msg_id: str, seq: int) -> Message | None:
        try:
            reply = await run_stepwise(decode_stepwise(frame))
        except MalformedMessage as error:
            log.warning("Rig %r sent an unreadable reply to %s: %s", self.rig, msg_id, error, extra={"source": "Cameras"})
            return None
        if reply.looks_v3:
            return reply  # the client refuses v3 as a whole; do not hide it as a timeout
        if reply.seq != seq:
            log.warning(
                "Rig %r answered %s with msg_seq_num %s instead of %s; discarding it",
                self.rig, msg_id, reply.seq, seq, extra={"source": "Cameras"},
            )
            return None
        if reply.msg_type != MsgType.RESPONSE:
            log.info("Rig %r answered %s with msg_type %r", self.rig, msg_id, reply.msg_type)
        return reply

    def _ensure_socket(self) -> zmq.asyncio.Socket:
        if self._socket is None:
            self._socket = request_socket(self._context, self.endpoint)
        return self._socket

    def _rebuild(self) -> None:
        self.close()

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None
