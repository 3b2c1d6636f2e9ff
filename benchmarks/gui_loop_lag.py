"""GUI event-loop lag with the Bus panel watching a 20,000 msg/s stream.

The real window, offscreen: QApplication + `asyncio.Runner(loop_factory=partial(
qasync.QSelectorEventLoop, app))` as in ENGINEERING.md §2.1, a `Hub` on free ports in this
process (as the app embeds one), a `SwitchboardRuntime` (Switchboard's service and the bus
monitor) connected to it with start_hub off, and the `MainWindow` attached to it as the app
does, shown on the Bus panel, light theme. A separate publisher process connects a PUB to
the hub's publish port and sends realistic Updates to BROADCAST (10 services, 100-300 byte
message frames) at a paced rate: a batch every 10 ms, each batch due at start + k x 10 ms
(drift corrected).

Both Switchboard's service (it subscribes to Update→BROADCAST) and the monitor (everything)
receive the stream, so this process decodes twice the publish rate.

Lag probe: a coroutine on the qasync loop sleeps 5 ms again and again and records how late
each wake-up is (actual - expected). An idle phase measures the probe's floor first.

Target (issue): with the window shown offscreen and the Bus panel watching a 20,000 msg/s
stream, the event loop's lag p99 stays under 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import multiprocessing
import resource
import time
from pathlib import Path

import _common
from loop_trace import LoopTrace

TARGET_P99_MS = 25.0
PROBE_INTERVAL_S = 0.005


class GcWatch:
    """Times the garbage collector's pauses by generation (gc.callbacks), while enabled."""

    def __init__(self) -> None:
        import gc

        self._gc = gc
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.active = False
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self.active:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def close(self) -> None:
        self._gc.callbacks.remove(self._callback)

    def line(self, seconds: float) -> str:
        parts = []
        for generation, pauses in self.pauses.items():
            if pauses:
                parts.append(
                    f"gen{generation} {len(pauses) / seconds:.1f}/s, max {max(pauses) * 1000:.1f} ms, "
                    f"total {sum(pauses) / seconds * 100:.1f} % of the time"
                )
            else:
                parts.append(f"gen{generation} none")
        return "; ".join(parts)


class LagProbe:
    def __init__(self, interval: float = PROBE_INTERVAL_S) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (expected wake-up, lateness), perf_counter seconds
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        clock = time.perf_counter
        interval = self.interval
        append = self.samples.append
        while True:
            expected = clock() + interval
            await asyncio.sleep(interval)
            append((expected, clock() - expected))

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name="lag-probe")

    async def stop(self) -> None:
        await _common.cancel_and_wait(self.task)

    def between(self, start: float, end: float) -> list[float]:
        return [lag for at, lag in self.samples if start <= at < end]


def lag_line(lags: list[float]) -> str:
    ms = [lag * 1000 for lag in lags]
    if not ms:
        return "no samples"
    return (
        f"p50 {_common.percentile(ms, 50):6.2f} ms   p90 {_common.percentile(ms, 90):6.2f}   "
        f"p99 {_common.percentile(ms, 99):6.2f}   max {max(ms):7.2f}   ({len(ms)} wake-ups)"
    )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def wait_for_reply(conn, timeout: float):
    """Poll the publisher's pipe without blocking the loop."""
    deadline = time.monotonic() + timeout
    while not conn.poll():
        if time.monotonic() > deadline:
            raise TimeoutError("publisher did not answer")
        await asyncio.sleep(0.05)
    return conn.recv()


