"""The whole app as an operator starts it: `switchboard --demo`, then closed, Ctrl+C'd, or run on X.

These run the real command in a child process with its own config and data folders.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = [sys.executable, "-m", "gui.launcher"]


def app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SWITCHBOARD_CONFIG_DIR=str(tmp_path / "config"),
        SWITCHBOARD_DATA_DIR=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def processes_with(marker: str) -> list[int]:
    """Processes whose environment mentions `marker` (the demo stack inherits our folders)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for_exit(process: subprocess.Popen, timeout: float) -> int:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def assert_nothing_left_behind(tmp_path: Path) -> None:
    deadline = time.monotonic() + 5
    while processes_with(str(tmp_path / "data")) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the process table: there is no event to wait on
    assert processes_with(str(tmp_path / "data")) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_demo_opens_shows_the_bus_and_closes_without_leaving_a_process(tmp_path: Path) -> None:
    shot = tmp_path / "demo.png"
    process = subprocess.Popen(
        [*APP, "--demo", "--screenshot", str(shot), "--screenshot-delay", "2.5"],
        cwd=ROOT, env=app_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    code = wait_for_exit(process, 60)
    output = process.stdout.read() if process.stdout else ""
    assert code == 0, output
    assert "Traceback" not in output, output
    assert "Demo floor ready" in output
    assert shot.stat().st_size > 20_000
    assert (tmp_path / "config" / "settings.toml").exists(), "first run creates the settings file"
    assert (tmp_path / "config" / "window.ini").exists(), "the layout is saved at exit"
    assert_nothing_left_behind(tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals and /proc")
def test_ctrl_c_stops_the_app_and_its_demo_floor_promptly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*APP, "--demo"], cwd=ROOT, env=app_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        for line in process.stdout:
            lines.append(line)
            if "Switchboard: connected to the hub" in line or time.monotonic() > deadline:
                break
        assert any("connected to the hub" in line for line in lines), "".join(lines)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = wait_for_exit(process, 10)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    rest = process.stdout.read() if process.stdout else ""
    assert code == 0, "".join(lines) + rest
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"
    assert "Traceback" not in rest, rest
    assert_nothing_left_behind(tmp_path)


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="Xvfb is installed by `make test` (scripts/system-deps.sh)")
def test_the_app_runs_on_a_real_x_server(tmp_path: Path) -> None:
    shot = tmp_path / "xcb.png"
    env = app_env(tmp_path, QT_QPA_PLATFORM="xcb")
    env.pop("DISPLAY", None)
    process = subprocess.Popen(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *APP, "--demo", "--theme", "dark", "--screenshot", str(shot), "--screenshot-delay", "2.5"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    code = wait_for_exit(process, 90)
    output = process.stdout.read() if process.stdout else ""
    assert code == 0, output
    assert "Traceback" not in output, output
    assert "could not load the Qt platform plugin" not in output.lower()
    assert shot.stat().st_size > 20_000
