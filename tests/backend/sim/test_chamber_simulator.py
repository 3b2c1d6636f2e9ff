"""The chamber simulator follows vacuum.md §9: physics, documented texts, lenient input, run-time faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
import socketio

from backend.sim.chamber.chamber_device import ChamberDevice
from backend.sim.chamber.chamber_server import ChamberServer
from backend.sim.chamber.physics import ATMOSPHERE_KPA
from tests.helpers import wait_until


def test_pump_down_is_exponential_toward_vacuum_and_venting_returns_to_atmosphere() -> None:
    device = ChamberDevice(seed=1)
    device.pump(True)
    device.advance(30.0)
    assert device.physics.pressure == pytest.approx(ATMOSPHERE_KPA / 2.718, rel=0.05)  # one τ
    device.advance(600.0)
    assert device.physics.pressure < 0.05
    assert device.pump(False)["result"] == "success" and device.vent(True)["result"] == "success"
    device.advance(60.0)
    assert device.physics.pressure > 0.99 * ATMOSPHERE_KPA


def test_the_shroud_follows_the_set_point_at_the_slew_limit_and_the_part_lags_under_vacuum() -> None:
    device = ChamberDevice(seed=1)
    device.pump(True)
    device.advance(600)
    device.set_temperature({"targetT": 82.0})
    device.advance(1200)  # 20 min at 1.5 °C/min: the set-point has moved 30 °C, not 60
    physics = device.physics
    assert physics.setpoint == pytest.approx(52.0, abs=0.5)
    assert physics.shroud == pytest.approx(physics.setpoint, abs=2.0)
    assert physics.part < physics.shroud - 3
    assert physics.power > 0 and physics.coolant > physics.ambient + 3


def test_the_same_seed_gives_the_same_readings() -> None:
    first, second = ChamberDevice(seed=7), ChamberDevice(seed=7)
    first.advance(5)
    second.advance(5)
    assert {**first.telemetry(), "t": 0} == {**second.telemetry(), "t": 0}


def test_load_autostarts_off_needs_start_recipe() -> None:
    device = ChamberDevice(load_autostarts=False)
    assert device.load_recipe({"name": "r", "recipe": [[30, 10, 0]]})["result"] == "success"
    assert device.run.state == "loaded"
    assert device.start_recipe()["result"] == "success" and device.run.state == "running"


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[ChamberServer]:
    server = ChamberServer(port=0, time_scale=60.0, telemetry_hz=10.0)
    await server.start()
    yield server
    await server.stop()


class RawClient:
    """A bare socket.io client recording every event, to send what Switchboard never would."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, object]] = []
        self.sio.on("*", lambda event, *args: self.events.append((event, args[0] if args else None)))

    async def ask(self, event: str, data: object) -> object:
        await self.sio.emit(event, data)
        await wait_until(lambda: any(name == event + "_ack" for name, _ in self.events), timeout=10)
        return next(payload for name, payload in self.events if name == event + "_ack")


@pytest_asyncio.fixture
async def raw(sim: ChamberServer) -> AsyncIterator[RawClient]:
    client = RawClient()
    await client.sio.connect(sim.url)
    yield client
    await client.sio.disconnect()


async def test_acks_and_pushes_are_json_strings_by_default(raw: RawClient) -> None:
    answer = await raw.ask("cancel_recipe", "")
    assert isinstance(answer, str)
    assert json.loads(answer) == {"result": "warning", "message": "Could not cancel server running as server is not running."}
    await wait_until(lambda: any(name == "telemetry" for name, _ in raw.events), timeout=10)
    telemetry = json.loads(next(p for n, p in raw.events if n == "telemetry"))
    assert {"t", "pressureKPa", "shroudT", "partT", "setpointT", "tec", "coolantT", "ambientT", "pumpOn", "ventOpen"} <= set(telemetry)


