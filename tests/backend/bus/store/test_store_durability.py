"""Whatever the Store has answered with survives `kill -9` of the Store (bus.md §10.2).

The Store runs as a real child process (`python -m backend.sim store`) on a hub in this
process. A writer service bursts distinct `State.Seq.kN` Updates whose values only ever
grow, while a reader keeps asking the Store for the writer's stored State (whole, and one
key at a time) and records every value that comes back. The Store is killed with SIGKILL
at a random point of the burst and started again on the same file; for every key, the
value it now holds must be at least the largest value it ever answered with. A smaller
one would be an answered value that was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import BusError
from backend.bus.service import BusService
from tests.backend.bus.store.store_floor import FAST, StoreProcess, Tool, online
from tests.helpers import wait_until

WRITER = "LAB1-Writer"
KEYS = 16
BURST = 30_000
RATE = 4_000
"""Updates per second: faster than the Store stores them (about 3,000/s, 1,600/s with FULL, on a
2-core VM), so values received but not yet committed pile up, as under real load."""
LEAD = 2_000
"""How far the writer may run ahead of the values answered so far: a backlog of uncommitted
writes at every moment, yet answers keep coming however slow the machine, and the kill
always comes long before the burst's end."""
READERS = 4


class Recorder:
    """Every value the Store answered with, per key: the largest is what must survive.

    The answer that first carries a value of `kill_after` or more kills the Store at once,
    in the same step: the moment a lost answered value would be most likely.
    """

    def __init__(self, kill_after: int, kill: Callable[[], None]) -> None:
        self.largest: dict[str, int] = defaultdict(int)
        self.answers = 0
        self.whole_answers = 0
        self.sent = 0
        """The last value the writer has sent."""
        self.sent_at_kill: int | None = None
        self.advanced = asyncio.Event()
        self.kill_after = kill_after
        self._kill = kill

    def seen(self, key: str, value: int) -> None:
        if value > self.largest[key]:
            self.largest[key] = value
            self.advanced.set()
        if value >= self.kill_after and self.sent_at_kill is None:
            self._kill()
            self.sent_at_kill = self.sent

    @property
    def highest(self) -> int:
        return max(self.largest.values(), default=0)


async def read_forever(tool: Tool, recorder: Recorder, rng: random.Random) -> None:
    """Ask for the whole State or one key, alternately, and record what comes back."""
    while True:
        key = f"k{rng.randrange(KEYS)}"
        whole = rng.random() < 0.5
        path = "State" if whole else f"State.Seq.{key}"
        try:
            value = await tool.call("Store", "GetStoredState", {"Service": WRITER, "Path": path}, timeout=10.0)
        except BusError:
            continue  # not stored yet, or the Store is gone: nothing was answered
        recorder.answers += 1
        if whole:
            recorder.whole_answers += 1
            for name, number in value.get("Seq", {}).items():
                recorder.seen(name, number)
        else:
            recorder.seen(key, value)


async def burst(writer: BusService, recorder: Recorder) -> None:
    """Values 1…BURST at RATE per second, key k(v mod KEYS): each key's values only grow."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for value in range(1, BURST + 1):
        writer.update_state(f"State.Seq.k{value % KEYS}", value)
        recorder.sent = value
        if value % 40 == 0:
            await asyncio.sleep(max(0.0, started + value / RATE - loop.time()))  # pacing; the readers run meanwhile
            while recorder.sent - recorder.highest > LEAD:
                recorder.advanced.clear()
                await recorder.advanced.wait()


async def stored_after_restart(hub: HubEndpoints, database: Path, log: Path, *extra: str) -> dict[str, int]:
    store = StoreProcess(hub, database, log, *extra).start()
    try:
        async with Tool(hub, "LAB9-Checker") as checker:  # reaches the Store before returning
            state = await checker.call("Store", "GetStoredState", {"Service": WRITER})
        assert store.stop() == 0, store.output()
        return state["Seq"]
    finally:
        store.ensure_gone()


@pytest.mark.parametrize(
    ("seed", "kill_range", "synchronous"),
    [(1, (200, 800), "NORMAL"), (2, (2_000, 4_000), "NORMAL"), (3, (500, 2_500), "FULL")],
    ids=["early-kill", "late-kill", "full-synchronous"],
)
async def test_every_value_the_store_answered_with_survives_a_kill_9_in_the_middle_of_a_burst_of_writes(
    hub: HubEndpoints, tmp_path: Path, seed: int, kill_range: tuple[int, int], synchronous: str
) -> None:
    rng = random.Random(seed)
    kill_after = rng.randint(*kill_range)
    """The Store dies once it has answered with a value at least this high: a random point of the burst."""
    database = tmp_path / "store.sqlite"
    log = tmp_path / "store.log"
    store = StoreProcess(hub, database, log, "--synchronous", synchronous).start()
    writer = BusService(WRITER, "Writer", hub, default_state={"Seq": {}}, **FAST)
    reader = Tool(hub, "LAB2-Reader")
    recorder = Recorder(kill_after, store.send_kill)
    tasks: list[asyncio.Task[None]] = []
    try:
        await reader.start()  # waits until the Store answers
        await writer.start()
        await online(writer)
        await wait_until(lambda: writer.state == {"Seq": {}}, what="the writer on its (reset) State")

        tasks = [asyncio.create_task(read_forever(reader, recorder, random.Random(seed * 100 + i))) for i in range(READERS)]
        tasks.append(asyncio.create_task(burst(writer, recorder)))
        await wait_until(lambda: recorder.sent_at_kill is not None, timeout=30.0, what=f"the Store answering with a value ≥ {kill_after}")
        killed_with = store.kill_hard()  # already sent; this waits for the process to be gone
        sent_before_kill = recorder.sent_at_kill
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await reader.stop()
        await writer.stop()
        store.ensure_gone()

    stored = await stored_after_restart(hub, database, log, "--synchronous", synchronous)

    assert killed_with == -signal.SIGKILL
    assert recorder.whole_answers > 0 and recorder.answers > recorder.whole_answers, "both kinds of read were answered"
    lost = {key: (answered, stored.get(key)) for key, answered in recorder.largest.items() if stored.get(key, 0) < answered}
    assert lost == {}, f"answered values lost by the kill (key: (answered, stored)): {lost}"
    assert sent_before_kill < BURST, "the kill came after the burst: it tested nothing"
