"""Running backend code without Qt: one asyncio loop, stopped cleanly by Ctrl+C or SIGTERM.

Every headless entry point (`switchboard serve`, the hub, the simulators, the bus
command line) goes through `run()`, so they all stop the same way: the stop event is
set, the main coroutine cleans up its own tasks and sockets, and the loop closes.
On Windows the loop is a selector loop, which `zmq.asyncio` needs (ENGINEERING.md §2.4).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    return asyncio.SelectorEventLoop if sys.platform == "win32" else asyncio.new_event_loop


def run(main: Callable[[asyncio.Event], Coroutine[Any, Any, int]]) -> int:
    """Run `main(stop)` to completion; `stop` is set on SIGINT or SIGTERM."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(_with_stop_signals(main))


async def _with_stop_signals(main: Callable[[asyncio.Event], Coroutine[Any, Any, int]]) -> int:
    stop = asyncio.Event()
    install_stop_signals(stop)
    return await main(stop)


def dump_tasks(stream: Any = None) -> None:
    """Print every asyncio task and where it waits: `kill -USR1 <pid>` on a process that seems stuck."""
    out = stream or sys.stderr
    tasks = asyncio.all_tasks()
    print(f"--- {len(tasks)} asyncio tasks ---", file=out)
    for task in sorted(tasks, key=lambda t: t.get_name()):
        print(f"{task.get_name()}:", file=out)
        task.print_stack(limit=8, file=out)
    out.flush()


def install_stop_signals(stop: asyncio.Event) -> None:
    """Set `stop` on Ctrl+C and SIGTERM instead of raising KeyboardInterrupt mid-cleanup.

    SIGUSR1 (POSIX) prints every task and where it waits, for a maintainer.
    """
    loop = asyncio.get_running_loop()
    if hasattr(signal, "SIGUSR1"):
        loop.add_signal_handler(signal.SIGUSR1, dump_tasks)
    for signum in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if signum is None:
            continue
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: no add_signal_handler
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
