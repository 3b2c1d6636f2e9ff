"""`switchboard serve`: Switchboard on the bus without a window, as a real child process."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub
from backend.bus.hub_probe import hub_answers
from tests.backend.app.serve_process import ROOT, kill, start_serve, stop_serve, write_settings
from tests.backend.wire_peers import WirePeer, free_port_pair
from tests.helpers import wait_until

ME = "VENDOR7-Probe"


async def self_of(hub: HubEndpoints, timeout: float = 30.0) -> dict:
    """Identify on the hub (plain pyzmq) until a Switchboard answers with Self; its topic."""
    async with WirePeer(hub.publish_to, hub.subscribe_to, ME, [f'{{"Type":"Self","Target":"{ME}"']) as peer:
        answer = await peer.ask(
            lambda: peer.send({"Type": "Identify", "Target": "BROADCAST", "RespondTo": ME}),
            lambda w: w.type == "Self" and w.body.get("Role") == "Switchboard",
            timeout=timeout,
            every=0.2,
            what="Self",
        )
        return answer.topic


def test_serve_refuses_a_settings_file_it_cannot_use_and_says_why(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[bus]\npub_port = 70000\nmachine_name = "no spaces allowed"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "gui.launcher", "serve", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert f"cannot use {config}" in result.stderr
    assert "bus.pub_port must be a whole number from 1 to 65535, not 70000" in result.stderr
    assert "bus.machine_name 'no spaces allowed' may hold only" in result.stderr


async def test_serve_starts_its_own_hub_when_none_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    ports = HubEndpoints("127.0.0.1", *free_port_pair())
    assert not await hub_answers(ports)
    config = write_settings(tmp_path / "settings.toml", ports, "SERVE1", start_hub=True)
    process, log = start_serve(tmp_path, "--config", str(config))
    try:
        assert (await self_of(ports))["Source"] == "SERVE1-Switchboard"
        assert "Started a hub inside Switchboard" in log.read_text("utf-8")
        assert stop_serve(process, log, signal.SIGINT) == 0, log.read_text()
        assert not await hub_answers(ports), "the embedded hub outlived serve"
    finally:
        kill(process)


async def test_serve_with_start_hub_off_waits_for_a_hub_and_joins_it_when_it_appears(tmp_path: Path) -> None:
    ports = HubEndpoints("127.0.0.1", *free_port_pair())
    config = write_settings(tmp_path / "settings.toml", ports, "SERVE2", start_hub=False)
    process, log = start_serve(tmp_path, "--config", str(config))
    late_hub = Hub(ports)
    try:
        await wait_until(lambda: "start_hub is off" in log.read_text("utf-8"), timeout=20.0, what="serve waiting for a hub")
        assert not await hub_answers(ports), "serve started a hub although start_hub is off"
        late_hub.start()
        assert (await self_of(ports))["Source"] == "SERVE2-Switchboard"
        assert stop_serve(process, log) == 0, log.read_text()
    finally:
        kill(process)
        late_hub.stop()


async def test_serve_demo_runs_the_demo_floor_and_takes_it_down_when_it_stops(tmp_path: Path) -> None:
    config = write_settings(tmp_path / "settings.toml", HubEndpoints("127.0.0.1", *free_port_pair()), "SERVE3")
    process, log = start_serve(tmp_path, "--config", str(config), "--demo")
    try:
        pattern = re.compile(r"serving as SERVE3-Switchboard on the hub at ([\d.]+) \(publish (\d+), subscribe (\d+)\)")
        await wait_until(lambda: pattern.search(log.read_text("utf-8")), timeout=30.0, what="serve ready on the demo hub")
        host, pub, sub = pattern.search(log.read_text("utf-8")).groups()  # type: ignore[union-attr]
        demo_hub = HubEndpoints(host, int(pub), int(sub))

        async with WirePeer(demo_hub.publish_to, demo_hub.subscribe_to, ME, [f'{{"Type":"CallResult","Target":"{ME}"']) as peer:
            reply = await peer.ask(
                lambda: peer.send(
                    {"Type": "Call", "Target": "RENDER1-Engine", "RespondTo": ME, "Method": "GetProperty", "ID": "0badf00d-1"},
                    {"Params": {"ObjectSearch": "Floor", "PropertyPath": "Material"}},
                ),
                lambda w: w.topic.get("ID") == "0badf00d-1",
                timeout=15.0,
                what="the demo Engine's answer",
            )
        assert reply.body == {"Result": "M_Concrete"}
        assert (await self_of(demo_hub))["Source"] == "SERVE3-Switchboard"

        assert stop_serve(process, log) == 0, log.read_text()
        await wait_until(lambda: "Demo stack stopped" in log.read_text("utf-8"), timeout=15.0, what="the demo stack stopped")
        assert not await hub_answers(demo_hub), "the demo floor outlived serve"
    finally:
        kill(process)