async def amain(args: argparse.Namespace, app, conn, tmp: Path) -> dict:
    import logging

    from backend.app.audit_log import AuditLog
    from backend.app.event_log import EventLog, EventLogHandler
    from backend.app.operator_actions import OperatorActions
    from backend.app.runtime import SwitchboardRuntime
    from backend.app.settings import validate
    from backend.bus.endpoints import HubEndpoints
    from backend.bus.hub import Hub
    from gui import tasks
    from gui.app_context import AppContext
    from gui.main_window import MainWindow
    from gui.theme import apply_theme
    from gui.window_state import WindowState

    loop = asyncio.get_running_loop()
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = hub.start()
    events = EventLog()
    handler = EventLogHandler(events, loop)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    audit = AuditLog(tmp / "audit.jsonl")
    settings = validate(
        {
            "bus": {
                "host": "127.0.0.1",
                "pub_port": endpoints.pub_port,
                "sub_port": endpoints.sub_port,
                "machine_name": "BENCH1",
                "start_hub": False,
            }
        }
    )
    apply_theme(app, args.theme)
    runtime = SwitchboardRuntime(settings, events, audit)
    await runtime.start()
    assert runtime.service is not None and runtime.monitor is not None
    window = MainWindow(events, WindowState(tmp / "window.ini"), on_close=lambda: None)
    window.attach(AppContext(runtime, OperatorActions(runtime.service, audit), events, audit))
    window.show()
    window.show_panel(0)
    if not args.default_gc:
        from backend.garbage_collection import tune_for_latency

        tune_for_latency()  # as gui/application.py does once the window is up
    panel = window.panels[0]
    flushes = {"count": 0, "rows": 0}

    def on_flush(added: int) -> None:
        flushes["count"] += 1
        flushes["rows"] += added

    panel.traffic.flushed.connect(on_flush)
    conn.send(("endpoint", endpoints.publish_to))
    ready = await wait_for_reply(conn, 30)
    await asyncio.sleep(1.5)  # window exposed, links up, publisher's subscription forwarded
    print(
        f"window: {window.width()}x{window.height()}, panel '{panel.title}' visible={panel.isVisible()}, "
        f"hub linked={runtime.service.hub_linked}; publisher pool {ready[1]} messages",
        flush=True,
    )

    trace = args.trace_object
    probe = LagProbe()
    probe.start()
    idle_start = time.perf_counter()
    await asyncio.sleep(args.idle)
    idle_end = time.perf_counter()

    monitor, service = runtime.monitor, runtime.service
    m0, s0 = monitor.total, service.connection.stats.received
    f0, r0 = flushes["count"], flushes["rows"]
    gc_watch = GcWatch()
    gc_watch.active = True
    cpu0, thread0 = cpu_seconds(), time.thread_time()
    meter = _common.CpuMeter()
    load_start = time.perf_counter()
    if trace is not None:
        trace.start()
    conn.send(("run", args.seconds))
    print(f"load: {args.rate:,.0f} msg/s for {args.seconds:.0f} s ...", flush=True)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    timeline = []
    while not conn.poll():
        await asyncio.sleep(1.0)
        now = time.perf_counter()
        recent = [lag for at, lag in probe.samples[-400:] if at >= now - 1.0]
        timeline.append(
            (
                now - load_start,
                monitor.total - m0,
                service.connection.stats.received - s0,
                panel.traffic.rowCount(),
                len(panel.traffic.pending),
                max(recent, default=0.0),
            )
        )
        if now - load_start > args.seconds + 60:
            raise TimeoutError("publisher did not finish")
    reply = conn.recv()
    load_end = time.perf_counter()
    if trace is not None:
        trace.stop()
    if profiler is not None:
        profiler.disable()
    cpu1, thread1 = cpu_seconds(), time.thread_time()
    gc_watch.active = False
    gc_watch.close()
    m1, s1 = monitor.total, service.connection.stats.received
    _, sent, pub_elapsed, pub_worst, pub_cpu = reply
    machine_line = meter.line(extra_own_seconds=pub_cpu)
    # drain what is still queued, to see whether the process kept up
    drain_start = time.perf_counter()
    while monitor.total - m0 < sent and time.perf_counter() - drain_start < 30:
        await asyncio.sleep(0.05)
    drained_after = time.perf_counter() - drain_start
    await asyncio.sleep(0.2)
    rows = panel.traffic.rowCount()
    await probe.stop()

    result = {
        "idle": probe.between(idle_start, idle_end),
        "load": probe.between(load_start, load_end),
        "load_s": load_end - load_start,
        "sent": sent,
        "pub_elapsed": pub_elapsed,
        "pub_worst": pub_worst,
        "pub_cpu": pub_cpu / (load_end - load_start),
        "machine_line": machine_line,
        "gc_line": gc_watch.line(load_end - load_start),
        "monitor": m1 - m0,
        "monitor_total_after_drain": monitor.total - m0,
        "service": s1 - s0,
        "drained_after": drained_after,
        "cpu": (cpu1 - cpu0) / (load_end - load_start),
        "main_thread_cpu": (thread1 - thread0) / (load_end - load_start),
        "rows": rows,
        "flushes": flushes["count"] - f0,
        "flush_rows": flushes["rows"] - r0,
        "timeline": timeline,
        "malformed": monitor.connection.stats.malformed_total,
        "history": len(monitor.history),
        "profiler": profiler,
    }

    logging.getLogger().removeHandler(handler)
    window.detach()
    window.event_dock.detach()
    await tasks.cancel_all()
    await runtime.stop()
    hub.stop()
    window.closing_allowed = True
    window.close()
    window.deleteLater()
    await asyncio.sleep(0.05)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20_000, help="published messages per second")
    parser.add_argument("--batch", type=int, default=200, help="messages per publisher batch (200 = one every 10 ms at 20k/s)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the loaded phase")
    parser.add_argument("--idle", type=float, default=3.0, help="length of the idle phase before it")
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--theme", default="light")
    parser.add_argument("--default-gc", action="store_true", help="keep CPython's collector thresholds (the app tunes them)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the loaded phase (slows it) and save pstats to FILE")
    parser.add_argument(
        "--trace", action="store_true", help="time every callback and Qt event of the loaded phase (loop_trace.py)"
    )
    args = parser.parse_args()
    args.trace_object = LoopTrace() if args.trace else None

    tmp_dir = _common.private_app_folders()
    tmp = Path(tmp_dir.name)

    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    publisher = spawn.Process(target=_publisher_entry, args=(child, args.rate, args.batch, args.pool), daemon=True)
    publisher.start()

    import qasync

    app = _common.qt_application(args.trace_object)
    _common.header(
        "GUI event-loop lag: Bus panel watching a paced stream",
        f"lag p99 < {TARGET_P99_MS:.0f} ms at {args.rate:,.0f} msg/s, window shown offscreen on the Bus panel",
        env_keys=("QT_QPA_PLATFORM",),
    )
    factory = functools.partial(qasync.QSelectorEventLoop, app)
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            r = runner.run(amain(args, app, parent, tmp))
    finally:
        parent.send(("stop",))
        publisher.join(5)
        tmp_dir.cleanup()

    load = r["load"]
    p99 = _common.percentile([lag * 1000 for lag in load], 99)
    ingest = r["monitor"] / r["load_s"]
    print()
    print(
        f"publisher: sent {r['sent']:,} in {r['pub_elapsed']:.2f} s = {r['sent'] / r['pub_elapsed']:,.0f} msg/s "
        f"(worst batch lateness {r['pub_worst'] * 1000:.1f} ms, {r['pub_cpu'] * 100:.0f} % of a core)"
    )
    print(
        "timeline (s since start: monitor received, service received, table rows, queued for table, worst lag in the last second):"
    )
    for t, mon, svc, rows, pending, worst in r["timeline"]:
        print(f"  {t:5.1f}  {mon:>9,}  {svc:>9,}  {rows:>6,}  {pending:>6,}  {worst * 1000:6.1f} ms")
    print()
    print(f"lag, idle (probe floor)   {lag_line(r['idle'])}")
    print(f"lag, under load           {lag_line(load)}")
    print(
        f"ingest seen by the monitor: {ingest:,.0f} msg/s over the loaded phase ({r['monitor']:,} of {r['sent']:,}); "
        f"Switchboard's service {r['service'] / r['load_s']:,.0f} msg/s"
    )
    backlog = r["sent"] - r["monitor"]
    print(
        f"backlog at the end of the load: {backlog:,} messages; all {r['monitor_total_after_drain']:,} in after "
        f"{r['drained_after']:.2f} s more"
    )
    print(
        f"traffic table: {r['rows']:,} rows (limit 20,000), {r['flushes']} flushes adding {r['flush_rows']:,} rows "
        f"({r['flushes'] / r['load_s']:.1f}/s); monitor history {r['history']:,}; malformed {r['malformed']}"
    )
    print(
        f"CPU: process {r['cpu'] * 100:.0f} % of one core (GUI thread, hub thread, libzmq I/O threads); "
        f"GUI thread {r['main_thread_cpu'] * 100:.0f} %"
    )
    print(f"garbage collector during the load: {r['gc_line']}")
    print(f"during the load: {r['machine_line']}")
    verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
    print(f"lag p99 under load = {p99:.2f} ms; target < {TARGET_P99_MS:.0f} ms: {verdict}")
    if args.trace_object is not None:
        print("\nlongest items on the GUI thread during the load (loop_trace.py):")
        for text in args.trace_object.report(r["load_s"]):
            print("  " + text)
    if r["profiler"] is not None:
        import pstats

        r["profiler"].dump_stats(args.profile)
        print(f"\nprofile of the loaded phase saved to {args.profile}; top functions by own time:")
        pstats.Stats(r["profiler"]).sort_stats("tottime").print_stats(25)
    _common.summary(
        f"gui loop lag at {args.rate:,.0f} msg/s: p50 {_common.percentile([x * 1000 for x in load], 50):.2f} ms, "
        f"p99 {p99:.2f} ms, max {max(load) * 1000:.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms: {verdict}); "
        f"ingest {ingest:,.0f} msg/s; table {r['rows']:,} rows; process CPU {r['cpu'] * 100:.0f} %, GUI thread {r['main_thread_cpu'] * 100:.0f} %"
    )


def _publisher_entry(conn, rate: float, batch: int, pool: int) -> None:
    """Waits for the hub's publish endpoint, then runs the paced publisher."""
    command = conn.recv()
    _common.paced_publisher(conn, command[1], rate, batch, pool)


if __name__ == "__main__":
    main()
