"""`switchboard serve` as a child process, the way an operator or a service manager runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from backend.bus.endpoints import HubEndpoints

ROOT = Path(__file__).resolve().parents[3]


def write_settings(path: Path, hub: HubEndpoints, machine: str, *, start_hub: bool = False) -> Path:
    path.write_text(
        "[bus]\n"
        f'host = "{hub.connect_host}"\n'
        f"pub_port = {hub.pub_port}\n"
        f"sub_port = {hub.sub_port}\n"
        f'machine_name = "{machine}"\n'
        f"start_hub = {'true' if start_hub else 'false'}\n",
        encoding="utf-8",
    )
    return path


def start_serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`switchboard serve ARGS…` as the installed command line runs it; output to a file."""
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gui.launcher", "serve", *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    return process, log


def stop_serve(process: subprocess.Popen[bytes], log: Path, sig: int = signal.SIGTERM) -> int:
    """Ask serve to stop; it must exit by itself within a few seconds."""
    process.send_signal(sig)
    try:
        return process.wait(timeout=8)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"switchboard serve did not stop within 8 s of {signal.Signals(sig).name}:\n{log.read_text()}") from None


def kill(process: subprocess.Popen[bytes]) -> None:
    """Last resort in a finally block: never leave a child behind."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=5)
