"""What the Store holds is what a restarted Store finds in its file, even when show Calls land
in the middle of a stream of Updates (each change in memory goes with the write it queues)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from backend.bus.endpoints import HubEndpoints
from backend.bus.service import BusService
from tests.backend.bus.store.store_floor import FAST, Floor, online, store_floor
from tests.helpers import wait_until

WRITER = "LAB1-Writer"
KEYS = 3_000


async def stream_of_new_keys(writer: BusService, started: asyncio.Event) -> None:
    """One new key per Update, so a value written to the wrong place is never overwritten later."""
    for index in range(KEYS):
        writer.update_state(f"State.Keys.K{index}", index)
        if index == KEYS // 10:
            started.set()
        if index % 10 == 0:
            await asyncio.sleep(0.002)  # pacing: a few thousand Updates a second, with the Calls among them


async def served(floor: Floor, show: str) -> dict:
    return await floor.tool.store("GetStoredState", Service=WRITER, ShowName=show)


async def served_while_running_and_after_restart(hub: HubEndpoints, database: Path, method: str, params: dict, show: str) -> tuple[dict, dict, dict]:
    """(the writer's final State, the writer's State in `show` as the running Store served it, as a restarted one does).

    `method(params)` is called once the stream of Updates is under way.
    """
    writer = BusService(WRITER, "Writer", hub, default_state={"Keys": {}}, **FAST)
    async with store_floor(hub, database, fault_control=False) as floor, writer:
        await online(writer)
        started = asyncio.Event()
        stream = asyncio.create_task(stream_of_new_keys(writer, started))
        try:
            await started.wait()
            await floor.tool.store(method, **params)
            await stream
        finally:
            stream.cancel()
        final = writer.state
        current = floor.store.current_show
        last_key = f"State.Keys.K{KEYS - 1}"
        await wait_until(lambda: floor.store.shows[current].get(WRITER, {}).get("Keys", {}).get(f"K{KEYS - 1}") is not None, what=last_key)
        before = await served(floor, show)
    async with store_floor(hub, database, fault_control=False) as again:
        after = await served(again, show)
    return final, before, after


async def test_updates_that_arrive_while_the_current_show_is_renamed_are_kept_under_its_new_name(hub: HubEndpoints, tmp_path: Path) -> None:
    final, before, after = await served_while_running_and_after_restart(
        hub, tmp_path / "store.sqlite", "RenameShow", {"ShowName": "Default", "NewShowName": "Main"}, "Main"
    )

    missing = sorted(set(before["Keys"]) - set(after["Keys"]), key=lambda key: int(key[1:]))
    assert missing == [], f"{len(missing)} keys served before the restart were gone after it: {missing[:10]}"
    assert before == after == final


async def test_a_show_copied_from_the_current_one_mid_stream_is_the_same_copy_after_a_restart(hub: HubEndpoints, tmp_path: Path) -> None:
    final, before, after = await served_while_running_and_after_restart(
        hub, tmp_path / "store.sqlite", "CreateShowWithTemplate", {"ShowName": "Copy", "Template": "Default"}, "Copy"
    )

    assert 0 < len(before["Keys"]) < len(final["Keys"]), "the copy was taken mid-stream"
    assert sorted(int(key[1:]) for key in before["Keys"]) == list(range(len(before["Keys"]))), "a copy of a prefix of the stream"
    assert after == before, "the copy a restarted Store finds is not the copy it served"
