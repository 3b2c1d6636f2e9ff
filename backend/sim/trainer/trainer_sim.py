"""`switchboard-sim trainer`: one simulated auto-trainer rig, on the real package or on the hand-written wire.

Binds loopback only unless `--host` says otherwise (the package alone would also bind the
machine's primary address). With `--wire` the fault switches are available on the command
line; with `--legacy` (wire only) the rig speaks 0.9.7.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from backend.sim.trainer.package_trainer import PackageTrainer
from backend.sim.trainer.rig_activity import ActivityOptions, run_activity
from backend.sim.trainer.rig_state import RigOptions, TrainerRig
from backend.sim.trainer.wire_trainer import WireTrainer

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s, loopback only)")
    parser.add_argument("--pub-port", type=int, default=5556, help="PUB port (default: %(default)s)")
    parser.add_argument("--rep-port", type=int, default=5557, help="REP port (default: %(default)s)")
    parser.add_argument("--identifier", default="autotrainer-device", help="identifier in heartbeats (default: %(default)s)")
    parser.add_argument("--heartbeat-interval", type=float, default=5.0, help="seconds between heartbeats (default: %(default)s)")
    parser.add_argument("--step", type=float, default=1.0, help="seconds between steps of the rig's activity; 0: none")
    parser.add_argument("--status-period", type=float, default=30.0, help="seconds between systemStatus events; 0: never")
    parser.add_argument("--wire", action="store_true", help="hand-written transport with fault injection instead of the package")
    faults = parser.add_argument_group("wire mode faults")
    faults.add_argument("--legacy", action="store_true", help="speak auto-trainer-api 0.9.7")
    faults.add_argument("--no-heartbeats", action="store_true", help="never send a heartbeat")
    faults.add_argument("--reply-delay", type=float, default=0.0, help="seconds before each reply")
    faults.add_argument("--drop-requests", action="store_true", help="read requests and never answer them")
    faults.add_argument("--garbage-every", type=float, default=0.0, help="publish malformed messages every N s")


@contextlib.asynccontextmanager
async def running_trainer(host: str, pub_port: int, rep_port: int, *, identifier: str = "autotrainer-device",
                          heartbeat_interval: float = 5.0, activity: ActivityOptions | None = None,
                          wire: WireTrainer | None = None) -> AsyncIterator[TrainerRig]:
    """A rig on the package (or on `wire` when given) with its activity script, until the block ends."""
    transport: PackageTrainer | WireTrainer = wire or PackageTrainer(
        host, pub_port, rep_port, heartbeat_interval=heartbeat_interval, rig_options=RigOptions(identifier=identifier))
    async with transport:
        script = asyncio.create_task(run_activity(transport.rig, activity or ActivityOptions()), name="trainer-activity")
        try:
            yield transport.rig
        finally:
            script.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await script


async def run_trainer_sim(stop: asyncio.Event, args: argparse.Namespace) -> int:
    activity = ActivityOptions(step=args.step, status_period=args.status_period)
    wire = None
    if args.wire:
        wire = WireTrainer(args.host, args.pub_port, args.rep_port, heartbeat_interval=args.heartbeat_interval,
                           rig_options=RigOptions(identifier=args.identifier), legacy=args.legacy)
        wire.faults.heartbeats = not args.no_heartbeats
        wire.faults.reply_delay = args.reply_delay
        wire.faults.drop_requests = args.drop_requests
    elif args.legacy or args.no_heartbeats or args.reply_delay or args.drop_requests or args.garbage_every:
        log.error("The fault options need --wire: the real package cannot be made to misbehave")
        return 2
    async with running_trainer(args.host, args.pub_port, args.rep_port, identifier=args.identifier,
                               heartbeat_interval=args.heartbeat_interval, activity=activity, wire=wire):
        garbage = asyncio.create_task(_garbage_every(wire, args.garbage_every)) if wire and args.garbage_every else None
        await stop.wait()
        if garbage is not None:
            garbage.cancel()
    return 0


async def _garbage_every(wire: WireTrainer, period: float) -> None:
    while True:
        await asyncio.sleep(period)
        wire.send_garbage()


def free_loopback_port(host: str = DEFAULT_HOST) -> int:
    """A port nothing listens on right now (the package takes port numbers, not "any port")."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def demo_trainer(work: Path) -> AsyncIterator[list[dict[str, Any]]]:
    """The demo floor's trainer: the package-based rig on free loopback ports, training a mouse."""
    pub, rep = free_loopback_port(), free_loopback_port()
    activity = ActivityOptions(step=1.0, status_period=20.0)
    async with running_trainer(DEFAULT_HOST, pub, rep, identifier="demo-rig-1", heartbeat_interval=2.0, activity=activity):
        yield [{"name": "Rig 1", "host": DEFAULT_HOST, "pub_port": pub, "rep_port": rep}]
