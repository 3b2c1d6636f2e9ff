"""What holds the GUI thread: every asyncio callback and every top-level Qt event, timed.

Used by `gui_loop_lag.py --trace` (and `trainer_estop_latency.py --trace`). An operator's
click waits for whatever the Qt main thread is doing when it arrives, so the figure that
matters is how long single items run. Each item is timed twice:

- in CPU time of the GUI thread (`time.thread_time`): the work itself, which the code
  decides; it hardly moves when other processes load the machine;
- in wall time: the work plus any time the thread was not running (other processes,
  other threads of this one), which the code does not decide.

Asyncio callbacks are timed by wrapping `asyncio.Handle._run`; Qt events by overriding
`QApplication.notify` (top level only, so a repaint is one item however many widgets it
paints); garbage collections through `gc.callbacks` (a collection runs inside whichever
item allocated last, and is listed apart as "gc genN" as well). A qasync callback runs inside a Qt timer event, so it appears twice: once by its
own name and once inside "Timer _SimpleTimer". Tracing costs a few microseconds per item,
so traced runs are a little slower than untraced ones.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import defaultdict

import _common

LONG_S = 0.005
"""Items longer than this (CPU) are counted apart: they alone can put a click over the 5 ms target."""


class LoopTrace:
    def __init__(self) -> None:
        self.active = False
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.wall: dict[str, list[float]] = defaultdict(list)
        self._original_run = asyncio.Handle._run
        self._gc_started = (0.0, 0.0)

    def application_class(self, base: type) -> type:
        """A QApplication subclass whose `notify` times top-level events while the trace is active."""
        trace = self
        depth = [0]

        class TracedApplication(base):  # type: ignore[misc, valid-type]
            def notify(self, receiver, event):  # noqa: ANN001, ANN202 - Qt's signature
                if depth[0] or not trace.active:
                    return super().notify(receiver, event)
                depth[0] += 1
                kind = f"Qt {event.type().name} -> {type(receiver).__name__}"
                wall, cpu = time.perf_counter(), time.thread_time()
                try:
                    return super().notify(receiver, event)
                finally:
                    depth[0] -= 1
                    trace.record(kind, time.thread_time() - cpu, time.perf_counter() - wall)

        return TracedApplication

    def start(self) -> None:
        trace, original = self, self._original_run

        def timed_run(handle: asyncio.Handle) -> None:
            if not trace.active:
                return original(handle)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(handle)
            finally:
                trace.record("asyncio " + _callback_name(handle), time.thread_time() - cpu, time.perf_counter() - wall)

        asyncio.Handle._run = timed_run  # type: ignore[method-assign]
        gc.callbacks.append(self._on_gc)
        self.active = True

    def stop(self) -> None:
        self.active = False
        asyncio.Handle._run = self._original_run  # type: ignore[method-assign]
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = (time.thread_time(), time.perf_counter())
        else:
            cpu, wall = self._gc_started
            self.record(f"gc gen{info['generation']}", time.thread_time() - cpu, time.perf_counter() - wall)

    def record(self, kind: str, cpu: float, wall: float) -> None:
        self.cpu[kind].append(cpu)
        self.wall[kind].append(wall)

    def report(self, seconds: float, top: int = 12) -> list[str]:
        """Lines for the kinds with the longest items, longest first (CPU ms; wall max beside)."""
        lines = [f"{'items':>7} {'CPU p50':>8} {'p99':>7} {'max':>7} {'> 5 ms':>7} {'wall max':>9}  what (ms of the GUI thread)"]
        kinds = sorted(self.cpu, key=lambda k: -max(self.cpu[k]))
        for kind in kinds[:top]:
            cpu = [x * 1000 for x in self.cpu[kind]]
            long = sum(x > LONG_S * 1000 for x in cpu)
            lines.append(
                f"{len(cpu):7d} {_common.percentile(cpu, 50):8.2f} {_common.percentile(cpu, 99):7.2f} {max(cpu):7.2f} "
                f"{long:7d} {max(self.wall[kind]) * 1000:9.1f}  {kind}"
            )
        top_level = [x for k, v in self.cpu.items() if k.startswith("Qt ") for x in v]
        long_share = sum(x for x in top_level if x > LONG_S) / seconds
        lines.append(
            f"top-level items over {LONG_S * 1000:.0f} ms of CPU: {sum(x > LONG_S for x in top_level)} "
            f"({sum(x > LONG_S for x in top_level) / seconds:.1f}/s), covering {long_share * 100:.1f} % of the time"
        )
        return lines


def _callback_name(handle: asyncio.Handle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):  # a task's step: name it by its coroutine
        return "task " + getattr(owner.get_coro(), "__qualname__", "?")
    name = getattr(callback, "__qualname__", type(callback).__name__)
    args = handle._args or ()  # type: ignore[attr-defined]
    if "notifier_cb_wrapper" in name and len(args) >= 4:  # qasync: a socket became readable
        return "reader " + getattr(args[3], "__qualname__", type(args[3]).__name__)
    return name
