"""One REQ connection to a trainer's REP port that never stays stuck (`trainer.md` §7, §8).

A REQ socket whose reply never comes refuses the next send, so every exchange has a
deadline; after a missed one the socket is closed with LINGER=0 and a fresh one connected
(the zguide's Lazy Pirate). Exchanges on one channel are strictly one at a time, as REQ
demands: a lock queues them, which is why the emergency stop has a channel of its own.
"""

from __future__ import annotations

import asyncio
import logging

import zmq
import zmq.asyncio

from backend.device_sockets import request_socket

log = logging.getLogger(__name__)


class ReplyTimeout(TimeoutError):
    """No reply within the attempt's deadline; the socket has already been rebuilt."""


class CommandChannel:
    """A REQ socket to `endpoint`, rebuilt after every timeout."""

    def __init__(self, endpoint: str, context: zmq.asyncio.Context, label: str) -> None:
        self.endpoint = endpoint
        self.label = label
        self._context = context
        self._socket: zmq.asyncio.Socket | None = None
        self._lock = asyncio.Lock()
        self.rebuilds = 0

    async def exchange(self, request: bytes, timeout: float) -> bytes:
        """Send one request and return its reply; ReplyTimeout after `timeout` seconds."""
        async with self._lock:
            sock = self._connected()
            try:
                async with asyncio.timeout(timeout):
                    await sock.send(request)
                    return await sock.recv()
            except TimeoutError:
                self._rebuild()
                raise ReplyTimeout(f"no reply within {timeout:g} s") from None
            except asyncio.CancelledError:
                self._rebuild()  # a half-done exchange leaves REQ unusable
                raise

    def send_now(self, request: bytes) -> bool:
        """Hand `request` to libzmq at once, from the caller's own stack, not on a later loop turn.

        For a channel with a single user (the e-stop channel, whose stops are joined, never
        doubled): it does not take the lock. Follow with `receive`. False when the socket
        cannot take it now; the caller then uses `exchange`.
        """
        sock = self._connected()
        try:
            zmq.Socket.shadow(sock.underlying).send(request, zmq.NOBLOCK)
        except zmq.ZMQError:  # EAGAIN (no pipe yet) or EFSM (a half-done exchange): start clean
            self._rebuild()
            return False
        return True

    async def receive(self, timeout: float) -> bytes:
        """The reply to what `send_now` sent; ReplyTimeout (socket rebuilt) after `timeout` seconds."""
        sock = self._connected()
        try:
            async with asyncio.timeout(timeout):
                return await sock.recv()
        except TimeoutError:
            self._rebuild()
            raise ReplyTimeout(f"no reply within {timeout:g} s") from None
        except asyncio.CancelledError:
            self._rebuild()
            raise

    def connect(self) -> None:
        """Connect now, so the first request does not also pay for the TCP and ZMTP handshakes."""
        self._connected()

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def _connected(self) -> zmq.asyncio.Socket:
        if self._socket is None:
            self._socket = request_socket(self._context, self.endpoint)
        return self._socket

    def _rebuild(self) -> None:
        self.close()
        self.rebuilds += 1
        log.debug("%s: REQ socket to %s rebuilt", self.label, self.endpoint)
