"""`switchboard-sim cameras`: the rig simulator as its own process, with its fault controls.

Faults are set at start with `--fault NAME[=VALUE]` (repeatable) and, while it runs,
through the optional control endpoint (`--control tcp://127.0.0.1:54545`): a REP socket
taking one JSON object per request, either `{"fault": "slow_reply_s", "value": 3}` or
`{"action": "restart_app"}` / `{"action": "lose_camera", "camera": KEY, "status": "Lost"}`
/ `{"action": "restore_camera", "camera": KEY}` / `{"action": "unbind_requests"}` (and
`bind_requests`, `unbind_events`, `bind_events`). It answers `{"ok": true}` or
`{"ok": false, "error": "…"}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from backend.sim.cameras.camera_catalog import CATALOGUE, CameraModelSpec, models_named
from backend.sim.cameras.photo_files import LIVEVIEW_SIZE
from backend.sim.cameras.rig_faults import RigFaults
from backend.sim.cameras.rig_simulator import RigSimulator
from backend.sim.cameras.simulated_app import Timing
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)

READY_LINE = "SWITCHBOARD-RIG-READY"


def _frame_size(text: str) -> tuple[int, int]:
    """`640x426` → (640, 426): a live view frame size the simulator can render."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 640x426") from None
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 16 to 4096 pixels")
    return width, height


def _models(text: str) -> tuple[CameraModelSpec, ...]:
    try:
        return models_named(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cameras", type=int, default=8, help="number of cameras (default: %(default)s)")
    parser.add_argument("--events", default="tcp://127.0.0.1:54543", help="event publisher endpoint (default: %(default)s)")
    parser.add_argument("--requests", default="tcp://127.0.0.1:54544", help="request endpoint (default: %(default)s)")
    parser.add_argument("--photos", type=Path, default=Path("rig-photos"), help="download folder for the JPEG files (default: %(default)s)")
    parser.add_argument("--api-version", type=int, choices=(3, 4, 5), default=5, help="External API version to speak (default: %(default)s)")
    parser.add_argument("--session-photos", type=int, default=0, help="photos already in the session at start (default: %(default)s)")
    parser.add_argument("--capture-delay", type=float, default=0.2, help="seconds from Shoot to the photo (default: %(default)s)")
    parser.add_argument("--download-delay", type=float, default=0.3, help="seconds to download a photo (default: %(default)s)")
    parser.add_argument("--reuse-images", action="store_true", help="render one JPEG per camera and copy it for each photo (cheaper; for benchmarks)")
    parser.add_argument("--liveview-fps", type=float, default=5.0, help="live view frames per second when enabled (default: %(default)s)")
    parser.add_argument("--liveview-size", type=_frame_size, default=LIVEVIEW_SIZE, metavar="WxH",
                        help="live view frame size in pixels (default: %dx%d)" % LIVEVIEW_SIZE)
    parser.add_argument("--models", type=_models, default=CATALOGUE, metavar="MODEL,…",
                        help="camera models the rig cycles through (default: %s)" % ",".join(spec.model for spec in CATALOGUE))
    parser.add_argument("--first-serial", type=int, help="serial number of the first camera of each model (default: each model's own)")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME[=VALUE]", help="start with a fault, e.g. slow_reply_s=3 or no_reply")
    parser.add_argument("--control", help="endpoint of a REP socket that switches faults while running")


def build_simulator(args: argparse.Namespace) -> RigSimulator:
    faults = RigFaults()
    for text in args.fault:
        name, _, value = text.partition("=")
        faults.set(name, value)
    timing = Timing(capture_delay=args.capture_delay, download_delay=args.download_delay, reuse_images=args.reuse_images)
    return RigSimulator(
        cameras=args.cameras, events=args.events, requests=args.requests, photos_dir=args.photos.resolve(),
        version=args.api_version, timing=timing, faults=faults, liveview_fps=args.liveview_fps, liveview_size=args.liveview_size,
        models=args.models, first_serial=args.first_serial,
    )


async def run_rig(stop: asyncio.Event, args: argparse.Namespace) -> int:
    """Run the simulator until `stop` is set or a `Shutdown` request quits it."""
    try:
        simulator = build_simulator(args)
    except ValueError as error:
        log.error("%s", error)
        return 2
    await simulator.app.prefill(args.session_photos)
    await simulator.start()
    control = asyncio.create_task(serve_control(simulator, args.control)) if args.control else None
    ready = {"events": simulator.events_endpoint, "requests": simulator.requests_endpoint, "cameras": args.cameras}
    print(f"{READY_LINE} {json.dumps(ready)}", flush=True)
    log.info("Simulated rig of %d cameras: events %s, requests %s", args.cameras, simulator.events_endpoint, simulator.requests_endpoint)
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(simulator.shut_down.wait())]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    await cancel_and_wait([*waiters, control])
    await simulator.stop()
    return 0


async def serve_control(simulator: RigSimulator, endpoint: str) -> None:
    socket = zmq.asyncio.Context.instance().socket(zmq.REP)
    socket.setsockopt(zmq.LINGER, 0)
    socket.bind(endpoint)
    try:
        while True:
            frame = await socket.recv()
            try:
                await apply_control(simulator, json.loads(frame))
                answer: dict[str, Any] = {"ok": True}
            except (ValueError, KeyError, TypeError) as error:
                answer = {"ok": False, "error": str(error)}
            await socket.send(json.dumps(answer).encode())
    finally:
        socket.close(linger=0)


async def apply_control(simulator: RigSimulator, command: Any) -> None:
    if not isinstance(command, dict):
        raise ValueError(f"a control command is a JSON object, not {type(command).__name__}")
    if "fault" in command:
        simulator.faults.set(str(command["fault"]), command.get("value", True))
        return
    action = command.get("action")
    if action == "restart_app":
        await simulator.restart_app()
    elif action == "lose_camera":
        simulator.lose_camera(command["camera"], command.get("status", "Lost"))
    elif action == "restore_camera":
        simulator.restore_camera(command["camera"])
    elif action in ("unbind_requests", "bind_requests", "unbind_events", "bind_events"):
        getattr(simulator, action)()
    else:
        raise ValueError(f"unknown action {action!r}")
