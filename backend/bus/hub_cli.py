"""`switchboard-hub`: run one data hub (XSUB on --pub-port ↔ XPUB on --sub-port) until stopped."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence

from backend import headless
from backend.bus.endpoints import DEFAULT_HOST, DEFAULT_PUB_PORT, DEFAULT_SUB_PORT, HubEndpoints
from backend.bus.hub import Hub, HubBindError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard-hub",
        description="Run a Pixotope-style data hub: services publish to --pub-port and subscribe on --sub-port.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s; '*' for every interface)")
    parser.add_argument("--pub-port", type=int, default=DEFAULT_PUB_PORT, help="where services publish, the XSUB port (default: %(default)s)")
    parser.add_argument("--sub-port", type=int, default=DEFAULT_SUB_PORT, help="where services subscribe, the XPUB port (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    headless.configure_logging(args.verbose)
    hub = Hub(HubEndpoints(args.host, args.pub_port, args.sub_port))
    try:
        bound = hub.start()
    except HubBindError as error:
        log.error("%s", error)
        return 1
    print(f"Hub running: publish to {bound.publish_to}, subscribe on {bound.subscribe_to}. Ctrl+C stops it.", flush=True)

    async def wait(stop: asyncio.Event) -> int:
        await stop.wait()
        return 0

    try:
        return headless.run(wait)
    finally:
        hub.stop()


if __name__ == "__main__":
    raise SystemExit(main())
