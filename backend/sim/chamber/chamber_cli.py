"""`switchboard-sim chamber`: one simulated XO-VAC+ chamber, alone on its port."""

from __future__ import annotations

import argparse
import asyncio
import logging

from backend.sim.chamber.chamber_server import ChamberServer

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="socket.io port (default: %(default)s; 0: a free port)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second (default: %(default)s)")
    parser.add_argument("--telemetry-hz", type=float, default=1.0, help="telemetry pushes per second, 0.2–10 (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sensor noise (default: %(default)s)")
    parser.add_argument("--objects", action="store_true", help="send payloads as objects instead of JSON strings")
    parser.add_argument("--no-autostart", action="store_true", help="load_recipe only loads; start_recipe starts (load_autostarts=false)")


async def run(stop: asyncio.Event, args: argparse.Namespace) -> int:
    if not 0.2 <= args.telemetry_hz <= 10 or args.time_scale <= 0:
        log.error("--telemetry-hz must be within 0.2–10 and --time-scale more than 0")
        return 2
    server = ChamberServer(args.port, args.host, time_scale=args.time_scale, telemetry_hz=args.telemetry_hz,
                           seed=args.seed, send_objects=args.objects, load_autostarts=not args.no_autostart)
    try:
        await server.start()
    except OSError as error:
        log.error("The chamber simulator cannot listen on %s:%s: %s", args.host, args.port, error)
        return 1
    log.info("Chamber simulator at %s (×%g, %g Hz); faults: POST %s/sim/faults", server.url, args.time_scale,
             args.telemetry_hz, server.url)
    await stop.wait()
    await server.stop()
    return 0
