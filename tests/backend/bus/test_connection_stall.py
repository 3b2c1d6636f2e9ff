"""A reader stalled under a flood must not kill the process (libzmq#3937).

With ZMTP heartbeats on a SUB socket that stays at its receive high-water mark longer
than the heartbeat timeout, libzmq 4.3.5 aborts with `Assertion failed: _input_stopped`.
The scenario runs in a child process, so an abort fails this test instead of the suite.
The stall lasts longer than the heartbeat timeout, and the scenario runs twice, because
the abort it guards against is a race. It ends right after its verdict: tearing down a hub
that still holds a stalled subscriber's backlog can trip another libzmq abort
(session_base.cpp:233, libzmq#3442), which docs/bus-decisions.md records.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCENARIO = textwrap.dedent(
    """
    import asyncio, os, threading, time
    import zmq
    from backend.bus import connection as bus_connection
    from backend.bus.connection import BusConnection
    from backend.bus.endpoints import HubEndpoints
    from backend.bus.hub import Hub
    from backend.bus.message import update_message
    from backend.bus.codec import encode

    bus_connection.SOCKET_HWM = 500
    hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = hub.start()
    frames = encode(update_message("BROADCAST", "FLOOD-Sender", "SystemInfo", {"X": 1}))
    stop = threading.Event()

    def flood():
        sock = zmq.Context.instance().socket(zmq.PUB)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoints.publish_to)
        while not stop.is_set():
            for _ in range(200):
                sock.send_multipart(frames)
            time.sleep(0.001)
        sock.close()

    async def main():
        received = 0
        def count(batch):
            nonlocal received
            received += len(batch)
        reader = BusConnection(endpoints, label="stalled")
        reader.subscribe([b""])
        reader.received.connect(count)
        await reader.start()
        threading.Thread(target=flood, daemon=True).start()
        while received < 1000:
            await asyncio.sleep(0.01)
        time.sleep(bus_connection.HEARTBEAT_TIMEOUT_MS / 1000 + 1.5)   # the stall: the loop is blocked
        before = received
        deadline = time.monotonic() + 3
        while received < before + 1000 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stop.set()
        print("SURVIVED" if received >= before + 1000 else "STOPPED READING", flush=True)
        # End here: tearing down a hub whose subscriber still has a stalled backlog can trip
        # a different libzmq abort (session_base.cpp:233, libzmq#3442), not what this guards.
        os._exit(0)

    asyncio.run(main())
    """
)


def test_a_reader_stalled_at_its_high_water_mark_survives_and_reads_on() -> None:
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", SCENARIO], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
        assert "SURVIVED" in result.stdout, result.stdout + result.stderr[-2000:]
