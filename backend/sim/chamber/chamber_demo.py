"""The demo floor's chamber: a simulated XO-VAC+ at ×20, pumping down from the start.

At ×20 a demo recipe (60 °C then back to 25 °C, with short holds) completes in a few
minutes of wall time, and the pump-down is on the plots as soon as the panel opens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from backend.sim.chamber.chamber_server import ChamberServer

DEMO_TIME_SCALE = 20.0
DEMO_TELEMETRY_HZ = 2.0
DEMO_LIMITS = {
    "pressure": {"warning_high": 5.0, "alarm_high": 90.0},
    "shroud": {"warning_high": 100.0, "alarm_high": 115.0},
    "coolant": {"warning_high": 40.0, "alarm_high": 50.0},
}


@asynccontextmanager
async def demo_chamber(workdir: Path) -> AsyncIterator[list[dict[str, Any]]]:
    """Run one simulated chamber on a free port; yield its `[[chambers]]` entry."""
    server = ChamberServer(port=0, time_scale=DEMO_TIME_SCALE, telemetry_hz=DEMO_TELEMETRY_HZ, seed=1)
    server.device.pump(True)
    await server.start()
    try:
        yield [{"name": "XO-VAC 1", "url": server.url, "limits": DEMO_LIMITS, "telemetry_hz": DEMO_TELEMETRY_HZ}]
    finally:
        await server.stop()
