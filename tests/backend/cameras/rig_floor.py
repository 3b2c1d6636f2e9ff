"""A simulated rig and a client connected to it, on free loopback ports, for the camera tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

from backend.bus.errors import CallTimeout
from backend.bus.service import BusService
from backend.cameras.rig_client import RigClient, RigTimings
from backend.sim.cameras.rig_simulator import RigSimulator
from backend.sim.cameras.simulated_app import Timing
from tests.helpers import wait_until

FAST = Timing(capture_delay=0.02, download_delay=0.02)


def fast_timings(**overrides: float) -> RigTimings:
    """Short settle and resync intervals; generous timeouts, so a loaded machine does not fail a test."""
    values = {"request_timeout": 5.0, "synchronise_timeout": 10.0, "shot_timeout": 15.0, "settle": 0.05, "silence_probe": 30.0, "resync_interval": 0.2}
    values.update(overrides)
    return RigTimings(**values)


@contextlib.asynccontextmanager
async def running_rig(photos: Path, cameras: int = 4, **options) -> AsyncIterator[RigSimulator]:
    simulator = RigSimulator(cameras=cameras, events="tcp://127.0.0.1:0", requests="tcp://127.0.0.1:0", photos_dir=photos, timing=options.pop("timing", FAST), **options)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@contextlib.asynccontextmanager
async def connected_client(simulator: RigSimulator, name: str = "North", *, synchronised: bool = True, **timings: float) -> AsyncIterator[RigClient]:
    client = RigClient(name, simulator.events_endpoint, simulator.requests_endpoint, timings=fast_timings(**timings))
    await client.start()
    try:
        if synchronised:
            await wait_until(lambda: client.synchronised, timeout=15, what="the first Synchronise")
        yield client
    finally:
        await client.stop()


async def first_call(client: BusService, target: str, method: str, params: dict, timeout: float = 20.0) -> object:
    """Call over the bus; the first tries may time out until both services' subscriptions reach the hub."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await client.call(target, method, params, timeout=5.0)
        except CallTimeout:
            if time.monotonic() > deadline:
                raise