@pytest.mark.parametrize("data, reason", [
    ("{not json", "Malformed JSON"),
    (json.dumps({"name": "r", "recipe": [[30, 10]]}), "exactly three numbers"),
    ({"name": "r", "recipe": []}, "non-empty array"),
    ({"name": "", "recipe": [[30, 10, 0]]}, "name"),
])
async def test_a_bad_load_recipe_gets_an_error_with_the_reason(raw: RawClient, data: object, reason: str) -> None:
    answer = json.loads(await raw.ask("load_recipe", data))
    assert answer["result"] == "error" and reason in answer["message"]


async def test_sync_time_accepts_either_time_key_and_sends_no_ack(sim: ChamberServer, raw: RawClient) -> None:
    await raw.sio.emit("sync_xovac_time", {"utcOffset": 3_600_000, "msSinceEpoch": 1})
    await wait_until(lambda: sim.device.client_utc_offset_ms == 3_600_000, timeout=10)
    assert sim.device.client_epoch_ms == 1
    await raw.sio.emit("sync_xovac_time", json.dumps({"utcOffset": -7_200_000, "epoch": 2}))
    await wait_until(lambda: sim.device.client_utc_offset_ms == -7_200_000, timeout=10)
    assert sim.device.client_epoch_ms == 2
    assert not any(name == "sync_xovac_time_ack" for name, _ in raw.events)


async def test_faults_are_switched_at_run_time_over_http(sim: ChamberServer, raw: RawClient) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim.url}/sim/faults", json={"set": {"sendObjects": True}}) as response:
            assert response.status == 200 and (await response.json())["faults"]["sendObjects"] is True
        async with http.post(f"{sim.url}/sim/faults", json={"set": {"ack": "sometimes"}}) as response:
            assert response.status == 400 and "ack must be one of" in (await response.json())["error"]
        async with http.post(f"{sim.url}/sim/faults", json={"action": "raiseAlarm", "code": "PUMP_FAULT"}) as response:
            assert (await response.json())["alarms"] == ["PUMP_FAULT"]
    assert isinstance(await raw.ask("pump_on", ""), dict)  # objects now
    await wait_until(lambda: any(n == "alarm" and p["code"] == "PUMP_FAULT" for n, p in raw.events if isinstance(p, dict)),
                     timeout=10)
    pressure = sim.device.physics.pressure
    await wait_until(lambda: sim.device.physics.sim_time_s > 120, timeout=15)
    assert sim.device.physics.pressure >= pressure


async def test_refused_connections_then_listening_again_with_the_run_going_on(sim: ChamberServer) -> None:
    sim.device.load_recipe({"name": "r", "recipe": [[60, 100000, 0]]})
    await sim.inject({"action": "refuseConnections", "downS": 3.0})  # the probe below must fit in, on a loaded machine too
    await wait_until(lambda: not sim.listening, timeout=5)
    probe = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await probe.connect(sim.url)
    started = sim.device.physics.sim_time_s
    await wait_until(lambda: sim.listening, timeout=10)
    assert sim.device.physics.sim_time_s > started and sim.device.run.state == "running"


async def test_switchboard_sim_chamber_runs_alone_on_its_port_and_stops_on_sigint() -> None:
    import signal
    import subprocess
    import sys

    from backend.chamber.chamber_client import ChamberClient
    from backend.chamber.chamber_model import ChamberModel
    from tests.helpers import free_port

    port = free_port()
    command = [sys.executable, "-m", "backend.sim", "chamber", "--port", str(port), "--time-scale", "60", "--telemetry-hz", "5"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = ChamberClient(ChamberModel("CLI"), f"http://127.0.0.1:{port}", backoff=(0.1, 0.5))
    try:
        await client.start()
        await wait_until(lambda: client.model.latest is not None, timeout=30, what="telemetry from the CLI simulator")
        assert (await client.cancel_recipe()).message.startswith("Could not cancel")
    finally:
        await client.stop()
        process.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(process.wait, 15)
    assert code == 0, process.stderr.read()
