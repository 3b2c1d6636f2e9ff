"""A trainer and a client on loopback for the trainer tests: the real package, or the wire simulator.

Timings are short so that liveness and retries show in a second, yet every wait in the
tests is a `wait_until` with a generous deadline, never a sleep.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from backend.sim.trainer.package_trainer import PackageTrainer
from backend.sim.trainer.rig_state import RigOptions
from backend.sim.trainer.wire_trainer import WireTrainer
from backend.trainer.client_timing import ClientTiming
from backend.trainer.trainer_client import TrainerClient
from backend.trainer.trainer_status import Liveness
from tests.helpers import free_port, wait_until

HEARTBEAT_S = 0.2
CLIENT_HEARTBEAT_S = 0.5
"""What the client expects: stale after 1.5 s, so a loaded machine's jitter is not a lost heartbeat."""


def fast_timing(**overrides: float) -> ClientTiming:
    values = {"request_timeout": 1.0, "attempts": 3, "estop_window": 6.0, "async_result_timeout": 5.0,
              "heartbeat_interval": CLIENT_HEARTBEAT_S, "offline_after": 4.0, "status_refresh": 600.0}
    values.update(overrides)
    return ClientTiming(**values)  # type: ignore[arg-type]


def ports() -> tuple[int, int]:
    return free_port(), free_port()


@contextlib.asynccontextmanager
async def client_for(pub_port: int, rep_port: int, name: str = "North", **timing: float) -> AsyncIterator[TrainerClient]:
    client = TrainerClient(name, "127.0.0.1", pub_port, rep_port, timing=fast_timing(**timing))
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


async def until_synced(client: TrainerClient) -> None:
    """Heard, and the resync (configuration, then status) has landed."""
    await wait_until(lambda: client.model.liveness is Liveness.ONLINE and client.model.configuration
                     and client.model.application_mode is not None, timeout=15, what="the first resync")


@contextlib.asynccontextmanager
async def package_floor(rig_options: RigOptions | None = None, **timing: float) -> AsyncIterator[tuple[PackageTrainer, TrainerClient]]:
    """The real auto-trainer-api 0.12.0 service and a synced client."""
    pub, rep = ports()
    async with PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S, rig_options=rig_options) as trainer:
        async with client_for(pub, rep, **timing) as client:
            await until_synced(client)
            yield trainer, client


@contextlib.asynccontextmanager
async def wire_floor(*, legacy: bool = False, synced: bool = True, **timing: float) -> AsyncIterator[tuple[WireTrainer, TrainerClient]]:
    """The hand-written wire simulator (fault injection) and a client."""
    pub, rep = ports()
    async with WireTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S, legacy=legacy) as trainer:
        async with client_for(pub, rep, **timing) as client:
            if synced:
                await until_synced(client)
            yield trainer, client
