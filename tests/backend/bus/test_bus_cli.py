"""`switchboard-bus` and `switchboard-hub` as real child processes against a real hub.

The services they talk to are the simulated ones of the demo floor, running in this
process on the test's hub. The command lines run in a worker thread, so the services
keep answering while a test waits for a command to finish.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.bus.endpoints import HubEndpoints
from backend.bus.hub_probe import hub_answers
from backend.sim.bus_services import EngineService
from tests.backend.wire_peers import WirePeer, free_port_pair
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]
ENGINE = "RENDER1-Engine"


def audit_records() -> list[dict]:
    path = Path(os.environ["SWITCHBOARD_DATA_DIR"]) / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def assert_audit_record(record: dict, target: str, action: str, params: object, result: object) -> None:
    assert list(record) == ["time", "user", "target", "action", "params", "result"]
    assert dt.datetime.fromisoformat(record["time"]).tzinfo is not None
    assert record["user"] == getpass.getuser()
    assert (record["target"], record["action"], record["params"], record["result"]) == (target, action, params, result)


class Cli:
    def __init__(self, hub: HubEndpoints) -> None:
        self.hub = hub

    def command(self, *args: str) -> list[str]:
        ports = ["--pub-port", str(self.hub.pub_port), "--sub-port", str(self.hub.sub_port)]
        return [sys.executable, "-m", "backend.bus.cli", *ports, *args]

    async def run(self, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run `switchboard-bus ARGS…` to completion (killed if it outlives `timeout`)."""
        return await asyncio.to_thread(
            subprocess.run, self.command(*args), cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture
async def engine(hub: HubEndpoints) -> AsyncIterator[EngineService]:
    service = EngineService("RENDER1", hub)
    await service.start()
    async with WirePeer(hub.publish_to, hub.subscribe_to, "TEST-Probe", ['{"Type":"Update","Target":"TEST-Probe"']) as probe:
        await probe.ask(  # the engine's subscriptions are in the hub once it answers
            lambda: probe.send({"Type": "Get", "Target": ENGINE, "Name": "Role", "RespondTo": "TEST-Probe"}),
            lambda w: w.topic.get("Source") == ENGINE,
        )
    yield service
    await service.stop()


@pytest.fixture
def cli(hub: HubEndpoints) -> Cli:
    return Cli(hub)


# ------------------------------------------------------------------------- get


async def test_get_prints_the_value_as_json_and_exits_0(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("get", ENGINE, "State")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"Level": "Studio_A", "FrameRate": 50, "Genlock": True}


async def test_get_of_a_missing_value_says_so_and_exits_1(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("get", ENGINE, "State.Nothing")
    assert result.returncode == 1
    assert "RENDER1-Engine has no value at State.Nothing" in result.stderr
    assert result.stdout == ""


async def test_get_from_a_silent_service_exits_2_after_the_timeout(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("--timeout", "0.3", "get", "RENDER1-Nobody", "State")
    assert result.returncode == 2
    assert "did not answer a Get of State within 0.3 s" in result.stderr


# ------------------------------------------------------------------------- set


async def test_set_kept_by_the_owner_prints_the_value_exits_0_and_is_audited(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("set", ENGINE, "State.FrameRate", "25")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == 25
    assert engine.state["FrameRate"] == 25
    [record] = audit_records()
    assert_audit_record(record, ENGINE, "Set", {"Name": "State.FrameRate", "Value": 25}, {"kept": 25})


async def test_set_refused_by_the_owner_prints_the_kept_value_exits_1_and_is_audited(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("set", ENGINE, "State.FrameRate", "23")
    assert result.returncode == 1
    assert json.loads(result.stdout) == 50
    assert "refused the Set of State.FrameRate" in result.stderr
    [record] = audit_records()
    assert_audit_record(record, ENGINE, "Set", {"Name": "State.FrameRate", "Value": 23}, {"refused": True, "kept": 50})


async def test_set_takes_a_bare_word_as_a_string(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("set", ENGINE, "State.Level", "Studio_B")
    assert result.returncode == 0, result.stderr
    assert engine.state["Level"] == "Studio_B"


# ------------------------------------------------------------------------- call


async def test_call_prints_the_result_exits_0_and_is_audited(cli: Cli, engine: EngineService) -> None:
    params = {"ObjectSearch": "Floor", "PropertyPath": "Material"}
    result = await cli.run("call", ENGINE, "GetProperty", json.dumps(params))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "M_Concrete"
    [record] = audit_records()
    assert_audit_record(record, ENGINE, "Call GetProperty", params, {"Result": "M_Concrete"})


async def test_call_answered_with_a_failure_exits_1_with_the_failure_and_is_audited(cli: Cli, engine: EngineService) -> None:
    params = ["Floor", "Colour"]
    result = await cli.run("call", ENGINE, "GetProperty", json.dumps(params))
    assert result.returncode == 1
    assert "RENDER1-Engine refused GetProperty: No property Colour on Floor" in result.stderr
    [record] = audit_records()
    assert_audit_record(record, ENGINE, "Call GetProperty", params, {"Failure": "No property Colour on Floor"})


async def test_call_nobody_answers_exits_2_after_the_timeout(cli: Cli, engine: EngineService) -> None:
    started = time.monotonic()
    result = await cli.run("--timeout", "0.5", "call", "RENDER1-Nobody", "Ping")
    assert result.returncode == 2
    assert "RENDER1-Nobody did not answer Ping within 0.5 s" in result.stderr
    assert time.monotonic() - started < 15
    [record] = audit_records()
    assert record["action"] == "Call Ping" and "did not answer" in record["result"]["Error"]


async def test_call_with_params_that_are_not_json_exits_3_without_sending(cli: Cli, engine: EngineService) -> None:
    result = await cli.run("call", ENGINE, "GetProperty", "{not json")
    assert result.returncode == 3
    assert "PARAMS is not valid JSON" in result.stderr
    assert audit_records() == []


# ------------------------------------------------------------------------- send, listen, no hub


async def test_send_publishes_one_raw_message_exactly_as_given_and_audits_it(cli: Cli, engine: EngineService) -> None:
    topic_text = '{"Type":"Set","Target":"RENDER1-Engine","Name":"State.Genlock"}'
    result = await cli.run("send", topic_text, '{"Value":false}')
    assert result.returncode == 0, result.stderr
    await wait_until(lambda: engine.state["Genlock"] is False, what="the Engine applying the raw Set")
    [record] = audit_records()
    assert record["target"] == ENGINE and record["action"] == "Send Set"
    assert record["params"] == {"Topic": json.loads(topic_text), "Message": {"Value": False}}


async def test_listen_prints_each_message_matching_the_prefix_until_stopped(hub: HubEndpoints, cli: Cli, tmp_path: Path) -> None:
    prefix = '{"Type":"Log","Target":"BROADCAST","Source":"VENDOR7-Talker"'
    output = tmp_path / "listen.out"
    with output.open("wb") as stream:
        process = subprocess.Popen(cli.command("listen", prefix), cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT)
    try:
        async with WirePeer(hub.publish_to, hub.subscribe_to, "VENDOR7-Talker") as talker:
            deadline = time.monotonic() + 20
            while "Tea is ready" not in output.read_text("utf-8"):  # it hears nothing until its prefix reaches the hub
                assert time.monotonic() < deadline, output.read_text("utf-8")
                talker.send({"Type": "Log", "Target": "BROADCAST", "Source": "VENDOR7-Talker"}, {"Level": "Info", "Message": "Tea is ready"})
                talker.send({"Type": "Log", "Target": "BROADCAST", "Source": "VENDOR7-Other"}, {"Level": "Info", "Message": "Not for you"})
                await asyncio.sleep(0.1)
        process.terminate()
        assert await asyncio.to_thread(process.wait, 5) == 0
        line = next(line for line in output.read_text("utf-8").splitlines() if "Tea is ready" in line)
        stamp, topic_text, message_text = line.split(" ", 2)
        assert dt.datetime.strptime(stamp, "%H:%M:%S.%f")
        assert topic_text == '{"Type":"Log","Target":"BROADCAST","Source":"VENDOR7-Talker"}'
        assert json.loads(message_text) == {"Level": "Info", "Message": "Tea is ready"}
        assert "Not for you" not in output.read_text("utf-8")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


async def test_every_command_exits_3_when_no_hub_answers(tmp_path: Path) -> None:
    cli = Cli(HubEndpoints("127.0.0.1", *free_port_pair()))
    result = await cli.run("get", ENGINE, "State")
    assert result.returncode == 3
    assert "no hub answers at 127.0.0.1" in result.stderr


async def test_bad_json_is_reported_before_looking_for_a_hub() -> None:
    cli = Cli(HubEndpoints("127.0.0.1", *free_port_pair()))
    result = await cli.run("call", ENGINE, "LoadLevel", "{Level: x}")
    assert result.returncode == 3
    assert "PARAMS is not valid JSON" in result.stderr
    assert "no hub" not in result.stderr


# ------------------------------------------------------------------------- switchboard-hub


async def test_the_hub_command_forwards_between_services_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    ports = HubEndpoints("127.0.0.1", *free_port_pair())
    command = [sys.executable, "-m", "backend.bus.hub_cli", "--pub-port", str(ports.pub_port), "--sub-port", str(ports.sub_port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    second = None
    try:
        deadline = time.monotonic() + 20
        while not await hub_answers(ports):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the hub never answered"
            await asyncio.sleep(0.05)
        async with WirePeer(ports.publish_to, ports.subscribe_to, "TEST-Probe"):
            pass  # start() returns once a message went through the hub and back

        second = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=20)
        assert second.returncode == 1
        assert "Cannot start a hub" in second.stderr

        process.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(process.wait, 5) == 0
        assert "Hub running: publish to" in (process.stdout.read() if process.stdout else "")
        assert not await hub_answers(ports)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        if process.stdout:
            process.stdout.close()
