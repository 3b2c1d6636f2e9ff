"""A real simulated chamber on a free loopback port, and a supervised client connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from backend.chamber.chamber_client import ChamberClient
from backend.chamber.chamber_model import ChamberModel, LinkState
from backend.sim.chamber.chamber_server import ChamberServer
from tests.helpers import wait_until

FAST = {"time_scale": 600.0, "telemetry_hz": 20.0}


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[ChamberServer]:
    server = ChamberServer(port=0, **FAST)
    await server.start()
    yield server
    await server.stop()


async def connect(url: str, name: str = "North", **options) -> ChamberClient:
    """A started client whose model has received telemetry (the link is live)."""
    options.setdefault("backoff", (0.05, 0.5))
    client = ChamberClient(ChamberModel(name), url, **options)
    await client.start()
    await wait_until(lambda: client.model.link is LinkState.LIVE, timeout=15, what="live telemetry")
    return client


@pytest_asyncio.fixture
async def client(sim: ChamberServer) -> AsyncIterator[ChamberClient]:
    connected = await connect(sim.url)
    yield connected
    await connected.stop()
