"""The demo floor's camera rig: eight simulated cameras inside the demo process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from backend.sim.cameras.rig_simulator import RigSimulator

DEMO_CAMERAS = 8


@contextlib.asynccontextmanager
async def demo_camera_rig(work: Path) -> AsyncIterator[list[dict[str, Any]]]:
    """Run an 8-camera rig on free loopback ports, its photos in `work`; yield its `[[cameras]]` entry."""
    simulator = RigSimulator(cameras=DEMO_CAMERAS, events="tcp://127.0.0.1:0", requests="tcp://127.0.0.1:0", photos_dir=work / "photos")
    await simulator.start()
    try:
        yield [{"name": "Demo rig", "events": simulator.events_endpoint, "requests": simulator.requests_endpoint}]
    finally:
        await simulator.stop()
