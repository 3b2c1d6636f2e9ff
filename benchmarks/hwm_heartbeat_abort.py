"""Reproducer (not a benchmark, not run by run_all.py): libzmq aborts the whole process when
a SUB socket with ZMTP heartbeats sits at its receive high-water mark for a few seconds.

Found twice while writing the benchmarks: the GUI process of gui_loop_lag.py (app defaults,
slowed by a sampling profiler) and bus_ingest.py (a 200k prefill into a service whose
RCVHWM was still 100,000) died with
`Assertion failed: _input_stopped (src/stream_engine_base.cpp:396)` (libzmq 4.3.5; open
upstream as zeromq/libzmq#3937). Mechanism, as far as observed: the reader stops reading,
the SUB's queue reaches RCVHWM, libzmq stops reading the TCP connection, the heartbeat
timeout (HEARTBEAT_TIMEOUT_MS) expires because no PONG can be read, the engine is torn
down, and the later restart of input asserts. Without heartbeats, or with stalls shorter
than the timeout, nothing happens.

Here: a real `Hub`, a real `BusConnection` with Switchboard's socket options (RCVHWM
`SOCKET_HWM`, heartbeat `HEARTBEAT_IVL_MS`/`HEARTBEAT_TIMEOUT_MS`), subscribed to
everything, and a publisher thread sending as fast as it can. The event loop is blocked
for `stall` seconds (as a long GUI stall or a starved process would), then reads again.
Each scenario runs in a child process so the abort can be reported.

    .venv/bin/python benchmarks/hwm_heartbeat_abort.py            # stalls of 2 and 8 s
    .venv/bin/python benchmarks/hwm_heartbeat_abort.py --stall 8 --hwm 1000
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import threading
import time

import _common


def child(stall: float, hwm: int | None, heartbeat: bool) -> None:
    import zmq

    from backend.bus import connection as bus_connection
    from backend.bus.connection import BusConnection
    from backend.bus.endpoints import HubEndpoints
    from backend.bus.hub import Hub

    if hwm is not None:
        bus_connection.SOCKET_HWM = hwm
    if not heartbeat:
        bus_connection.HEARTBEAT_IVL_MS = 0
        bus_connection.HEARTBEAT_TIMEOUT_MS = 0
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = hub.start()
    stop = threading.Event()
    pool = _common.update_pool(200)

    def publish() -> None:
        ctx = zmq.Context()
        pub = ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.SNDHWM, 0)
        pub.setsockopt(zmq.LINGER, 0)
        pub.connect(endpoints.publish_to)
        i = 0
        while not stop.is_set():
            for _ in range(500):
                pub.send_multipart(pool[i % 200])
                i += 1
            time.sleep(0.001)
        pub.close()
        ctx.term()

    async def run() -> None:
        conn = BusConnection(endpoints, label="victim")
        conn.subscribe([b""])
        events: list[str] = []
        conn.link_changed.connect(lambda up: events.append(f"{time.monotonic() - t0:.1f}s link {'up' if up else 'DOWN'}"))
        t0 = time.monotonic()
        await conn.start()
        await asyncio.sleep(0.5)
        thread = threading.Thread(target=publish, daemon=True)
        thread.start()
        await asyncio.sleep(1.0)
        before = conn.stats.received
        print(f"  reading normally: {before:,} messages in 1 s; now blocking the loop for {stall:.0f} s", flush=True)
        time.sleep(stall)  # noqa: ASYNC251 - the stall: nothing reads, the SUB queue fills to its HWM
        print("  loop free again, reading for 3 s", flush=True)
        await asyncio.sleep(3.0)
        print(f"  survived: {conn.stats.received - before:,} more messages; link events: {events or 'none'}", flush=True)
        stop.set()
        await conn.stop()

    with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
        runner.run(run())
    hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stall", type=float, nargs="*", default=[2.0, 8.0])
    parser.add_argument("--hwm", type=int, default=None, help="RCVHWM instead of SOCKET_HWM (smaller fills faster)")
    parser.add_argument("--no-heartbeat", action="store_true")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.hwm, not args.no_heartbeat)
        return

    from backend.bus import connection as bus_connection

    _common.header(
        "libzmq abort when a heartbeating SUB stays at its HWM",
        "none: a reproducer. 'survived' is the wanted outcome",
    )
    hwm = args.hwm if args.hwm is not None else bus_connection.SOCKET_HWM
    heartbeat = "off" if args.no_heartbeat else f"{bus_connection.HEARTBEAT_IVL_MS}/{bus_connection.HEARTBEAT_TIMEOUT_MS} ms"
    print(f"SUB RCVHWM {hwm:,}, heartbeat {heartbeat}")
    for stall in args.stall:
        print(f"stall {stall:.0f} s:", flush=True)
        command = [sys.executable, __file__, "--child", str(stall)]
        if args.hwm is not None:
            command += ["--hwm", str(args.hwm)]
        if args.no_heartbeat:
            command.append("--no-heartbeat")
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
        print(done.stdout, end="")
        if done.returncode < 0:
            name = signal.Signals(-done.returncode).name
            tail = done.stderr.strip().splitlines()[-1:] or [""]
            print(f"  ABORTED by {name}: {tail[0]}")
        elif done.returncode != 0:
            print(f"  exit status {done.returncode}: {done.stderr.strip()[-300:]}")
        _common.summary(
            f"stall {stall:.0f} s at RCVHWM {hwm:,}, heartbeat {heartbeat}: "
            + ("survived" if done.returncode == 0 else f"process died ({done.returncode})")
        )


if __name__ == "__main__":
    main()
