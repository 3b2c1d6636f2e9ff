"""The client against the simulated chamber over a real socket.io connection (vacuum.md §4, §6, §8)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import socketio
from aiohttp import web

from backend.chamber.chamber_client import ChamberClient
from backend.chamber.chamber_model import ChamberModel, LinkState
from backend.chamber.errors import ChamberError
from backend.chamber.payload import Result
from backend.chamber.recipe import make_recipe
from backend.chamber.recipe_status import RunState
from backend.sim.chamber import chamber_device as texts
from backend.sim.chamber.chamber_server import ChamberServer
from tests.backend.chamber.conftest import FAST, connect
from tests.helpers import free_port, wait_until

LONG = make_recipe("long", [[60.0, 100_000.0]])
SHORT = make_recipe("short", [[30.0, 60.0], [25.0, 30.0]])


async def test_connect_brings_live_telemetry_into_the_model_and_its_history(client: ChamberClient) -> None:
    model = client.model
    await wait_until(lambda: len(model.history) >= 5, timeout=10)
    assert model.link is LinkState.LIVE and model.connected
    assert model.reading("pressure") == pytest.approx(101.3, rel=0.1)
    assert model.reading("tec2_power") == 0.0
    times, shroud = model.history.window("shroud", 0.0)
    assert len(times) == len(shroud) >= 5 and all(t2 > t1 for t1, t2 in zip(times, times[1:]))


async def test_every_connect_syncs_the_time_then_asks_for_the_status(sim: ChamberServer, client: ChamberClient) -> None:
    assert sim.device.client_utc_offset_ms == time.localtime().tm_gmtoff * 1000  # local minus UTC (§4)
    assert abs(sim.device.client_epoch_ms - time.time() * 1000) < 600_000  # `epoch`, in ms
    assert client.connects == 1
    assert client.model.recipe.state is RunState.IDLE  # from get_status before any recipe_status push


async def test_a_recipe_runs_through_ramp_and_hold_to_completion(client: ChamberClient) -> None:
    model = client.model
    phases = set()
    model.recipe_changed.connect(lambda status: phases.add((status.step_index, status.phase)))
    reply = await client.load_recipe(SHORT)
    assert reply.result is Result.SUCCESS
    await wait_until(lambda: model.last_completion is not None, timeout=30, what="recipe_complete")
    assert model.last_completion.ok and model.last_completion.extra["name"] == "short"
    await wait_until(lambda: model.recipe.state is RunState.COMPLETE, timeout=10)
    assert {(0, "ramp"), (0, "hold"), (1, "ramp"), (1, "hold")} <= phases
    assert model.reading("setpoint") == pytest.approx(25.0, abs=0.5)


async def test_load_and_run_starts_a_chamber_whose_load_only_loads() -> None:
    server = ChamberServer(port=0, load_autostarts=False, **FAST)
    await server.start()
    try:
        only_loads = await connect(server.url, load_autostarts=True)
        assert (await only_loads.load_recipe(SHORT)).ok
        await wait_until(lambda: only_loads.model.recipe.state is RunState.LOADED, timeout=10, what="a loaded, waiting run")
        await only_loads.stop()

        starts = await connect(server.url, load_autostarts=False)
        assert (await starts.load_recipe(SHORT)).ok
        await wait_until(lambda: starts.model.recipe.state is RunState.RUNNING or starts.model.last_completion is not None,
                         timeout=10, what="the run started by start_recipe")
        await starts.stop()
    finally:
        await server.stop()


async def test_each_documented_and_undocumented_refusal_is_a_warning_with_its_text(client: ChamberClient) -> None:
    cancel = await client.cancel_recipe()
    assert (cancel.result, cancel.message) == (Result.WARNING, texts.CANCEL_IDLE)
    assert (await client.pause_recipe()).message == texts.PAUSE_IDLE
    assert (await client.resume_recipe()).message == texts.RESUME_NOT_PAUSED
    assert (await client.load_recipe(LONG)).ok
    again = await client.load_recipe(LONG)
    assert (again.result, again.message) == (Result.WARNING, texts.LOAD_RUNNING)
    assert (await client.set_temperature(40)).message == texts.SETPOINT_RUNNING
    assert (await client.pause_recipe()).ok
    await wait_until(lambda: client.model.recipe.state is RunState.PAUSED, timeout=10)
    assert (await client.resume_recipe()).ok
    assert (await client.cancel_recipe()).ok
    await wait_until(lambda: client.model.recipe.state is RunState.CANCELLED, timeout=10)
    assert (await client.set_pump(True)).ok
    assert (await client.set_vent(True)).message == texts.VENT_PUMP_ON
    assert (await client.set_pump(False)).ok and (await client.set_vent(True)).ok
    assert (await client.set_pump(True)).message == texts.PUMP_VENT_OPEN
    assert client.model.connected  # warnings are refusals, not a broken link


async def test_the_pump_takes_the_pressure_down_on_the_model(client: ChamberClient) -> None:
    assert (await client.set_pump(True)).ok
    await wait_until(lambda: client.model.reading("pressure") < 1.0, timeout=20, what="pump-down")
    assert client.model.latest.pump_on is True


async def test_a_server_restart_mid_recipe_is_survived_without_operator_action(sim: ChamberServer, client: ChamberClient) -> None:
    model = client.model
    assert (await client.load_recipe(LONG)).ok
    await wait_until(lambda: model.recipe.state is RunState.RUNNING, timeout=10)
    await sim.inject({"action": "restart", "downS": 1.0})
    await wait_until(lambda: not model.connected, timeout=10, what="the drop")
    seen = len(model.history)
    await wait_until(lambda: client.connects == 2 and len(model.history) > seen + 3, timeout=20, what="data after the restart")
    assert model.connected and model.link is LinkState.LIVE
    assert model.recipe.state is RunState.RUNNING and model.recipe.name == "long"  # the run went on server-side
    assert (await client.load_recipe(LONG)).message == texts.LOAD_RUNNING


async def test_a_server_side_disconnect_is_followed_by_our_own_reconnect(sim: ChamberServer, client: ChamberClient) -> None:
    await sim.inject({"action": "disconnectClients"})
    await wait_until(lambda: client.connects == 2 and client.model.connected, timeout=15)
    assert (await client.cancel_recipe()).result is Result.WARNING


async def test_the_first_connect_is_retried_until_the_chamber_appears() -> None:
    port = free_port()
    client = ChamberClient(ChamberModel("Late"), f"http://127.0.0.1:{port}", backoff=(0.05, 0.2))
    await client.start()
    try:
        await wait_until(lambda: "cannot connect" in client.model.link_problem, timeout=10)
        with pytest.raises(ChamberError, match="'Late' is not connected"):
            await client.cancel_recipe()
        server = ChamberServer(port=port, **FAST)
        await server.start()
        try:
            await wait_until(lambda: client.model.latest is not None, timeout=15, what="telemetry once up")
        finally:
            await server.stop()
    finally:
        await client.stop()


@pytest.mark.parametrize("send_objects", [False, True], ids=["json-strings", "objects"])
async def test_string_and_object_payloads_read_the_same(send_objects: bool) -> None:
    server = ChamberServer(port=0, send_objects=send_objects, **FAST)
    await server.start()
    try:
        client = await connect(server.url)
        reply = await client.cancel_recipe()
        assert (reply.result, reply.message) == (Result.WARNING, texts.CANCEL_IDLE)
        assert client.model.malformed_count == 0 and client.model.reading("ambient") == pytest.approx(22, abs=1)
        await client.stop()
    finally:
        await server.stop()


async def test_malformed_pushes_are_counted_and_logged_and_data_keeps_flowing(sim: ChamberServer, client: ChamberClient,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    await sim.inject({"action": "malformedPush"})
    await wait_until(lambda: client.model.malformed_count == 3, timeout=10)
    assert "a malformed telemetry was ignored" in caplog.text
    seen = len(client.model.history)
    await wait_until(lambda: len(client.model.history) > seen, timeout=10)


async def test_an_unanswered_command_times_out_with_a_sentence_and_a_late_answer_is_only_counted(
        sim: ChamberServer) -> None:
    client = await connect(sim.url, ack_timeout=0.3)
    try:
        await sim.inject({"set": {"ack": "drop"}})
        with pytest.raises(ChamberError, match="'North' did not answer cancel_recipe within 0.3 s"):
            await client.cancel_recipe()
        await sim.inject({"set": {"ack": "delay", "ackDelayS": 0.8}})
        with pytest.raises(ChamberError, match="did not answer"):
            await client.cancel_recipe()
        await wait_until(lambda: client.model.unsolicited_acks == 1, timeout=10, what="the late ack")
        await sim.inject({"set": {"ack": "normal"}})
        assert (await client.cancel_recipe()).result is Result.WARNING
        assert client.model.connected
    finally:
        await client.stop()


async def test_one_outstanding_command_per_name(sim: ChamberServer) -> None:
    client = await connect(sim.url, ack_timeout=10.0)
    try:
        await sim.inject({"set": {"ack": "delay", "ackDelayS": 2.0}})  # long enough for a loaded machine
        first = asyncio.create_task(client.cancel_recipe())
        await wait_until(lambda: sim.commands_received >= 3, timeout=5)  # sync, get_status, cancel
        with pytest.raises(ChamberError, match="still waiting for the answer to cancel_recipe"):
            await client.cancel_recipe()
        assert (await first).result is Result.WARNING
    finally:
        await client.stop()


async def test_duplicated_and_unsolicited_acks_are_counted_not_fatal(sim: ChamberServer, client: ChamberClient) -> None:
    await sim.inject({"set": {"ack": "duplicate"}})
    assert (await client.cancel_recipe()).result is Result.WARNING
    await sim.inject({"action": "unsolicitedAck"})
    await wait_until(lambda: client.model.unsolicited_acks == 2, timeout=10)
    await sim.inject({"set": {"ack": "normal"}})
    assert (await client.pause_recipe()).result is Result.WARNING


async def test_an_error_result_is_returned_as_an_error_not_raised(sim: ChamberServer, client: ChamberClient) -> None:
    await sim.inject({"set": {"errorResults": True}})
    reply = await client.load_recipe(SHORT)
    assert reply.result is Result.ERROR and "Injected fault" in reply.message


async def test_paused_telemetry_turns_the_link_stale_then_lost_then_live_again(sim: ChamberServer) -> None:
    client = await connect(sim.url, stale_after=0.5, lost_after=1.5)
    seen: list[LinkState] = []
    client.model.link_changed.connect(seen.append)
    try:
        await sim.inject({"set": {"telemetryPaused": True}})
        await wait_until(lambda: client.model.link is LinkState.LOST, timeout=10)
        assert seen[-2:] == [LinkState.STALE, LinkState.LOST]
        assert client.model.connected  # the probe got an answer: the connection is kept
        await sim.inject({"set": {"telemetryPaused": False}})
        await wait_until(lambda: client.model.link is LinkState.LIVE, timeout=10)
    finally:
        await client.stop()


async def test_alarms_are_raised_cleared_and_leave_the_list_once_acknowledged(sim: ChamberServer, client: ChamberClient) -> None:
    model = client.model
    await sim.inject({"action": "raiseAlarm", "code": "LEAK"})
    await wait_until(lambda: "LEAK" in model.alarms.by_code, timeout=10)
    leak = model.alarms.by_code["LEAK"]
    assert leak.active and leak.severity is Result.ERROR and "Leak" in leak.message
    await sim.inject({"action": "clearAlarm", "code": "LEAK"})
    await wait_until(lambda: not model.alarms.by_code["LEAK"].active, timeout=10)
    assert model.acknowledge_alarm("LEAK")
    assert "LEAK" not in model.alarms.by_code


async def test_an_alarm_cleared_while_disconnected_is_cleared_by_the_status_after_reconnect(sim: ChamberServer,
                                                                                             client: ChamberClient) -> None:
    model = client.model
    await sim.inject({"action": "raiseAlarm", "code": "COOLANT_HOT"})
    await wait_until(lambda: "COOLANT_HOT" in model.alarms.by_code, timeout=10)
    await sim.stop()
    await wait_until(lambda: not model.connected, timeout=10)
    sim.device.force_alarm("COOLANT_HOT", False)
    await sim.start()
    await wait_until(lambda: client.connects == 2 and not model.alarms.by_code["COOLANT_HOT"].active, timeout=15)


async def test_a_modbus_timeout_freezes_the_sensor_values(sim: ChamberServer, client: ChamberClient) -> None:
    await sim.inject({"action": "raiseAlarm", "code": "MODBUS_TIMEOUT"})
    await wait_until(lambda: "MODBUS_TIMEOUT" in client.model.alarms.by_code, timeout=10)
    frozen = client.model.latest.t
    await wait_until(lambda: client.model.latest.t > frozen + 1, timeout=10)
    values = [client.model.latest.values["shroud"]]
    seen = len(client.model.history)
    await wait_until(lambda: len(client.model.history) > seen + 3, timeout=10)
    values.append(client.model.latest.values["shroud"])
    assert values[0] == values[1]


async def test_two_clients_at_once_each_get_their_own_acks_and_both_get_the_pushes(sim: ChamberServer,
                                                                                  client: ChamberClient) -> None:
    other = await connect(sim.url, name="Vendor UI")
    try:
        assert (await other.load_recipe(LONG)).ok
        await wait_until(lambda: client.model.recipe.state is RunState.RUNNING, timeout=10)
        assert client.model.unsolicited_acks == 0 and other.model.unsolicited_acks == 0
        assert (await client.cancel_recipe()).ok
        await wait_until(lambda: other.model.recipe.state is RunState.CANCELLED, timeout=10)
    finally:
        await other.stop()


async def test_renamed_events_in_the_settings_reach_a_chamber_using_those_names() -> None:
    renames = {"telemetry": "xo_telemetry", "pump_on": "xo_pump_on"}
    server = ChamberServer(port=0, event_names=renames, **FAST)
    await server.start()
    try:
        client = await connect(server.url, event_names=renames)
        assert (await client.set_pump(True)).ok
        await client.stop()
        plain = ChamberClient(ChamberModel("Plain"), server.url, ack_timeout=0.5, backoff=(0.05, 0.2))
        await plain.start()
        await wait_until(lambda: plain.model.connected, timeout=10)
        with pytest.raises(ChamberError, match="did not answer pump_on"):
            await plain.set_pump(True)
        assert plain.model.link is LinkState.CONNECTING  # telemetry under another name is not ours
        await plain.stop()
    finally:
        await server.stop()


@asynccontextmanager
async def client_of(app: web.Application, name: str) -> AsyncIterator[ChamberClient]:
    """`app` served on a free loopback port, and a started client pointed at it."""
    runner = web.AppRunner(app, shutdown_timeout=0.25)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    client = ChamberClient(ChamberModel(name), f"http://127.0.0.1:{port}", backoff=(0.05, 0.2))
    await client.start()
    try:
        yield client
    finally:
        await client.stop()
        await runner.cleanup()


async def test_a_status_answer_too_odd_to_read_is_logged_and_the_link_stays_supervised(caplog: pytest.LogCaptureFixture) -> None:
    """A chamber whose get_status_ack holds an integer of 5000 digits (json cannot convert it):
    a counted, logged sentence; the supervisor lives on and reconnects after a drop."""
    caplog.set_level(logging.WARNING)
    sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False)
    sids: list[str] = []
    odd = '{"result": "success", "message": "", "status": {"telemetry": {"pressureKPa": %s}}}' % ("9" * 5000)

    @sio.on("connect")
    async def _connected(sid: str, *_: object) -> None:
        sids.append(sid)

    @sio.on("get_status")
    async def _status(sid: str, *_: object) -> None:
        await sio.emit("get_status_ack", odd, to=sid)

    app = web.Application()
    sio.attach(app)
    async with client_of(app, "Odd") as client:
        await wait_until(lambda: client.model.malformed_count == 1, timeout=15, what="the odd status, counted")
        assert "a malformed get_status_ack was ignored" in caplog.text and "4300 digits" in caplog.text
        await sio.disconnect(sids[0])
        await wait_until(lambda: client.connects == 2 and client.model.malformed_count == 2, timeout=15,
                         what="a reconnect by the supervisor")


async def test_a_server_speaking_engine_io_3_is_reported_as_a_protocol_mismatch() -> None:
    """An Engine.IO 3 server (socket.io 2) answers the handshake in its own framing (vacuum.md §2)."""
    async def eio3_handshake(_request: web.Request) -> web.Response:
        return web.Response(text='96:0{"sid":"a","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}2:40')

    app = web.Application()
    app.router.add_route("*", "/socket.io/", eio3_handshake)
    async with client_of(app, "Old") as client:
        await wait_until(lambda: "protocol mismatch" in client.model.link_problem, timeout=15, what="the mismatch")
        assert "Engine.IO 3" in client.model.link_problem and not client.model.connected
