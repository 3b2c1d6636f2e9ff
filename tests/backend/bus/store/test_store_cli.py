"""`switchboard-sim store` (run as `python -m backend.sim store`): a real child process on a test hub."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallTimeout
from tests.backend.bus.store.store_floor import ROOT, StoreProcess, Tool
from tests.backend.wire_peers import WirePeer, topic
from tests.helpers import wait_until


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_the_store_command_serves_a_fresh_file_with_the_default_show_and_stops_cleanly_on_a_signal(
    hub: HubEndpoints, tmp_path: Path, sig: signal.Signals
) -> None:
    database = tmp_path / "shows" / "store.sqlite"
    store = StoreProcess(hub, database, tmp_path / "store.log", identify_period=0.3).start()
    try:
        async with Tool(hub) as tool:  # returns once the Store answers
            assert await tool.get("Store", "Shows") == ["Default"]
            assert await tool.get("Store", "CurrentShow") == "Default"
            await tool.reach("StoreFaults")  # offered unless --no-fault-control
        assert store.stop(sig) == 0, store.output()
    finally:
        store.ensure_gone()

    assert database.exists()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT name FROM shows").fetchall() == [("Default",)]


async def test_the_identify_period_option_sets_the_heartbeat(hub: HubEndpoints, tmp_path: Path) -> None:
    store = StoreProcess(hub, tmp_path / "store.sqlite", tmp_path / "store.log", identify_period=0.25).start()
    try:
        async with WirePeer(hub.publish_to, hub.subscribe_to, "LAB9-Ear", ['{"Type":"Identify"']) as ear:
            first = await ear.expect(topic(Type="Identify"), timeout=20.0, what="the first Identify")
            await wait_until(lambda: len(ear.matching(topic(Type="Identify"))) >= 6, what="five more")
            beats = [w.at for w in ear.matching(topic(Type="Identify"))]
        assert store.stop() == 0, store.output()
    finally:
        store.ensure_gone()

    gaps = [later - earlier for earlier, later in zip(beats, beats[1:])]
    assert all(0.15 < gap < 0.6 for gap in gaps), gaps
    assert first.raw_topic == b'{"Type":"Identify","Target":"BROADCAST","RespondTo":"Store"}'


async def test_without_db_the_store_keeps_its_file_in_the_data_folder_and_no_fault_control_hides_store_faults(
    hub: HubEndpoints, tmp_path: Path
) -> None:
    store = StoreProcess(hub, tmp_path / "unused.sqlite", tmp_path / "store.log", "--no-fault-control")
    store.command = [part for part in store.command if part not in ("--db", str(tmp_path / "unused.sqlite"))]
    store.start()
    try:
        async with Tool(hub) as tool:
            await tool.store("CreateShow", ShowName="Kept")
            with pytest.raises(CallTimeout):
                await tool.call("StoreFaults", "GetFaults", timeout=0.5)  # bounded: proves nobody answers
        assert store.stop() == 0, store.output()
    finally:
        store.ensure_gone()

    data = tmp_path / "data" / "store.sqlite"  # SWITCHBOARD_DATA_DIR of this test (tests/conftest.py)
    with sqlite3.connect(data) as connection:
        assert connection.execute("SELECT name FROM shows ORDER BY rowid").fetchall() == [("Default",), ("Kept",)]
    assert not (tmp_path / "unused.sqlite").exists()


def test_the_store_command_describes_its_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.sim", "store", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )

    assert result.returncode == 0, result.stderr
    for option in ("--db", "--host", "--pub-port", "--sub-port", "--identify-period", "--synchronous", "--no-fault-control"):
        assert option in result.stdout
