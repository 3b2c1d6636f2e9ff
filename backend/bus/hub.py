"""The data hub: XSUB (services publish here) forwarding to XPUB (services subscribe here).

One per machine (`protocols/bus.md` §1, §10.1). Frames pass through unchanged and
subscriptions travel upstream, so topic filtering works end to end. High-water marks
are set *before* binding: options only affect later connections (ENGINEERING.md §4).
The forwarding runs in `zmq.proxy_steerable` on a thread of its own (libzmq releases
the GIL), so the hub costs the event loop nothing and can be stopped on command.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import zmq

from backend.bus.endpoints import HubEndpoints

log = logging.getLogger(__name__)

HUB_HWM = 100_000
"""Messages queued per peer before the hub drops: ~5 s of a 20,000 msg/s flood, bounded memory."""


class HubBindError(RuntimeError):
    """The hub's ports could not be bound (usually: another hub already runs)."""


class Hub:
    """An XSUB↔XPUB forwarder on a thread; `start()` binds, `stop()` unbinds."""

    def __init__(self, endpoints: HubEndpoints, *, hwm: int = HUB_HWM) -> None:
        self._requested = endpoints
        self._hwm = hwm
        self._context: zmq.Context | None = None
        self._thread: threading.Thread | None = None
        self._control_address = f"inproc://hub-control-{id(self)}"
        self._control: zmq.Socket | None = None
        self.endpoints: HubEndpoints = endpoints
        """The bound endpoints, with real port numbers when port 0 was asked for."""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> HubEndpoints:
        """Bind both ports and start forwarding. Raises `HubBindError` if a port is taken."""
        context = zmq.Context()
        xsub = context.socket(zmq.XSUB)
        xpub = context.socket(zmq.XPUB)
        control = context.socket(zmq.PAIR)
        for sock in (xsub, xpub, control):
            sock.setsockopt(zmq.LINGER, 0)
        xsub.setsockopt(zmq.RCVHWM, self._hwm)
        xsub.setsockopt(zmq.SNDHWM, self._hwm)
        xpub.setsockopt(zmq.SNDHWM, self._hwm)
        xpub.setsockopt(zmq.RCVHWM, self._hwm)
        try:
            xsub.bind(self._requested.bind_address(self._requested.pub_port))
            xpub.bind(self._requested.bind_address(self._requested.sub_port))
        except zmq.ZMQError as error:
            for sock in (xsub, xpub, control):
                sock.close()
            context.term()
            raise HubBindError(f"Cannot start a hub on {self._requested}: {error.strerror}") from error
        control.bind(self._control_address)
        self.endpoints = replace(
            self._requested,
            pub_port=_bound_port(xsub),
            sub_port=_bound_port(xpub),
        )
        self._context = context
        self._control = context.socket(zmq.PAIR)
        self._control.setsockopt(zmq.LINGER, 0)
        self._control.connect(self._control_address)
        self._control_peer = control
        self._thread = threading.Thread(
            target=self._forward, args=(xsub, xpub, control), name="bus-hub", daemon=True
        )
        self._thread.start()
        log.info("Hub started on %s", self.endpoints)
        return self.endpoints

    def _forward(self, xsub: zmq.Socket, xpub: zmq.Socket, control: zmq.Socket) -> None:
        try:
            zmq.proxy_steerable(xsub, xpub, None, control)
        except zmq.ZMQError as error:
            if error.errno != zmq.ETERM:
                log.error("Hub stopped forwarding: %s", error)
        finally:
            xsub.close(linger=0)
            xpub.close(linger=0)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop forwarding and release the ports; waits at most `timeout` seconds."""
        if self._thread is None or self._context is None or self._control is None:
            return
        try:
            self._control.send(b"TERMINATE")
        except zmq.ZMQError:
            pass
        self._thread.join(timeout)
        self._control.close(linger=0)
        self._control_peer.close(linger=0)
        self._context.term()
        self._thread = None
        self._context = None
        self._control = None
        log.info("Hub on %s stopped", self.endpoints)

    def __enter__(self) -> Hub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bound_port(sock: zmq.Socket) -> int:
    endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
    return int(endpoint.rsplit(":", 1)[1])
