"""A bus with the real Store on it, for the Store's tests: hub, Store, services, a tool and a probe.

- The Store is the real `StoreService` on a real SQLite file, started with `running_store`
  (with its `StoreFaults` control service unless `fault_control=False`), Identify every 0.2 s.
- `StoreProcess` runs it as a child process instead (`python -m backend.sim store`).
- Services are real `BusService`s with fast start-up options.
- `Tool` makes Calls and Gets the way the bus command line does (no heartbeat answers).
- The probe is a plain-pyzmq `WirePeer` that sees what the Store sends, byte for byte.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallFailed, CallTimeout
from backend.bus.service import BusService, StoreLink
from backend.bus.store.state_rows import assemble
from backend.bus.store.store_process import running_store
from backend.bus.store.store_service import StoreService
from tests.backend.wire_peers import Wire, WirePeer
from tests.helpers import wait_until

PERIOD = 0.2
"""The Store's Identify period in these tests (2 s in production)."""
FAST = {"identify_wait": 0.05, "startup_retry": 0.3, "startup_attempts": 10}
PROBE = "LAB9-Probe"
PROBE_PREFIXES = (
    '{"Type":"Update","Target":"BROADCAST","Source":"Store"',
    f'{{"Type":"Update","Target":"{PROBE}"',
    '{"Type":"Log"',
    '{"Type":"Set"',
    '{"Type":"Reset"',
    '{"Type":"Startup"',
    '{"Type":"Identify"',
)


def service(hub: HubEndpoints, name: str, defaults: dict[str, Any] | None = None, **options: Any) -> BusService:
    """A stateful service as every Pixotope-style service is: Startup, then Set or Reset from the Store."""
    role = name.rsplit("-", 1)[-1]
    return BusService(name, role, hub, default_state=defaults or {"Mode": "Idle", "Gain": {"Left": 1, "Right": 1}}, **{**FAST, **options})


async def online(*services: BusService, timeout: float = 5.0) -> None:
    for each in services:
        await wait_until(lambda: each.store_link == StoreLink.ANSWERED, timeout=timeout, what=f"{each.name} answered by the Store")


class Tool(BusService):
    """A short-lived client (like `switchboard-bus`): Calls and Gets, no heartbeat."""

    def __init__(self, hub: HubEndpoints, name: str = "LAB9-Tool") -> None:
        super().__init__(name, "Tool", hub, stateful=False, announce=False)

    async def start(self) -> None:
        await super().start()
        await self.reach("Store")

    async def reach(self, target: str, timeout: float = 10.0) -> None:
        """ListMethods until `target` answers: both ends' subscriptions are then in the hub (§9)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.call(target, "ListMethods", timeout=0.1)
                return
            except CallTimeout:
                if time.monotonic() > deadline:
                    raise

    async def store(self, method: str, **params: Any) -> Any:
        return await self.call("Store", method, params)

    async def refused(self, method: str, **params: Any) -> str:
        """The Failure text the Store answers `method` with (the test fails if it succeeds)."""
        try:
            result = await self.call("Store", method, params)
        except CallFailed as failure:
            return str(failure.failure)
        raise AssertionError(f"Store accepted {method}({params}) with {result!r}")


@dataclass
class Floor:
    hub: HubEndpoints
    database: Path
    store: StoreService
    tool: Tool
    probe: WirePeer

    def from_store(self, name: str, since: int = 0) -> list[Wire]:
        """Updates the Store broadcast of `name`, in order."""
        return self.probe.matching(lambda w: w.is_(Type="Update", Target="BROADCAST", Source="Store", Name=name), since)

    async def store_update(self, name: str, since: int, timeout: float = 5.0) -> Wire:
        return await self.probe.expect(
            lambda w: w.is_(Type="Update", Target="BROADCAST", Source="Store", Name=name), since=since, timeout=timeout, what=f"Update of {name}"
        )

    async def answer_to(self, target: str, since: int, timeout: float = 5.0) -> Wire:
        """The Store's answer to a service's Startup (or a ChangeShow): a Set of State or a Reset."""
        return await self.probe.expect(
            lambda w: w.topic.get("Target") == target and (w.is_(Type="Set", Name="State") or w.type == "Reset"),
            since=since,
            timeout=timeout,
            what=f"Set or Reset for {target}",
        )

    def get(self, name: str) -> None:
        self.probe.send({"Type": "Get", "Target": "Store", "Name": name, "RespondTo": PROBE})

    async def get_wire(self, name: str) -> Wire:
        """A Get from the probe and the Store's answer, as it came off the wire."""
        return await self.probe.ask(
            lambda: self.get(name), lambda w: w.is_(Type="Update", Target=PROBE, Source="Store", Name=name), what=f"answer to Get {name}"
        )


@contextlib.asynccontextmanager
async def store_floor(hub: HubEndpoints, database: Path, **options: Any) -> AsyncIterator[Floor]:
    """Hub → probe → Store (+ StoreFaults) → tool, stopped in reverse order."""
    async with WirePeer(hub.publish_to, hub.subscribe_to, PROBE, PROBE_PREFIXES) as probe:
        async with running_store(hub, database, identify_period=options.pop("identify_period", PERIOD), **options) as store:
            tool = Tool(hub)
            try:
                await tool.start()
                yield Floor(hub, database, store, tool, probe)
            finally:
                await tool.stop()


def stored_on_disk(database: Path, show: str, service: str) -> Any:
    """A service's State as the file holds it (read with a separate connection: what a restart would see)."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT path, value FROM state_rows WHERE show = ? AND service = ?", (show, service)).fetchall()
    return assemble(rows) if rows else None


def shows_on_disk(database: Path) -> tuple[list[str], str]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM shows ORDER BY rowid")]
        current = connection.execute("SELECT value FROM meta WHERE key = 'current_show'").fetchone()[0]
    return names, current


# ---------------------------------------------------------------------- the Store as a child process

ROOT = Path(__file__).resolve().parents[4]


class StoreProcess:
    """`python -m backend.sim store …` as a real child process, its output in a log file."""

    def __init__(self, hub: HubEndpoints, database: Path, log: Path, *extra: str, identify_period: float = 0.5) -> None:
        self.command = [
            sys.executable, "-m", "backend.sim", "store",
            "--db", str(database),
            "--host", hub.connect_host,
            "--pub-port", str(hub.pub_port),
            "--sub-port", str(hub.sub_port),
            "--identify-period", str(identify_period),
            *extra,
        ]  # fmt: skip
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> StoreProcess:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace") if self.log.exists() else ""

    def send_kill(self) -> None:
        """SIGKILL now, without waiting: no clean-up of any kind, as a crash of the process."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)

    def kill_hard(self) -> int:
        """SIGKILL (if not sent yet) and the exit status once the process is gone."""
        self.send_kill()
        assert self.process is not None
        return self.process.wait(timeout=10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Ask the Store to stop; it must exit by itself."""
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the Store did not stop within {timeout} s of {signal.Signals(sig).name}:\n{self.output()}") from None

    def ensure_gone(self) -> None:
        """Last resort in a finally block: never leave a child behind."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
