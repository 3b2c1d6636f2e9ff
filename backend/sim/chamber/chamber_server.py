"""The simulator's socket.io server (vacuum.md §9.1–9.3, 9.6): transport, time, faults.

A python-socketio AsyncServer on aiohttp, namespace `/`. Every undocumented event goes
through the same name table as the client. Payloads are JSON strings by default, dicts
with `send_objects`. The device (ChamberDevice) and the clock keep running while the
server is restarted or refuses connections, so a run continues across an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import socketio
from aiohttp import web

from backend.chamber import event_names as names_table
from backend.chamber.event_names import EventNames, ack_name
from backend.chamber.payload import MalformedPayload, decode
from backend.sim.chamber.chamber_device import ChamberDevice, error
from backend.sim.chamber.transport_faults import TransportFaults
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)
TICK_HZ = 10.0
STATUS_PERIOD_S = 1.0


class ChamberServer:
    """A simulated XO-VAC+ on `host:port`; `start`, `stop`, `restart`, `inject`."""

    def __init__(self, port: int = 8080, host: str = "127.0.0.1", *, time_scale: float = 1.0, telemetry_hz: float = 1.0,
                 seed: int = 0, send_objects: bool = False, load_autostarts: bool = True,
                 event_names: Mapping[str, str] | None = None) -> None:
        self.host = host
        self.port = port
        self.time_scale = time_scale
        self.telemetry_hz = telemetry_hz
        self.names = EventNames(event_names)
        self.device = ChamberDevice(seed, load_autostarts)
        self.faults = TransportFaults(send_objects=send_objects)
        self.sio: socketio.AsyncServer | None = None
        self._runner: web.AppRunner | None = None
        self._clock: asyncio.Task | None = None
        self._outage: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()
        self.connected_clients: set[str] = set()
        self.commands_received = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        return self._runner is not None

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening and the simulated clock."""
        await self._listen()
        if self._clock is None:
            self._clock = asyncio.create_task(self._run_clock(), name="chamber sim clock")

    async def stop(self) -> None:
        await cancel_and_wait([self._clock, self._outage, *self._background])
        self._clock = self._outage = None
        await self._close()

    async def restart(self, down_s: float = 1.0) -> None:
        """Drop every client and stop listening for `down_s` seconds; the run goes on meanwhile."""
        await self._close()
        await asyncio.sleep(down_s)
        await self._listen()

    async def _listen(self) -> None:
        if self._runner is not None:
            return
        self.sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("*", self._on_event)
        app = web.Application()
        self.sio.attach(app)
        app.router.add_get("/sim/faults", self._http_faults)
        app.router.add_post("/sim/faults", self._http_faults)
        runner = web.AppRunner(app, shutdown_timeout=0.25, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            self.port = runner.addresses[0][1]
        self._runner = runner
        log.info("Chamber simulator listening at %s", self.url)

    async def _close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        sio = self.sio
        for sid in list(self.connected_clients):
            with contextlib.suppress(Exception):
                await sio.disconnect(sid)
        self.connected_clients.clear()
        await runner.cleanup()
        log.info("Chamber simulator stopped listening at %s", self.url)

    # -- clock -----------------------------------------------------------------------------------

    async def _run_clock(self) -> None:
        last = time.monotonic()
        next_telemetry = next_status = last
        while True:
            await asyncio.sleep(1 / TICK_HZ)
            now = time.monotonic()
            pushes = self.device.advance((now - last) * self.time_scale)
            last = now
            if now >= next_status and self.device.run.state in ("running", "paused"):
                next_status = now + STATUS_PERIOD_S
                pushes.append(("recipe_status", self.device.run.status(self.device.physics)))
            if now >= next_telemetry:
                next_telemetry = max(next_telemetry + 1 / self.telemetry_hz, now - 1)
                if not self.faults.telemetry_paused:
                    pushes.append(("telemetry", self.device.telemetry()))
            for push, payload in pushes:
                await self._push(push, payload)

    # -- socket.io -------------------------------------------------------------------------------

    def _encode(self, payload: dict) -> Any:
        return payload if self.faults.send_objects else json.dumps(payload)

    async def _push(self, push: str, payload: dict) -> None:
        if self.sio is not None and self._runner is not None and self.connected_clients:
            await self.sio.emit(self.names.wire(push), self._encode(payload))

    async def _on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        self.connected_clients.add(sid)
        log.info("Chamber simulator: client %s connected (%d connected)", sid, len(self.connected_clients))

    async def _on_disconnect(self, sid: str, *_reason: Any) -> None:
        self.connected_clients.discard(sid)

    async def _on_event(self, event: str, sid: str, *args: Any) -> None:
        self.commands_received += 1
        raw = args[0] if args else None
        if event == names_table.SYNC_XOVAC_TIME:
            with contextlib.suppress(MalformedPayload):
                self.device.sync_time(decode(raw))
            return  # documented: no ack
        try:
            payload = decode(raw)
        except MalformedPayload as problem:
            reply = error(f"Malformed JSON: {problem}")
        else:
            reply = self._decide(event, payload)
        if reply is None:
            log.info("Chamber simulator: unknown event %r ignored", event)
            return
        if self.faults.error_results:
            reply = error("Injected fault: the server refused the command.")
        await self._answer(sid, ack_name(event), reply)

    def _decide(self, event: str, payload: dict) -> dict | None:
        device = self.device
        if event == names_table.LOAD_RECIPE:
            reply = device.load_recipe(payload)
        elif event == names_table.CANCEL_RECIPE:
            reply = device.cancel_recipe()
        else:
            ours = self.names.ours(event)
            handlers = {
                "pause_recipe": device.pause_recipe, "resume_recipe": device.resume_recipe,
                "start_recipe": device.start_recipe, "pump_on": lambda: device.pump(True),
                "pump_off": lambda: device.pump(False), "vent_open": lambda: device.vent(True),
                "vent_close": lambda: device.vent(False), "set_temperature": lambda: device.set_temperature(payload),
                "get_status": device.status,
            }
            if ours not in handlers:
                return None
            reply = handlers[ours]()
        if event in (names_table.LOAD_RECIPE, names_table.CANCEL_RECIPE) or self.names.ours(event) in (
                "pause_recipe", "resume_recipe", "start_recipe"):
            self._spawn(self._push("recipe_status", device.run.status(device.physics)))
        return reply

    async def _answer(self, sid: str, event: str, reply: dict) -> None:
        mode = self.faults.ack
        if mode == "drop":
            return
        if mode == "delay":
            self._spawn(self._answer_later(sid, event, reply, self.faults.ack_delay_s))
            return
        for _ in range(2 if mode == "duplicate" else 1):
            await self.sio.emit(event, self._encode(reply), to=sid)

    async def _answer_later(self, sid: str, event: str, reply: dict, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.sio is not None and sid in self.connected_clients:
            await self.sio.emit(event, self._encode(reply), to=sid)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- fault injection -------------------------------------------------------------------------

    async def inject(self, request: dict[str, Any]) -> dict[str, Any]:
        """Apply a fault request (transport_faults.py lists them); returns the fault settings now."""
        if "set" in request:
            if not isinstance(request["set"], dict):
                raise ValueError("'set' must be an object of fault settings")
            self.faults.update(request["set"])
        action = request.get("action")
        if action is not None:
            await self._act(str(action), request)
        return {"faults": self.faults.as_dict(), "alarms": sorted(self.device.forced_alarms), "listening": self.listening}

    async def _act(self, action: str, request: dict[str, Any]) -> None:
        if action == "unsolicitedAck":
            await self._push_raw(ack_name(names_table.CANCEL_RECIPE), self._encode({"result": "success", "message": ""}))
        elif action == "malformedPush":
            await self._push_raw(self.names.wire("telemetry"), '{"t": 1, "pressureKPa": ')
            await self._push_raw(self.names.wire("recipe_status"), "not json at all")
            await self._push_raw(self.names.wire("alarm"), "[1, 2, 3]")
        elif action == "disconnectClients":
            for sid in list(self.connected_clients):
                await self.sio.disconnect(sid)
        elif action in ("restart", "refuseConnections"):
            down = float(request.get("downS", 1.0 if action == "restart" else 30.0))
            self._outage = asyncio.create_task(self.restart(down), name="chamber sim outage")
        elif action in ("raiseAlarm", "clearAlarm"):
            for push, payload in self.device.force_alarm(str(request.get("code")), action == "raiseAlarm"):
                await self._push(push, payload)
        else:
            raise ValueError(f"unknown fault action {action!r}")

    async def _push_raw(self, event: str, data: Any) -> None:
        if self.sio is not None and self.connected_clients:
            await self.sio.emit(event, data)

    async def _http_faults(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            return web.json_response(await self.inject({}))
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the request must be a JSON object")
            return web.json_response(await self.inject(body))
        except (ValueError, json.JSONDecodeError) as problem:
            return web.json_response({"error": str(problem)}, status=400)
