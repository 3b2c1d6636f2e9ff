"""Running a Store: the service, its fault control, and a clean stop (`switchboard-sim store`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from backend.app import locations
from backend.bus.endpoints import HubEndpoints
from backend.bus.store.store_database import StoreDatabase
from backend.bus.store.store_faults import StoreFaultControl
from backend.bus.store.store_service import IDENTIFY_PERIOD_S, StoreService

log = logging.getLogger(__name__)


def default_database() -> Path:
    return locations.data_dir() / "store.sqlite"


@contextlib.asynccontextmanager
async def running_store(
    endpoints: HubEndpoints,
    database: Path,
    *,
    identify_period: float = IDENTIFY_PERIOD_S,
    synchronous: str = "NORMAL",
    fault_control: bool = True,
) -> AsyncIterator[StoreService]:
    """A started Store (and its `StoreFaults` control service), stopped on exit."""
    store = StoreService(endpoints, StoreDatabase(database, synchronous), identify_period=identify_period)
    control = StoreFaultControl(endpoints, store) if fault_control else None
    await store.start()
    try:
        if control is not None:
            await control.start()
        log.info("Store database %s", database, extra={"source": "Store"})
        yield store
    finally:
        if control is not None:
            await control.stop()
        await store.stop()


async def run_store(stop: asyncio.Event, endpoints: HubEndpoints, database: Path, **options: object) -> int:
    async with running_store(endpoints, database, **options):  # type: ignore[arg-type]
        await stop.wait()
    return 0
