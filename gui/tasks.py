"""Background tasks started from the GUI, kept alive and never failing silently.

qasync 0.28 keeps no strong reference to the tasks its slots start (ENGINEERING.md
§2.2), so a task could be garbage-collected mid-flight. Widgets start their coroutines
here instead: the set holds them until they finish, and a failure is logged with its
traceback and shown in the event log as one sentence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)
_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any], name: str = "gui-task") -> asyncio.Task[Any]:
    """Run `coro` on the event loop in the background."""
    task = asyncio.get_event_loop().create_task(coro, name=name)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("%s failed: %s", task.get_name(), error, exc_info=error, extra={"source": "Switchboard"})


def running() -> set[asyncio.Task[Any]]:
    return set(_running)


async def cancel_all(timeout: float = 2.0) -> None:
    """Cancel every background task and wait (bounded) for them to finish: used at exit."""
    tasks = [task for task in _running if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
