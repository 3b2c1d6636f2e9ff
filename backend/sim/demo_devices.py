"""The simulated devices of the demo floor, one factory per device family.

A factory takes a work folder of its own (photos, recordings) inside the demo data
folder, runs its simulator inside the demo process on free loopback ports, and yields
the settings entries (plain tables, as in `[[cameras]]`) that point Switchboard at it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from backend.sim.trainer.trainer_sim import demo_trainer

DemoDevice = Callable[[Path], AbstractAsyncContextManager[list[dict[str, Any]]]]

DEMO_DEVICES: dict[str, DemoDevice] = {"trainers": demo_trainer}
