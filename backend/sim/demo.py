"""The whole simulated floor in one process: a hub and every simulator, on free ports by default.

`switchboard --demo` starts this as a child and connects to it; it prints one
`SWITCHBOARD-DEMO-READY {…}` line with the hub's ports once everything is listening.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading

from backend.app.demo_stack import READY_PREFIX
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub
from backend.sim.bus_services import demo_services

log = logging.getLogger(__name__)


async def run_demo(stop: asyncio.Event, endpoints: HubEndpoints, *, exit_with_stdin: bool) -> int:
    """Run the demo stack until `stop` is set (or stdin closes, when asked)."""
    if exit_with_stdin:
        _stop_when_stdin_closes(stop)
    hub = Hub(endpoints)
    bound = hub.start()
    services = demo_services(bound)
    try:
        for service in services:
            await service.start()
        ready = {"host": bound.connect_host, "pub_port": bound.pub_port, "sub_port": bound.sub_port}
        print(READY_PREFIX + json.dumps(ready), flush=True)
        log.info("Demo stack running on %s with %s", bound, ", ".join(s.name for s in services))
        await stop.wait()
    finally:
        for service in services:
            await service.stop()
        hub.stop()
    return 0


def _stop_when_stdin_closes(stop: asyncio.Event) -> None:
    """Exit with the parent: its end of our stdin closes when it exits, however it exits."""
    loop = asyncio.get_running_loop()

    def wait_for_eof() -> None:
        try:
            while sys.stdin.read(4096):
                pass
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_eof, name="demo-stdin-watch", daemon=True).start()
