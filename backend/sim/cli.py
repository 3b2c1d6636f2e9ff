"""`switchboard-sim`: the simulators of every peer, alone or together as the demo floor."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from backend import headless
from backend.bus.endpoints import DEFAULT_HOST, HubEndpoints
from backend.bus.store.store_database import SYNCHRONOUS
from backend.bus.store.store_process import default_database, run_store
from backend.bus.store.store_service import IDENTIFY_PERIOD_S
from backend.sim.bus_services import demo_services
from backend.sim.demo import demo_store_database, run_demo
from backend.sim.trainer.trainer_sim import add_arguments as add_trainer_arguments
from backend.sim.trainer.trainer_sim import run_trainer_sim

log = logging.getLogger(__name__)


def _hub_options(parser: argparse.ArgumentParser, pub_default: int, sub_default: int) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="hub host (default: %(default)s)")
    parser.add_argument("--pub-port", type=int, default=pub_default, help="where services publish (default: %(default)s; 0: a free port)")
    parser.add_argument("--sub-port", type=int, default=sub_default, help="where services subscribe (default: %(default)s; 0: a free port)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard-sim", description="Simulated peers for Switchboard.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="a hub and every simulator: the demo floor")
    _hub_options(demo, 0, 0)
    demo.add_argument("--exit-with-stdin", action="store_true", help="stop when standard input closes (used by switchboard --demo)")
    demo.add_argument("--store-db", type=Path, help="the demo Store's database (default: a demo file in the data folder)")
    services = commands.add_parser("services", help="the simulated bus services, on an existing hub")
    _hub_options(services, 16202, 16201)
    store = commands.add_parser("store", help="the Store: shows and every service's State, in SQLite")
    _hub_options(store, 16202, 16201)
    store.add_argument("--db", type=Path, help="database file (default: store.sqlite in the data folder)")
    store.add_argument("--identify-period", type=float, default=IDENTIFY_PERIOD_S, help="seconds between Identify heartbeats (default: %(default)s)")
    store.add_argument("--synchronous", choices=SYNCHRONOUS, default="NORMAL", help="NORMAL survives a crash of the Store; FULL also a power cut (default: %(default)s)")
    store.add_argument("--no-fault-control", action="store_true", help="do not offer the StoreFaults control service")
    trainer = commands.add_parser("trainer", help="an auto-trainer rig (the real auto-trainer-api package, or --wire)")
    add_trainer_arguments(trainer)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    headless.configure_logging(args.verbose)
    if args.command == "trainer":
        return headless.run(lambda stop: run_trainer_sim(stop, args))
    endpoints = HubEndpoints(args.host, args.pub_port, args.sub_port)
    if args.command == "demo":
        store_db = args.store_db or demo_store_database()
        return headless.run(lambda stop: run_demo(stop, endpoints, store_db=store_db, exit_with_stdin=args.exit_with_stdin))
    if args.command == "store":
        options = {"identify_period": args.identify_period, "synchronous": args.synchronous, "fault_control": not args.no_fault_control}
        return headless.run(lambda stop: run_store(stop, endpoints, args.db or default_database(), **options))
    return headless.run(lambda stop: _run_services(stop, endpoints))


async def _run_services(stop: asyncio.Event, endpoints: HubEndpoints) -> int:
    services = demo_services(endpoints)
    for service in services:
        await service.start()
    log.info("Simulated services on %s: %s", endpoints, ", ".join(s.name for s in services))
    await stop.wait()
    for service in services:
        await service.stop()
    return 0
