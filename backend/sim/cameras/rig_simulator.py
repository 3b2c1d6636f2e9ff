"""The simulated rig on the wire: a PUB socket for events and a request socket, faults included.

It speaks like Smart Shooter 5 (or 4, or 3 for the refusal test): flat single-frame JSON,
one reply per request with the sequence number echoed, events with consecutive sequence
numbers including `NodeUpdated` and (when enabled) `NetworkPing` (cameras.md §10).

The request side is a ROUTER socket answering exactly like a REP socket (a REQ client
cannot tell them apart), because a REP socket that withholds a reply can never read
again: with ROUTER the "no reply" fault can be switched off and the rig answers again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from backend.cameras.wire import encode_message
from backend.sim.cameras.camera_catalog import CATALOGUE, CameraModelSpec
from backend.sim.cameras.photo_files import LIVEVIEW_SIZE, render_jpeg
from backend.sim.cameras.rig_faults import RigFaults
from backend.sim.cameras.simulated_app import Refused, SimulatedApp, Timing
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)

NODE_UPDATE_PERIOD_S = 5.0
BATTERY_PERIOD_S = 10.0
PUB_HWM = 1000
"""libzmq's default: a slow subscriber loses events at the high-water mark, as with the real app (§8)."""


class RigSimulator:
    """A Smart Shooter rig of N cameras on two endpoints."""

    def __init__(
        self,
        *,
        cameras: int = 8,
        events: str = "tcp://127.0.0.1:54543",
        requests: str = "tcp://127.0.0.1:54544",
        photos_dir: Path,
        version: int = 5,
        timing: Timing | None = None,
        faults: RigFaults | None = None,
        liveview_fps: float = 5.0,
        liveview_size: tuple[int, int] = LIVEVIEW_SIZE,
        models: tuple[CameraModelSpec, ...] = CATALOGUE,
        first_serial: int | None = None,
        context: zmq.asyncio.Context | None = None,
    ) -> None:
        self.events_endpoint = events
        self.requests_endpoint = requests
        self.version = version
        self.faults = faults or RigFaults()
        self.liveview_fps = liveview_fps
        self.liveview_size = liveview_size
        self.app = SimulatedApp(cameras, photos_dir, self.publish, self.faults, version=version, timing=timing,
                                models=models, first_serial=first_serial)
        self.app.on_shutdown = self._shut_down
        self.shut_down = asyncio.Event()
        """Set when a `Shutdown` request quit the simulated application."""
        self.requests_answered = 0
        self.events_sent = 0
        self._context = context or zmq.asyncio.Context.instance()
        self._pub: zmq.asyncio.Socket | None = None
        self._router: zmq.asyncio.Socket | None = None
        self._seq = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._request_task: asyncio.Task[None] | None = None
        self._liveview_frames: dict[str, str] = {}

    # --- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind both endpoints and start the periodic events. Endpoints with port 0 get a free port."""
        self.bind_events()
        self.bind_requests()
        self._tasks = [
            asyncio.create_task(self._every(NODE_UPDATE_PERIOD_S, lambda: self.publish("NodeUpdated", self.app.node_info())), name="sim-node"),
            asyncio.create_task(self._every(BATTERY_PERIOD_S, lambda: self.app.drain_batteries(0.5)), name="sim-battery"),
            asyncio.create_task(self._network_pings(), name="sim-ping"),
            asyncio.create_task(self._liveview(), name="sim-liveview"),
        ]

    async def stop(self) -> None:
        await cancel_and_wait([*self._tasks, *self.app.tasks, self._request_task])
        self._tasks = []
        self._request_task = None
        self.unbind_events()
        self.unbind_requests()

    def bind_events(self) -> None:
        if self._pub is None:
            self._pub = self._context.socket(zmq.PUB)
            self._pub.setsockopt(zmq.LINGER, 0)
            self._pub.setsockopt(zmq.SNDHWM, PUB_HWM)
            self._pub.bind(self.events_endpoint)
            self.events_endpoint = self._pub.getsockopt(zmq.LAST_ENDPOINT).decode()

    def unbind_events(self) -> None:
        """Fault: the publisher goes away while requests are still answered."""
        if self._pub is not None:
            self._pub.close(linger=0)
            self._pub = None

    def bind_requests(self) -> None:
        if self._router is None:
            self._router = self._context.socket(zmq.ROUTER)
            self._router.setsockopt(zmq.LINGER, 0)
            self._router.bind(self.requests_endpoint)
            self.requests_endpoint = self._router.getsockopt(zmq.LAST_ENDPOINT).decode()
            self._request_task = asyncio.create_task(self._serve(self._router), name="sim-requests")

    def unbind_requests(self) -> None:
        """Fault: the request socket goes away while events keep coming."""
        if self._request_task is not None:
            self._request_task.cancel()
            self._request_task = None
        if self._router is not None:
            self._router.close(linger=0)
            self._router = None

    # --- fault actions -------------------------------------------------------------------

    async def restart_app(self, reconnect_after: float = 0.5) -> None:
        """The app restarts: its event sequence starts again, cameras go Absent, then come back."""
        self._seq = 0
        for camera in self.app.cameras.values():
            self.app.set_status(camera, "Absent")
        await asyncio.sleep(reconnect_after)
        for camera in self.app.cameras.values():
            self.app.set_status(camera, "Ready")
        self.publish("NodeUpdated", self.app.node_info())

    def lose_camera(self, key: str, status: str = "Lost") -> None:
        """A camera is unplugged (`Lost`), never seen (`Absent`) or fails (`Error`)."""
        self.app.set_status(self.app.cameras[key], status)

    def restore_camera(self, key: str) -> None:
        self.app.set_status(self.app.cameras[key], "Ready")

    def _shut_down(self) -> None:
        self.unbind_requests()
        self.unbind_events()
        self.shut_down.set()

    # --- events --------------------------------------------------------------------------

    def publish(self, msg_id: str, payload: dict[str, Any]) -> None:
        """Send one event with the next sequence number (used even when the event is dropped)."""
        if self.version < 5 and msg_id == "LiveviewUpdated":
            return
        self._seq += 1
        if self.faults.drop_events > 0:
            self.faults.drop_events -= 1
            return
        message = {"msg_type": "Event", "msg_id": msg_id, "msg_seq_num": self._seq, "msg_user_id": 0, "msg_result": True, **payload}
        if self.faults.extra_fields:
            message.update(_extras(msg_id, payload))
        if self.version < 5:
            message.pop("PhotoFilename", None)
        if self.faults.malformed_events > 0:
            self.faults.malformed_events -= 1
            frame = b'{"msg_type":"Event","msg_id":"CameraUpdated",' + encode_message(message)[1:40]
        else:
            frame = self._frame(message)
        if self._pub is not None:
            self._pub.send(frame)
            self.events_sent += 1

    def _frame(self, message: dict[str, Any]) -> bytes:
        if self.version >= 4:
            return encode_message(message)
        return _as_v3(message)

    async def _every(self, period: float, action: Any) -> None:
        while True:
            await asyncio.sleep(period)
            action()

    async def _network_pings(self) -> None:
        while True:
            await asyncio.sleep(self.faults.network_ping_s or 0.5)
            if self.faults.network_ping_s:
                self.publish("NetworkPing", {"NodeKey": "local"})

    async def _liveview(self) -> None:
        while True:
            fps = 100.0 if self.faults.liveview_flood else self.liveview_fps
            await asyncio.sleep(1.0 / max(fps, 0.5))
            for camera in self.app.cameras.values():
                if camera.liveview or self.faults.liveview_flood:
                    frame = self._liveview_frames.get(camera.key)
                    if frame is None:
                        jpeg = await asyncio.to_thread(render_jpeg, camera.index, [camera.display_name, "live view"], self.liveview_size, 60)
                        frame = self._liveview_frames[camera.key] = base64.b64encode(jpeg).decode("ascii")
                    self.publish("LiveviewUpdated", {**camera.selection(), "CameraLiveviewImage": frame})

    # --- requests ------------------------------------------------------------------------

    async def _serve(self, router: zmq.asyncio.Socket) -> None:
        while True:
            frames = await router.recv_multipart()
            if len(frames) < 3:
                continue
            identity, body = frames[0], frames[-1]
            if self.faults.no_reply:
                continue
            reply = self._answer(body)
            if reply is None:
                continue
            if self.faults.slow_reply_s > 0:
                asyncio.get_running_loop().call_later(self.faults.slow_reply_s, self._send_reply, router, identity, reply)
            else:
                self._send_reply(router, identity, reply)

    def _send_reply(self, router: zmq.asyncio.Socket, identity: bytes, reply: bytes) -> None:
        if router is self._router:
            with contextlib.suppress(zmq.ZMQError):
                router.send_multipart([identity, b"", reply])
                self.requests_answered += 1

    def _answer(self, body: bytes) -> bytes | None:
        try:
            request = json.loads(body.decode("utf-8-sig"))
        except ValueError:
            log.info("Simulated rig got a request that is not JSON")
            return encode_message({"msg_type": "Response", "msg_id": "", "msg_seq_num": 0, "msg_user_id": 0, "msg_result": False})
        if not isinstance(request, dict):
            log.info("Simulated rig got a request that is not a JSON object")
            return encode_message({"msg_type": "Response", "msg_id": "", "msg_seq_num": 0, "msg_user_id": 0, "msg_result": False})
        msg_id = str(request.get("msg_id", ""))
        if self.version < 4:
            msg_id = msg_id.removesuffix("Msg")
        seq = request.get("msg_seq_num", request.get("msg_ref_num", 0))
        if self.faults.wrong_seq and isinstance(seq, int):
            seq += 1000
        reply: dict[str, Any] = {"msg_type": "Response", "msg_id": msg_id, "msg_seq_num": seq, "msg_user_id": request.get("msg_user_id", 0)}
        refused = "*" in self.faults.fail_requests or msg_id in self.faults.fail_requests
        if self.version < 4 and msg_id in ("Synchronise", "GetCamera"):
            refused = True  # v3 has no Synchronise reply state and no GetCamera
        if not refused:
            try:
                reply.update(self.app.handle(msg_id, request))
                reply["msg_result"] = True
            except Refused as refusal:
                log.info("Simulated rig refused %s: %s", msg_id, refusal)
                refused = True
            except Exception as error:  # fields it cannot read (a list for a key…): refused, and it keeps answering
                log.warning("Simulated rig could not read the fields of %s (%s: %s); refused", msg_id, type(error).__name__, error)
                refused = True
        if refused:
            reply["msg_result"] = False
        return self._frame(reply) if self.version >= 4 else _as_v3({**reply, "msg_id": msg_id})


def _extras(msg_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Undocumented fields the real application adds (§10.4)."""
    if msg_id == "CameraUpdated":
        return {"CameraOrientation": 0}
    if msg_id == "PhotoUpdated" and "PhotoFilename" in payload:
        return {"PhotoOriginalPath": str(Path(payload["PhotoFilename"]).parent)}
    if msg_id == "NodeUpdated":
        return {"NodeSystemLoad": round(random.random(), 2)}
    return {}


def _as_v3(message: dict[str, Any]) -> bytes:
    """A v3 frame: `…Msg` names, `msg_ref_num` and `Result`, with a UTF-8 BOM (§7)."""
    v3 = {k: v for k, v in message.items() if k not in ("msg_seq_num", "msg_result", "msg_user_id")}
    v3["msg_id"] = f"{message['msg_id']}Msg"
    v3["msg_ref_num"] = message.get("msg_seq_num", 0)
    v3["Result"] = message.get("msg_result", True)
    return b"\xef\xbb\xbf" + encode_message(v3)
