"""The whole simulated floor in one process: a hub, the Store and every simulator, on free ports.

`switchboard --demo` starts this as a child and connects to it; it prints one
`SWITCHBOARD-DEMO-READY {…}` line with the hub's ports once everything is listening.
The demo Store keeps its database in the data folder, so what an operator changes on the
demo floor is still there the next time the demo runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from backend.app import locations
from backend.app.demo_stack import READY_PREFIX
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub
from backend.bus.store.store_process import running_store
from backend.sim.bus_services import demo_services
from backend.sim.demo_devices import DEMO_DEVICES

log = logging.getLogger(__name__)


def demo_store_database() -> Path:
    return locations.data_dir() / "demo" / "store.sqlite"


async def run_demo(stop: asyncio.Event, endpoints: HubEndpoints, *, store_db: Path, exit_with_stdin: bool) -> int:
    """Run the demo stack until `stop` is set (or stdin closes, when asked)."""
    if exit_with_stdin:
        _stop_when_stdin_closes(stop)
    hub = Hub(endpoints)
    bound = hub.start()
    services = demo_services(bound)
    try:
        async with running_store(bound, store_db), contextlib.AsyncExitStack() as devices:
            for service in services:
                await service.start()
            entries = await _start_devices(devices, store_db.parent / "devices")
            ready = {"host": bound.connect_host, "pub_port": bound.pub_port, "sub_port": bound.sub_port, "devices": entries}
            print(READY_PREFIX + json.dumps(ready), flush=True)
            log.info("Demo stack running on %s with the Store and %s", bound, ", ".join(s.name for s in services))
            try:
                await stop.wait()
            finally:
                hub.stop()  # first: see SwitchboardRuntime.stop
                for service in services:
                    await service.stop()
    finally:
        hub.stop()
    return 0


async def _start_devices(stack: contextlib.AsyncExitStack, workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """Start every simulated device; their settings entries, by family."""
    entries: dict[str, list[dict[str, Any]]] = {}
    for family, factory in DEMO_DEVICES.items():
        folder = workdir / family
        folder.mkdir(parents=True, exist_ok=True)
        entries[family] = await stack.enter_async_context(factory(folder))
    return entries


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
