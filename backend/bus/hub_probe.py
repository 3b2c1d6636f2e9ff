"""Is a hub already answering? Asked before starting an embedded one.

A ZeroMQ peer greets every new TCP connection with the ZMTP signature (0xFF, eight
padding bytes, 0x7F), so "answers" means more than "a port is open": both hub ports
greet like ZeroMQ. The probe never sends anything, so the hub sees a connection come
and go and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib

from backend.bus.endpoints import HubEndpoints

_SIGNATURE_FIRST = 0xFF
_SIGNATURE_LAST = 0x7F


async def zmtp_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """True if a ZeroMQ socket greets a connection to `host:port` within `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return False
    try:
        async with asyncio.timeout(timeout):
            greeting = await reader.readexactly(10)
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return greeting[0] == _SIGNATURE_FIRST and greeting[9] == _SIGNATURE_LAST


async def hub_answers(endpoints: HubEndpoints, timeout: float = 0.5) -> bool:
    """True if both ports of the hub at `endpoints` answer like ZeroMQ."""
    host = endpoints.connect_host
    publish, subscribe = await asyncio.gather(
        zmtp_answers(host, endpoints.pub_port, timeout), zmtp_answers(host, endpoints.sub_port, timeout)
    )
    return publish and subscribe
