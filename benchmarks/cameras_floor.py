"""The real window on the Cameras panel, connected to a rig simulator in its own process.

Shared by the camera benchmarks: a `Hub` on free ports in this process, a
`SwitchboardRuntime` with one `[[cameras]]` entry, the `MainWindow` shown offscreen on the
Cameras panel, and `switchboard-sim cameras` as a child process (so the simulator's JPEG
encoding does not run on the loop under test, as on a real floor).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import _common

READY = "SWITCHBOARD-RIG-READY"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CameraFloor:
    window: object
    panel: object
    runtime: object
    rig: subprocess.Popen
    photos: Path


def prepare_environment() -> tempfile.TemporaryDirectory:
    return _common.private_app_folders("switchboard-cameras-bench-")


async def start_rig(tmp: Path, *options: str) -> tuple[subprocess.Popen, dict]:
    events, requests = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "backend.sim", "cameras", "--events", events, "--requests", requests, "--photos", str(tmp / "photos"), *options]
    rig = subprocess.Popen(command, cwd=_common.ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = await asyncio.to_thread(rig.stdout.readline)
    if not line.startswith(READY):
        rig.kill()
        raise RuntimeError(f"the rig simulator did not start: {line!r}")
    return rig, json.loads(line.split(" ", 1)[1])


@contextlib.asynccontextmanager
async def camera_floor(tmp: Path, rig_options: list[str]) -> AsyncIterator[CameraFloor]:
    from PySide6.QtWidgets import QApplication

    from backend.app.audit_log import AuditLog
    from backend.app.event_log import EventLog
    from backend.app.operator_actions import OperatorActions
    from backend.app.runtime import SwitchboardRuntime
    from backend.app.settings import validate
    from backend.bus.endpoints import HubEndpoints
    from backend.bus.hub import Hub
    from gui import tasks
    from gui.app_context import AppContext
    from gui.main_window import MainWindow
    from gui.panels.cameras.cameras_panel import CamerasPanel
    from gui.theme import apply_theme
    from gui.window_state import WindowState

    apply_theme(QApplication.instance(), "light")
    rig, ready = await start_rig(tmp, *rig_options)
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    ends = hub.start()
    bus = {"pub_port": ends.pub_port, "sub_port": ends.sub_port, "machine_name": "BENCH", "start_hub": False}
    settings = validate({"bus": bus, "cameras": [{"name": "Bench", "events": ready["events"], "requests": ready["requests"]}]})
    events = EventLog()
    audit = AuditLog(tmp / "audit.jsonl")
    runtime = SwitchboardRuntime(settings, events, audit)
    window = MainWindow(events, WindowState(tmp / "window.ini"), lambda: None)
    window.resize(1440, 900)
    try:
        await runtime.start()
        window.attach(AppContext(runtime, OperatorActions(runtime.service, audit), events, audit))
        window.show()
        panel = next(p for p in window.panels if isinstance(p, CamerasPanel))
        window.show_panel(window.panels.index(panel))
        yield CameraFloor(window, panel, runtime, rig, tmp / "photos")
    finally:
        window.detach()
        window.event_dock.detach()
        await tasks.cancel_all()
        await runtime.stop()
        hub.stop()
        rig.kill()
        rig.wait(timeout=10)
        window.closing_allowed = True
        window.close()


async def wait_for(predicate, timeout: float = 120.0, poll: float = 0.002) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("timed out")
        await asyncio.sleep(poll)


def run_on_qt_loop(coro_factory) -> object:
    import functools

    import qasync

    app = _common.qt_application()
    with asyncio.Runner(loop_factory=functools.partial(qasync.QSelectorEventLoop, app)) as runner:
        return runner.run(coro_factory())
