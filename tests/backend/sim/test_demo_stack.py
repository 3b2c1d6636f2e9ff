"""The demo floor as a child process: ready line, simulated services answering, and a
child that never outlives its parent (DemoStack, `switchboard-sim`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.app.demo_stack import DemoStack, DemoStackError
from backend.app.serve import with_demo_floor
from backend.app.settings import default_text, parse, with_changes
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallFailed, CallTimeout
from backend.bus.hub_probe import hub_answers
from backend.bus.service import BusService
from backend.sim.demo_devices import DEMO_DEVICES
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]


def gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for a reaper counts as exited)."""
    if Path("/proc/self/stat").exists():
        try:
            return Path(f"/proc/{pid}/stat").read_text("ascii").rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def until_hub_silent(endpoints: HubEndpoints, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while await hub_answers(endpoints):
        assert time.monotonic() < deadline, f"the hub at {endpoints} still answers"
        await asyncio.sleep(0.05)


async def first_answer(client: BusService, target: str, timeout: float = 15.0) -> object:
    """ListMethods until `target` answers (its and our subscriptions must reach the hub first)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await client.call(target, "ListMethods", timeout=0.3)
        except CallTimeout:
            assert time.monotonic() < deadline, f"{target} never answered"


@pytest.fixture
async def stack() -> AsyncIterator[DemoStack]:
    demo = DemoStack()
    try:
        yield demo
    finally:
        await demo.stop()


async def test_the_demo_stack_reports_its_hub_and_its_services_answer_calls_through_it(stack: DemoStack) -> None:
    endpoints = await stack.start()
    assert stack.running and endpoints.pub_port > 0 and endpoints.sub_port > 0
    assert await hub_answers(endpoints)

    async with BusService("TEST-Client", "Client", endpoints, stateful=False, announce=False) as client:
        await first_answer(client, "RENDER1-Engine")
        assert await client.call("RENDER1-Engine", "GetProperty", {"ObjectSearch": "Floor", "PropertyPath": "Material"}) == "M_Concrete"
        assert await client.call("RENDER1-VideoIO", "RestartPipeline") == "restarted"
        await client.call("STUDIO1-Tracking", "SetOrigin", {"X": 1, "Y": 2, "Z": 3})
        assert await client.get("STUDIO1-Tracking", "State.Offset") == {"X": 1, "Y": 2, "Z": 3}
        with pytest.raises(CallFailed, match="X must be a number of metres"):
            await client.call("STUDIO1-Tracking", "SetOrigin", ["left", 0, 0])

    process = stack.process
    assert process is not None
    await stack.stop()
    assert not stack.running and process.returncode == 0
    assert not await hub_answers(endpoints)


async def test_the_demo_child_exits_by_itself_when_its_stdin_closes(stack: DemoStack) -> None:
    endpoints = await stack.start()
    process = stack.process
    assert process is not None and process.stdin is not None
    process.stdin.close()  # what the OS does to the pipe when the parent dies, however it dies

    assert await asyncio.to_thread(process.wait, 10) == 0
    assert not await hub_answers(endpoints)


PARENT = """
import asyncio
from backend.app.demo_stack import DemoStack

async def main():
    stack = DemoStack()
    endpoints = await stack.start()
    print("CHILD", stack.process.pid, endpoints.host, endpoints.pub_port, endpoints.sub_port, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and /proc are POSIX")
async def test_the_demo_child_exits_when_its_parent_is_killed_without_a_chance_to_stop_it(tmp_path: Path) -> None:
    with (tmp_path / "parent.err").open("wb") as errors:
        parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)
    child_pid = None
    try:
        assert parent.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(parent.stdout.readline), 30)
        assert line.startswith("CHILD "), line + (tmp_path / "parent.err").read_text()
        _, pid, host, pub, sub = line.split()
        child_pid = int(pid)
        endpoints = HubEndpoints(host, int(pub), int(sub))
        assert await hub_answers(endpoints) and not gone(child_pid)

        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=5)

        await wait_until(lambda: gone(child_pid), timeout=10.0, what="the orphaned demo child to exit")
        await until_hub_silent(endpoints)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=5)
        if parent.stdout is not None:
            parent.stdout.close()
        if child_pid is not None and not gone(child_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child_pid, signal.SIGKILL)


async def test_a_demo_stack_that_cannot_start_says_so_instead_of_hanging(hub: HubEndpoints) -> None:
    demo = DemoStack(["--pub-port", str(hub.pub_port), "--sub-port", str(hub.sub_port)])
    try:
        with pytest.raises(DemoStackError, match="exited with code 1 before it was ready"):
            await demo.start(timeout=30)
    finally:
        await demo.stop()
    assert not demo.running


async def test_a_demo_stack_that_is_not_ready_in_time_is_stopped_and_reported(tmp_path: Path) -> None:
    demo = DemoStack()
    with pytest.raises(DemoStackError, match="did not become ready within 0.001 s"):
        await demo.start(timeout=0.001)
    assert demo.process is None


async def test_the_simulated_services_join_an_existing_hub_from_the_command_line(hub: HubEndpoints, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "backend.sim", "services", "--pub-port", str(hub.pub_port), "--sub-port", str(hub.sub_port)]
    with (tmp_path / "services.log").open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        async with BusService("TEST-Client", "Client", hub, stateful=False, announce=False) as client:
            methods = await first_answer(client, "RENDER1-Engine")
            assert {"GetProperty", "SetProperty", "LoadLevel"} <= {m["Method"] for m in methods}  # type: ignore[union-attr]
            assert await client.get("STUDIO1-Tracking", "State.Protocol") == "FreeD"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 8) == 0, (tmp_path / "services.log").read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


async def test_the_ready_line_lists_every_demo_device_family(stack: DemoStack) -> None:
    await stack.start()
    assert set(stack.devices) == set(DEMO_DEVICES)
    for family, entries in stack.devices.items():
        assert entries, f"the demo floor has no {family}"
        assert getattr(with_demo_floor(parse(default_text()), stack), family), f"{family} entries are not usable settings"


def test_the_demo_floor_replaces_the_configured_hub_and_devices() -> None:
    configured = with_changes(parse(default_text()), cameras=[{"name": "Studio B rig"}], trainers=[{"name": "Rig 1"}])
    stack = DemoStack()
    stack.endpoints = HubEndpoints("127.0.0.1", 41001, 41002)
    stack.devices = {"cameras": [{"name": "Demo rig", "events": "tcp://127.0.0.1:41003", "requests": "tcp://127.0.0.1:41004"}]}

    demo = with_demo_floor(configured, stack)

    assert (demo.bus.pub_port, demo.bus.sub_port, demo.bus.start_hub) == (41001, 41002, False)
    assert [rig.name for rig in demo.cameras] == ["Demo rig"] and demo.cameras[0].requests == "tcp://127.0.0.1:41004"
    assert demo.trainers == () and demo.chambers == ()
    assert configured.cameras[0].name == "Studio B rig"
