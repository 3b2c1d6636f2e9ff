"""A real window on a real bus: the main window attached to a runtime on a test hub.

GUI tests open the floor with `async with open_floor(hub, tmp_path) as floor:` inside the
test, not as a fixture: pytest-qt processes Qt events at teardown *before* async fixture
finalizers run, which would step qasync tasks with no running loop. Closing everything
inside the test leaves no task behind when the test's loop stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.app.audit_log import AuditLog
from backend.app.event_log import EventLog
from backend.app.operator_actions import OperatorActions
from backend.app.runtime import SwitchboardRuntime
from backend.app.settings import validate
from backend.bus.endpoints import HubEndpoints
from backend.bus.store.store_process import running_store
from backend.bus.store.store_service import StoreService
from backend.sim.bus_services import EngineService
from gui import tasks
from gui.app_context import AppContext
from gui.main_window import MainWindow
from gui.window_state import WindowState

FAST_SERVICE = {"identify_wait": 0.05, "startup_retry": 0.3, "startup_attempts": 1}


@dataclass
class Floor:
    window: MainWindow
    runtime: SwitchboardRuntime
    engine: EngineService
    events: EventLog
    audit: AuditLog
    store: StoreService | None = None


def test_settings(hub: HubEndpoints, machine: str = "TEST", devices: dict[str, list[dict[str, Any]]] | None = None):
    """Settings for `hub`, with device entries by family (`{"cameras": [{"name": …}]}`)."""
    bus = {"host": "127.0.0.1", "pub_port": hub.pub_port, "sub_port": hub.sub_port, "machine_name": machine, "start_hub": False}
    return validate({"bus": bus, **(devices or {})})


@asynccontextmanager
async def open_floor(
    hub: HubEndpoints, tmp_path: Path, *, with_store: bool = False, devices: dict[str, list[dict[str, Any]]] | None = None
) -> AsyncIterator[Floor]:
    """The main window attached to a Switchboard runtime and a simulated engine on `hub`,
    with a real Store (SQLite in `tmp_path`) when asked, and the given device entries in
    its settings (`devices={"cameras": [{"name": …, "events": …}]}`)."""
    async with contextlib.AsyncExitStack() as stack:
        if with_store:
            floor_store = await stack.enter_async_context(running_store(hub, tmp_path / "store.sqlite", identify_period=0.2))
        else:
            floor_store = None
        floor = await stack.enter_async_context(_open_window(hub, tmp_path, devices))
        floor.store = floor_store
        yield floor


@asynccontextmanager
async def _open_window(hub: HubEndpoints, tmp_path: Path, devices: dict[str, list[dict[str, Any]]] | None) -> AsyncIterator[Floor]:
    events = EventLog()
    audit = AuditLog(tmp_path / "audit.jsonl")
    engine = EngineService("RENDER1", hub)
    await engine.start()
    runtime = SwitchboardRuntime(test_settings(hub, devices=devices), events, audit, service_options=FAST_SERVICE)
    await runtime.start()
    window = MainWindow(events, WindowState(tmp_path / "window.ini"), on_close=lambda: None)
    assert runtime.service is not None
    window.attach(AppContext(runtime, OperatorActions(runtime.service, audit), events, audit))
    window.show()
    try:
        yield Floor(window, runtime, engine, events, audit)
    finally:
        window.detach()
        window.event_dock.detach()
        await tasks.cancel_all()
        await runtime.stop()
        await engine.stop()
        await close_window(window)


async def close_window(window: MainWindow) -> None:
    """Close and delete a window, letting the loop run the deferred deletion."""
    window.closing_allowed = True
    window.close()
    window.deleteLater()
    for _ in range(3):
        await asyncio.sleep(0)
