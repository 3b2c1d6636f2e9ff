"""`switchboard serve`: Switchboard's backend without a window, and without importing Qt.

It joins the bus as `<machine>-Switchboard` and connects the configured devices, so a
floor can be operated over the bus alone (a rack PC, a CI rig, a remote site).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from pathlib import Path

from backend import headless
from backend.app import locations
from backend.app.app_logging import install_file_log
from backend.app.audit_log import AuditLog
from backend.app.demo_stack import DemoStack, DemoStackError
from backend.app.device_settings import FAMILIES
from backend.app.event_log import Event, EventLog
from backend.app.runtime import SwitchboardRuntime
from backend.app.settings import Settings, SettingsError, load, with_changes
from backend.garbage_collection import tune_for_latency

log = logging.getLogger(__name__)


def with_demo_floor(settings: Settings, stack: DemoStack) -> Settings:
    """The settings pointed at the demo stack's hub (never starting a hub of our own) and at
    its simulated devices instead of the configured ones. Never saved: the file keeps the
    operator's own hub and devices."""
    assert stack.endpoints is not None, "the demo stack is ready"
    ends = stack.endpoints
    bus = dataclasses.replace(settings.bus, host=ends.host, pub_port=ends.pub_port, sub_port=ends.sub_port, start_hub=False)
    devices = {family: stack.devices.get(family, []) for family in FAMILIES}
    return dataclasses.replace(with_changes(settings, **devices), bus=bus)


def _print_event(events: list[Event]) -> None:
    for event in events:
        print(f"{event.timestamp} {event.level.value:<7} {event.source}: {event.text}", file=sys.stderr, flush=True)


async def serve(stop: asyncio.Event, config: Path, demo: bool) -> int:
    try:
        settings = load(config)
    except SettingsError as error:
        print(f"switchboard serve: cannot use {config}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    stack = DemoStack() if demo else None
    if stack is not None:
        try:
            await stack.start()
        except DemoStackError as error:
            log.error("%s", error)
            return 1
        settings = with_demo_floor(settings, stack)
    events = EventLog()
    events.added.connect(_print_event)
    runtime = SwitchboardRuntime(settings, events, AuditLog(locations.audit_log_file()), with_monitor=False)
    try:
        await runtime.start()
        tune_for_latency()
        assert runtime.service is not None
        print(f"Switchboard serving as {runtime.service.name} on the hub at {settings.bus.endpoints}. Ctrl+C stops it.", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await runtime.stop()
        if stack is not None:
            await stack.stop()
    return 0


def main(config: Path | None, demo: bool = False, verbose: bool = False) -> int:
    headless.configure_logging(verbose)
    install_file_log()
    path = config or locations.settings_file()
    return headless.run(lambda stop: serve(stop, path, demo))
