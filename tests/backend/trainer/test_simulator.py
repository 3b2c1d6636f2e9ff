"""The simulator is faithful where the package is the reference, and stays off the network unless asked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys

import pytest
import zmq
import zmq.asyncio
from autotrainer.api.util import get_ip4_addr_str

from backend.sim.trainer.package_trainer import PackageTrainer, PortsInUse
from backend.sim.trainer.wire_trainer import WireTrainer
from tests.backend.trainer.trainer_floor import ports
from tests.helpers import wait_until

REQUESTS = [
    b'{"command": 1E5}',          # decamelised into 1_e5: not JSON any more
    b'{"nonce": 4}',              # no command
    b'[1, 2]',                    # not an object
    b'{"command": 0, "nonce": 9}',  # NONE: the transport answers itself
    b'{"command": 200, "nonce": 11}',
    b'{"command": 424242, "nonce": 12, "customCommand": 5}',  # unknown number: USER_DEFINED
    b'{"command": 1010, "nonce": 13, "data": {"enabled": "yes"}}',
]


async def _ask(endpoint: str, body: bytes) -> dict:
    ctx = zmq.asyncio.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(endpoint)
    try:
        await req.send(body)
        async with asyncio.timeout(10):
            return json.loads(await req.recv())
    finally:
        req.close(linger=0)
        ctx.destroy(linger=0)


async def test_the_wire_simulator_answers_every_request_exactly_as_the_real_package_does() -> None:
    answers: dict[str, list[dict]] = {}
    for label, transport in (("package", PackageTrainer), ("wire", WireTrainer)):
        pub, rep = ports()
        async with transport("127.0.0.1", pub, rep, heartbeat_interval=5) as trainer:  # type: ignore[operator]
            answers[label] = [await _ask(f"tcp://127.0.0.1:{rep}", body) for body in REQUESTS]
            trainer.rig.handled.clear()
    assert answers["wire"] == answers["package"]
    assert answers["package"][0] == {"nonce": 0, "command": 0, "result": 0, "data": None, "errorKind": 0,
                                     "errorCode": 0, "errorMessage": None}
    assert answers["package"][5]["command"] == 99999 and "customCommand" not in answers["package"][5]
    assert answers["package"][6]["errorKind"] == 2


async def test_the_package_simulator_binds_loopback_only() -> None:
    primary = get_ip4_addr_str()
    if primary == "127.0.0.1":
        pytest.skip("this machine has no route, so the package binds loopback only anyway")
    pub, rep = ports()
    async with PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=5):
        for port in (pub, rep):
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            with pytest.raises(OSError), socket.create_connection((primary, port), timeout=5):
                pass


async def test_ports_in_use_are_reported_instead_of_the_packages_silence() -> None:
    pub, rep = ports()
    async with PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=5):
        with pytest.raises(PortsInUse, match="could not bind"):
            async with PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=5):
                pass


async def test_switchboard_sim_trainer_runs_on_loopback_and_stops_on_sigterm() -> None:
    pub, rep = ports()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.sim", "trainer", "--pub-port", str(pub), "--rep-port", str(rep), "--heartbeat-interval", "0.2"],
        stderr=subprocess.PIPE, text=True,
    )
    ctx = zmq.asyncio.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, (1001).to_bytes(4, "little"))
    sub.connect(f"tcp://127.0.0.1:{pub}")
    try:
        async with asyncio.timeout(30):
            topic, body = await sub.recv_multipart()
        assert json.loads(body)["version"] == "0.12.0"
    finally:
        sub.close(linger=0)
        ctx.destroy(linger=0)
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


async def test_the_rigs_own_activity_shows_sessions_trials_counts_and_an_alarm_stop_that_resumes() -> None:
    from backend.sim.trainer.rig_activity import ActivityOptions
    from backend.sim.trainer.trainer_sim import running_trainer
    from backend.trainer.trainer_status import EmergencyCondition
    from tests.backend.trainer.trainer_floor import HEARTBEAT_S, client_for, until_synced

    pub, rep = ports()
    activity = ActivityOptions(step=0.02, status_period=0.5)
    async with client_for(pub, rep) as client:
        async with running_trainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S, activity=activity):
            await until_synced(client)
            await wait_until(lambda: client.model.emergency.reason_name == "alarm_monitor", timeout=20, what="the door alarm stop")
            assert client.model.emergency.alarm_names == ["externalDoors"]
            await wait_until(lambda: client.model.emergency.condition is EmergencyCondition.RUNNING, timeout=20, what="the auto-resume")
            assert client.model.emergency.reason_name == "alarm_monitor_resume"
            await wait_until(lambda: any(e.name == "systemStatus" for e in client.model.events), timeout=20, what="a systemStatus")
            names = {event.name for event in client.model.events}
            assert {"sessionStarted", "trialStarted", "trialEnded", "sessionEnded", "reachCountChanged",
                    "alarmChanged", "detectorChanged", "systemStatus"} <= names
            assert client.model.counters.values["reaches"] >= 4
