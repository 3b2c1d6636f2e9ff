"""The demo floor as a child process: `switchboard-sim demo` on free ports.

The child binds its hub and its simulated devices to free ports and prints one line,
`SWITCHBOARD-DEMO-READY {"host":…,"pub_port":…,"sub_port":…,"devices":{"cameras":[…],…}}`,
so there is no race for ports. It exits when its standard input closes, so it never outlives Switchboard, not
even after a crash or `kill -9`. Popen plus a reader thread is used on every OS (no
asyncio subprocesses: they are unavailable on Windows' selector loop).
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

from backend.bus.endpoints import HubEndpoints
from backend.child_process import sim_command

log = logging.getLogger(__name__)

READY_PREFIX = "SWITCHBOARD-DEMO-READY "
START_TIMEOUT_S = 30.0


class DemoStackError(RuntimeError):
    pass


class DemoStack:
    """Starts, watches and stops the demo stack process."""

    def __init__(self, extra_args: Sequence[str] = ()) -> None:
        self.extra_args = list(extra_args)
        self.process: subprocess.Popen[str] | None = None
        self.endpoints: HubEndpoints | None = None
        self.devices: dict[str, list[dict[str, Any]]] = {}
        """The simulated devices' settings entries by family, as `[[cameras]]` would hold them."""

    async def start(self, timeout: float = START_TIMEOUT_S) -> HubEndpoints:
        """Start the stack and return its hub's endpoints once it is ready."""
        command = sim_command("demo", "--exit-with-stdin", *self.extra_args)
        log.info("Starting the demo floor (simulated hub and services)…", extra={"source": "Demo"})
        log.debug("Demo stack command: %s", " ".join(command))
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # A windowed build on Windows has no stderr to hand down (ENGINEERING.md §7).
            stderr=subprocess.DEVNULL if sys.stderr is None else None,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[str] = loop.create_future()
        threading.Thread(
            target=self._read_output, args=(self.process, loop, ready), name="demo-stack-output", daemon=True
        ).start()
        try:
            async with asyncio.timeout(timeout):
                line = await ready
        except TimeoutError:
            await self.stop()
            raise DemoStackError(f"The demo stack did not become ready within {timeout:g} s") from None
        ports = json.loads(line)
        self.endpoints = HubEndpoints(ports["host"], ports["pub_port"], ports["sub_port"])
        self.devices = ports.get("devices") or {}
        log.info("Demo floor ready: its hub is at %s", self.endpoints, extra={"source": "Demo"})
        return self.endpoints

    @staticmethod
    def _read_output(process: subprocess.Popen[str], loop: asyncio.AbstractEventLoop, ready: asyncio.Future[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(READY_PREFIX) and not ready.done():
                loop.call_soon_threadsafe(_resolve, ready, line[len(READY_PREFIX) :])
        code = process.wait()
        if not ready.done():
            loop.call_soon_threadsafe(_fail, ready, DemoStackError(f"The demo stack exited with code {code} before it was ready"))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def stop(self, timeout: float = 5.0) -> None:
        """Close the child's stdin (it exits on EOF), then terminate, then kill."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
        for step in (None, process.terminate, process.kill):
            if step is not None:
                step()
            try:
                await asyncio.to_thread(process.wait, timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        log.info("Demo stack stopped", extra={"source": "Demo"})


def _resolve(future: asyncio.Future[str], value: str) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[str], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
