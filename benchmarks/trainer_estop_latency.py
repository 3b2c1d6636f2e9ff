"""Emergency-stop latency: from the click on the toolbar's EMERGENCY STOP to the trainer,
with the bus flooded at 20,000 msg/s, beside a plain pyzmq REQ sent to the same trainer.

Set-up (as benchmarks/gui_loop_lag.py): QApplication + qasync loop, a `Hub` in this process,
a `SwitchboardRuntime` with one `[[trainers]]` entry, the `MainWindow` shown offscreen on the
Bus panel (the panel that works hardest under a flood), and a paced publisher process
sending Updates to the hub at `--rate`.

The trainer runs in its own process: the real auto-trainer-api 0.12.0 service with the
simulated rig, whose command handler stamps the moment it is called. Its REP port is
reached through a pass-through TCP relay in the same process, which stamps the moment a
request's first bytes arrive: that is "on the wire". Clocks: `time.monotonic()`
(CLOCK_MONOTONIC, shared by every process on a Linux machine).

Rounds alternate between:
- Switchboard: a click on the toolbar button, queued on the Qt event loop as a real click
  is (a zero-delay timer), stamped when queued;
- plain REQ: a blocking pyzmq REQ in a third process (no Qt, no flood) sends EMERGENCY_STOP,
  stamped just before `send`.

For each: click → request on the wire, and click → the device's command handler, p50 and p99.
The handler figure includes the package's own loop, which checks its REP socket at most
every 50 ms, on both sides alike; the wire figure is what Switchboard itself adds.
By default the window shows the Chamber panel with a simulated chamber (×20, 10 Hz telemetry,
pumping down) in the trainer's process, so its plots redraw throughout, as the issue asks;
`--panel bus` shows the Bus panel instead, whose traffic table repaints under the flood.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import multiprocessing
import random
import sys
import time
from pathlib import Path

import _common
from gui_loop_lag import _publisher_entry, wait_for_reply
from loop_trace import LoopTrace

TARGET_ADDED_P99_MS = 5.0
CHAMBER_HZ = 10.0
STOP = b'{"command":200,"nonce":%d,"data":null}'


# ------------------------------------------------------------------ the trainer process


def _trainer_entry(conn) -> None:
    """The package-based trainer plus a stamping TCP relay in front of its REP port."""
    sys.path.insert(0, str(_common.ROOT))
    asyncio.run(_trainer_main(conn))


async def _trainer_main(conn) -> None:
    from backend.sim.chamber.chamber_server import ChamberServer
    from backend.sim.trainer.package_trainer import PackageTrainer
    from backend.sim.trainer.trainer_sim import free_loopback_port
    from backend.trainer.wire_enums import Command

    pub, rep = free_loopback_port(), free_loopback_port()
    handler_stamps: list[float] = []
    wire_stamps: list[float] = []
    trainer = PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=1.0)

    def on_command(command: int) -> None:
        if command == Command.EMERGENCY_STOP:
            handler_stamps.append(time.monotonic())

    trainer.rig.on_command = on_command
    await asyncio.to_thread(trainer.start)
    relay = await asyncio.start_server(functools.partial(_relay, rep, wire_stamps), "127.0.0.1", 0)
    relay_port = relay.sockets[0].getsockname()[1]
    chamber = ChamberServer(port=0, time_scale=20.0, telemetry_hz=CHAMBER_HZ, seed=1)
    chamber.device.pump(True)
    await chamber.start()
    conn.send(("ready", pub, relay_port, chamber.url))
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "stamps":
            conn.send((list(handler_stamps), list(wire_stamps)))
        elif command[0] == "stop":
            break
    relay.close()
    await chamber.stop()
    await asyncio.to_thread(trainer.stop)


async def _relay(target_port: int, stamps: list[float], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)

    async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, stamp: bool) -> None:
        try:
            while data := await source.read(65536):
                if stamp:
                    stamps.append(time.monotonic())
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()

    await asyncio.gather(pump(reader, upstream_writer, True), pump(upstream_reader, writer, False))


# ------------------------------------------------------------------ the plain REQ process


def _plain_req_entry(conn, endpoint: str) -> None:
    """A console written with nothing but pyzmq: blocking REQ, one EMERGENCY_STOP per command."""
    import zmq

    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(endpoint)
    nonce = 1_000_000
    conn.send(("ready",))
    while conn.recv()[0] == "send":
        nonce += 1
        started = time.monotonic()
        req.send(STOP % nonce)
        req.recv()
        conn.send((started, time.monotonic()))
    req.close()
    ctx.term()


# ------------------------------------------------------------------ Switchboard


async def amain(args: argparse.Namespace, app, flood, trainer, plain, tmp: Path) -> dict:
    from PySide6.QtCore import QTimer

    from backend.app.audit_log import AuditLog
    from backend.app.event_log import EventLog
    from backend.app.operator_actions import OperatorActions
    from backend.app.runtime import SwitchboardRuntime
    from backend.app.settings import validate
    from backend.bus.endpoints import HubEndpoints
    from backend.bus.hub import Hub
    from backend.garbage_collection import tune_for_latency
    from backend.trainer.trainer_status import Liveness
    from gui import tasks
    from gui.app_context import AppContext
    from gui.main_window import MainWindow
    from gui.window_state import WindowState

    _, pub_port, relay_port, chamber_url = await wait_for_reply(trainer, 30)
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = hub.start()
    events = EventLog()
    audit = AuditLog(tmp / "audit.jsonl")
    settings = validate({
        "bus": {"host": "127.0.0.1", "pub_port": endpoints.pub_port, "sub_port": endpoints.sub_port,
                "machine_name": "BENCH1", "start_hub": False},
        "trainers": [{"name": "Rig 1", "host": "127.0.0.1", "pub_port": pub_port, "rep_port": relay_port}],
        "chambers": [{"name": "XO 1", "url": chamber_url, "telemetry_hz": CHAMBER_HZ}],
    })
    runtime = SwitchboardRuntime(settings, events, audit)
    await runtime.start()
    window = MainWindow(events, WindowState(tmp / "window.ini"), on_close=lambda: None)
    window.attach(AppContext(runtime, OperatorActions(runtime.service, audit), events, audit))
    window.show()
    panel = next(p for p in window.panels if p.title.lower().startswith(args.panel))
    window.show_panel(window.panels.index(panel))
    tune_for_latency()
    client = runtime.fleets["trainers"].clients["Rig 1"]
    deadline = time.monotonic() + 30
    while client.model.liveness is not Liveness.ONLINE or client.model.application_mode is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the trainer never came online")
        await asyncio.sleep(0.05)
    button = window.toolbar.widgetForAction(window.emergency_stop)
    await wait_for_reply(plain, 30)

    flood.send(("endpoint", endpoints.publish_to))
    await wait_for_reply(flood, 30)
    await asyncio.sleep(1.0)
    flood.send(("run", args.seconds))
    meter = _common.CpuMeter()
    measured_from = time.perf_counter()
    if args.trace_object is not None:
        args.trace_object.start()
    await asyncio.sleep(1.0)  # the flood reaches its pace

    switchboard: list[float] = []
    delivered: list[float] = []

    def click() -> None:
        delivered.append(time.monotonic())  # the loop got round to the queued click
        button.click()

    plain_starts: list[float] = []
    rounds = 0
    rng = random.Random(3)
    load_end = time.monotonic() + args.seconds - 2.0
    while rounds < args.rounds and time.monotonic() < load_end:
        rounds += 1
        previous = client._estop_task
        clicked = time.monotonic()
        QTimer.singleShot(0, click)
        while client._estop_task is previous or not client._estop_task.done():
            await asyncio.sleep(0.001)
        if not client._estop_task.result().ok:
            print(f"round {rounds}: {client._estop_task.result().sentence}")
        switchboard.append(clicked)
        await asyncio.sleep(rng.uniform(0.03, 0.09))
        plain.send(("send",))
        started, _ = await wait_for_reply(plain, 10)
        plain_starts.append(started)
        await asyncio.sleep(rng.uniform(0.03, 0.09))
    flood_reply = await wait_for_reply(flood, args.seconds + 60)
    machine_line = meter.line(extra_own_seconds=flood_reply[4])
    if args.trace_object is not None:
        args.trace_object.stop()
        args.trace_seconds = time.perf_counter() - measured_from
    trainer.send(("stamps",))
    handler_stamps, wire_stamps = await wait_for_reply(trainer, 10)

    window.detach()
    window.event_dock.detach()
    await tasks.cancel_all()
    await runtime.stop()
    hub.stop()
    window.closing_allowed = True
    window.close()
    window.deleteLater()
    await asyncio.sleep(0.05)
    return {"switchboard": switchboard, "delivered": delivered, "plain": plain_starts, "handler": handler_stamps, "wire": wire_stamps,
            "flood": flood_reply, "machine": machine_line}


def first_after(stamps: list[float], start: float) -> float | None:
    return next((s for s in stamps if s >= start), None)


def latencies(starts: list[float], stamps: list[float]) -> list[float]:
    found = [first_after(stamps, start) for start in starts]
    return [(end - start) * 1000 for start, end in zip(starts, found) if end is not None]


def line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<38} no samples"
    return (f"{label:<38} p50 {_common.percentile(values, 50):7.2f} ms   p99 {_common.percentile(values, 99):7.2f} ms   "
            f"max {max(values):7.2f} ms   ({len(values)} stops)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20_000, help="bus messages per second during the measurement")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=150, help="emergency stops per side")
    parser.add_argument("--seconds", type=float, default=45.0, help="length of the flood (the rounds must fit in it)")
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--panel", choices=("chamber", "bus"), default="chamber", help="the panel on screen during the flood")
    parser.add_argument("--trace", action="store_true", help="time every callback and Qt event during the flood (loop_trace.py)")
    args = parser.parse_args()
    args.trace_object = LoopTrace() if args.trace else None

    tmp_dir = _common.private_app_folders()
    tmp = Path(tmp_dir.name)

    spawn = multiprocessing.get_context("spawn")
    flood, flood_child = spawn.Pipe()
    trainer, trainer_child = spawn.Pipe()
    plain, plain_child = spawn.Pipe()
    flooder = spawn.Process(target=_publisher_entry, args=(flood_child, args.rate, args.batch, args.pool), daemon=True)
    trainer_process = spawn.Process(target=_trainer_entry, args=(trainer_child,), daemon=True)
    flooder.start()
    trainer_process.start()
    ready = trainer.recv()
    trainer_endpoint = f"tcp://127.0.0.1:{ready[2]}"
    plain_process = spawn.Process(target=_plain_req_entry, args=(plain_child, trainer_endpoint), daemon=True)
    plain_process.start()

    import qasync

    app = _common.qt_application(args.trace_object)
    _common.header(
        "Emergency-stop latency: toolbar click to the trainer, bus flooded",
        f"Switchboard adds < {TARGET_ADDED_P99_MS:.0f} ms p99 to what a plain pyzmq REQ sees, at {args.rate:,.0f} msg/s on the bus",
        env_keys=("QT_QPA_PLATFORM",),
    )
    print(f"panel shown: {args.panel}" + (f" (plots of a {CHAMBER_HZ:g} Hz chamber redrawing)" if args.panel == "chamber" else " (traffic table repainting)"))
    trainer_conn = _Replay(trainer, ready)
    factory = functools.partial(qasync.QSelectorEventLoop, app)
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            r = runner.run(amain(args, app, flood, trainer_conn, plain, tmp))
    finally:
        for conn in (flood, trainer, plain):
            conn.send(("stop",))
        for process in (flooder, trainer_process, plain_process):
            process.join(5)
        tmp_dir.cleanup()

    _, sent, elapsed, worst, _cpu = r["flood"]
    print(f"flood: {sent:,} Updates in {elapsed:.1f} s = {sent / elapsed:,.0f} msg/s (worst batch lateness {worst * 1000:.1f} ms)")
    print(f"during the flood: {r['machine']} (the trainer and plain-REQ processes count as other processes)")
    results = {
        "Switchboard click -> on the wire": latencies(r["switchboard"], r["wire"]),
        "plain REQ send -> on the wire": latencies(r["plain"], r["wire"]),
        "Switchboard click -> command handler": latencies(r["switchboard"], r["handler"]),
        "plain REQ send -> command handler": latencies(r["plain"], r["handler"]),
    }
    for label, values in results.items():
        print(line(label, values))
    waits = [(d - s) * 1000 for s, d in zip(r["switchboard"], r["delivered"])]
    own = latencies(r["delivered"], r["wire"])
    print("where the Switchboard figure goes:")
    print(line("  click queued -> click handled (loop lag)", waits))
    print(line("  click handled -> on the wire (trainer code)", own))
    if args.trace_object is not None:
        print("longest items on the GUI thread during the flood (loop_trace.py):")
        for text in args.trace_object.report(args.trace_seconds):
            print("  " + text)
    p99 = {label: _common.percentile(values, 99) for label, values in results.items()}
    added_wire = p99["Switchboard click -> on the wire"] - p99["plain REQ send -> on the wire"]
    added_handler = p99["Switchboard click -> command handler"] - p99["plain REQ send -> command handler"]
    verdict = "met" if added_wire < TARGET_ADDED_P99_MS and added_handler < TARGET_ADDED_P99_MS else "NOT met"
    print(f"Switchboard adds, p99: {added_wire:.2f} ms to the wire, {added_handler:.2f} ms to the handler "
          f"(the handler figures include the package's own loop of up to 50 ms on both sides); target < "
          f"{TARGET_ADDED_P99_MS:.0f} ms: {verdict}")
    _common.summary(
        f"trainer e-stop at {args.rate:,.0f} msg/s, {args.panel} panel shown: click->wire p50 {_common.percentile(results['Switchboard click -> on the wire'], 50):.2f} / "
        f"p99 {p99['Switchboard click -> on the wire']:.2f} ms (plain REQ p99 {p99['plain REQ send -> on the wire']:.2f}); "
        f"click->handler p99 {p99['Switchboard click -> command handler']:.2f} ms (plain {p99['plain REQ send -> command handler']:.2f}); "
        f"added p99 {added_wire:.2f} ms wire, {added_handler:.2f} ms handler ({verdict}); of which loop lag before the click "
        f"is handled p99 {_common.percentile(waits, 99):.2f} ms, click handled -> wire p99 {_common.percentile(own, 99):.2f} ms"
    )


class _Replay:
    """The trainer's pipe, with its ready message (already read by main) handed out once more."""

    def __init__(self, conn, first) -> None:
        self._conn, self._first = conn, first

    def poll(self) -> bool:
        return self._first is not None or self._conn.poll()

    def recv(self):
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return self._conn.recv()

    def send(self, message) -> None:
        self._conn.send(message)


if __name__ == "__main__":
    main()
