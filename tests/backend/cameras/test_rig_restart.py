"""The rig simulator as its own process (`switchboard-sim cameras`), killed and restarted while
a request waits: the client recovers by itself, without restarting the app."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import zmq
import zmq.asyncio

from backend.cameras.rig_client import RigClient
from backend.sim.cameras.rig_process import READY_LINE, serve_control
from tests.backend.cameras.rig_floor import fast_timings, running_rig
from tests.helpers import free_port, wait_until

ROOT = Path(__file__).resolve().parents[3]


@contextlib.contextmanager
def rig_process(photos: Path, events: str, requests: str, control: str, *extra: str) -> Iterator[subprocess.Popen]:
    command = [
        sys.executable, "-m", "backend.sim", "cameras", "--cameras", "3", "--events", events, "--requests", requests,
        "--photos", str(photos), "--control", control, "--capture-delay", "0.02", "--download-delay", "0.02", *extra,
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


async def ready(process: subprocess.Popen) -> dict:
    line = await asyncio.to_thread(process.stdout.readline)
    assert line.startswith(READY_LINE), f"the simulator did not start: {line!r}"
    return json.loads(line.split(" ", 1)[1])


async def control(endpoint: str, command: dict) -> dict:
    socket = zmq.asyncio.Context.instance().socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    try:
        await socket.send(json.dumps(command).encode())
        async with asyncio.timeout(10):
            return json.loads(await socket.recv())
    finally:
        socket.close(linger=0)


async def test_the_client_recovers_when_the_rig_is_killed_and_restarted_mid_request(tmp_path: Path) -> None:
    events, requests = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    control_1, control_2 = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    client = RigClient("North", events, requests, timings=fast_timings(request_timeout=5.0, synchronise_timeout=10.0))
    with rig_process(tmp_path, events, requests, control_1) as first:
        assert (await ready(first))["cameras"] == 3
        await client.start()
        try:
            await wait_until(lambda: client.synchronised, timeout=20, what="the first Synchronise")
            result = await client.shoot()
            assert result.ok and len(result.photos) == 3
            assert await control(control_1, {"fault": "slow_reply_s", "value": 60}) == {"ok": True}
            waiting = asyncio.create_task(client.refresh_cameras())  # idempotent: retried once
            await wait_until(lambda: client._channel._lock.locked(), what="the request in flight")
            first.kill()
            first.wait(timeout=10)
            with rig_process(tmp_path, events, requests, control_2, "--fault", "network_ping_s=0.1") as second:
                await ready(second)
                refreshed = await waiting  # the retry reached the new process
                assert len(refreshed) == 3
                await wait_until(lambda: client.stats.resets >= 1, timeout=20, what="the sequence reset seen")
                await wait_until(lambda: client.stats.synchronisations >= 2 and client.model.link == "online", timeout=20, what="resynchronised")
                assert len(client.model.photos) == 0  # the new process has a new, empty session
                again = await client.shoot()
                assert again.ok and len(again.photos) == 3
        finally:
            await client.stop()


async def test_the_command_line_refuses_an_unknown_fault(tmp_path: Path) -> None:
    process = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "backend.sim", "cameras", "--events", "tcp://127.0.0.1:0", "--requests", "tcp://127.0.0.1:0",
         "--photos", str(tmp_path), "--fault", "gremlins"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert process.returncode == 2 and "unknown fault 'gremlins'" in process.stderr


async def test_the_control_socket_answers_a_command_it_cannot_read_and_keeps_serving(tmp_path: Path) -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    async with running_rig(tmp_path) as rig:
        serving = asyncio.create_task(serve_control(rig, endpoint))
        try:
            for odd in ([1, 2], "restart_app", {"action": "lose_camera", "camera": "no|such|camera"}):
                answer = await control(endpoint, odd)
                assert answer["ok"] is False and answer["error"], answer
            assert await control(endpoint, {"fault": "slow_reply_s", "value": 0.5}) == {"ok": True}
            assert rig.faults.slow_reply_s == 0.5
        finally:
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
