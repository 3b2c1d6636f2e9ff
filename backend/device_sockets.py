"""ZeroMQ sockets that reach a device (a camera rig, a trainer): the same options everywhere.

A device restarts, and Switchboard must notice it within a second: reconnect after 100 ms,
back off to at most 1 s. A socket never lingers when it is closed or rebuilt, so a request
that timed out cannot be delivered later to a device that came back.
"""

from __future__ import annotations

import zmq
import zmq.asyncio


def _device_socket(context: zmq.asyncio.Context, kind: int) -> zmq.asyncio.Socket:
    sock = context.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RECONNECT_IVL, 100)
    sock.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
    return sock


def request_socket(context: zmq.asyncio.Context, endpoint: str) -> zmq.asyncio.Socket:
    """A REQ socket connected to `endpoint`."""
    sock = _device_socket(context, zmq.REQ)
    sock.connect(endpoint)
    return sock


def event_socket(context: zmq.asyncio.Context, endpoint: str, high_water_mark: int) -> zmq.asyncio.Socket:
    """A SUB socket connected to `endpoint`, subscribed to everything it publishes."""
    sock = _device_socket(context, zmq.SUB)
    sock.setsockopt(zmq.RCVHWM, high_water_mark)
    sock.setsockopt(zmq.SUBSCRIBE, b"")
    sock.connect(endpoint)
    return sock
