"""Stopping the tasks an object owns: cancel them all at once, then wait for each to end.

Every client, simulator and service stops the same way, and the details matter: cancel
all first (so none waits behind another), then await each so nothing runs on after
`stop()` returns; what a task raises on its way out is its own affair (its failure was
already logged where it happened), never a reason for the stop itself to fail.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any] | None]) -> None:
    """Cancel every task (None entries are skipped), then wait until each has ended."""
    owned = [task for task in tasks if task is not None]
    for task in owned:
        task.cancel()
    for task in owned:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
