"""The Store with a 10,000-key State: persisted Updates per second, and Get latency.

Set-up: a real `Hub` (XSUB/XPUB forwarder on a thread of this process, free ports) and the
Store as a **child process**, `python -m backend.sim store --db <temporary file>` (SQLite,
WAL, `synchronous=NORMAL` unless `--synchronous FULL`), as an operator runs it. The clients
are real `BusService`s on one asyncio loop in this process:

- `BENCH1-Big`, a stateful service whose State has `--keys` leaves (10,000 by default:
  100 groups x 50 items x {Value, Name}). It comes online (Startup → Reset → Update of its
  whole State, which the Store stores as one row per leaf).
- `BENCH1-Tool`, a client that makes the Gets and Calls and times them.

Figures:

1. **Persisted Updates per second.** The big service publishes `--updates` single-key
   Updates (`State.GroupG.ItemI.Value`, distinct values) as fast as it can. The clock runs
   from the first send until the Store answers `GetStoredState` of the *last* key with the
   last value. The Store answers a read only once every write queued before it is committed,
   so that answer means every Update of the round is on disk (one transaction each). Median
   over `--rounds`. Also printed: the rate the writer sent at, and the CPU the Store process used.
2. **Whole-State writes**: an Update of the big service's whole `State`, and a Set of the
   Store's own `State` to a 10,000-key object, each timed until the Store has it on disk
   (the Set: until its confirming Update, which the Store sends after the commit).
3. **Get latency** (sequential, after warm-up, nothing else on the bus; round trip as a
   `BusService` client sees it, decoding included):
   - Get of `CurrentShow` (the baseline: a tiny value);
   - Get of the Store's own `State` when it holds 10,000 keys, and of one path in it;
   - Call `GetStoredState` of the big service: its whole State, and one path.

The issue gives no numeric target: the figures are for the record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common

BIG = "BENCH1-Big"
TOOL = "BENCH1-Tool"


def big_state(keys: int, salt: int = 0) -> dict[str, Any]:
    """`keys` leaves: groups of 50 items, each item {Value, Name}."""
    items_per_group = 50
    groups = max(1, keys // (2 * items_per_group))
    return {
        f"Group{g:03d}": {
            f"Item{i:02d}": {"Value": g * 1000 + i + salt, "Name": f"Input {g}.{i}"} for i in range(items_per_group)
        }
        for g in range(groups)
    }


def leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(leaves(child) for child in value.values())
    return 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc (NaN where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(samples: list[float]) -> str:
    ms = [s * 1e3 for s in samples]
    return (
        f"median {_common.median(ms):8.2f} ms   p99 {_common.percentile(ms, 99):8.2f} ms   "
        f"p90 {_common.percentile(ms, 90):7.2f}   min {min(ms):7.2f}   max {max(ms):8.2f}   (n={len(ms)})"
    )


class StoreBench:
    def __init__(self, args: argparse.Namespace, database: Path) -> None:
        self.args = args
        self.database = database
        self.hub = None
        self.store: subprocess.Popen[bytes] | None = None
        self.big = None
        self.tool = None
        self.log = database.with_suffix(".log")

    async def start(self) -> None:
        from backend.bus.endpoints import HubEndpoints
        from backend.bus.hub import Hub
        from backend.bus.service import BusService

        self.hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
        endpoints = self.hub.start()
        command = [
            sys.executable, "-m", "backend.sim", "store",
            "--db", str(self.database),
            "--pub-port", str(endpoints.pub_port),
            "--sub-port", str(endpoints.sub_port),
            "--synchronous", self.args.synchronous,
            "--no-fault-control",
        ]  # fmt: skip
        print(f"store process: {' '.join(command[1:])}")
        with self.log.open("wb") as output:
            self.store = subprocess.Popen(command, cwd=_common.ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        self.tool = BusService(TOOL, "Tool", endpoints, stateful=False, announce=False)
        await self.tool.start()
        await self._reach_store()
        self.big = BusService(BIG, "Big", endpoints, default_state=big_state(self.args.keys), identify_wait=0.1, startup_retry=1.0)
        await self.big.start()
        from backend.bus.service import StoreLink

        deadline = time.monotonic() + 30
        while self.big.store_link != StoreLink.ANSWERED:
            if time.monotonic() > deadline:
                raise RuntimeError("the Store never answered the big service's Startup")
            await asyncio.sleep(0.05)
        await self.until_stored(f"State.{self.last_group()}.Item49.Value", self.big.state[self.last_group()]["Item49"]["Value"])

    async def _reach_store(self) -> None:
        from backend.bus.errors import CallTimeout

        deadline = time.monotonic() + 30
        while True:
            try:
                await self.tool.call("Store", "ListMethods", timeout=0.3)
                return
            except CallTimeout:
                if self.store.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Store did not come up:\n{self.log.read_text()}") from None

    def last_group(self) -> str:
        return sorted(self.big.state)[-1]

    async def until_stored(self, path: str, value: Any, timeout: float = 120.0) -> None:
        """Ask GetStoredState of `path` until it answers `value` (answers come only after the commit)."""
        from backend.bus.errors import CallFailed

        deadline = time.monotonic() + timeout
        while True:
            try:
                got = await self.tool.call("Store", "GetStoredState", {"Service": BIG, "Path": path}, timeout=timeout)
            except CallFailed:
                got = None
            if got == value:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} never reached {value!r} (last {got!r})")

    async def persisted_updates(self, count: int, round_index: int) -> tuple[float, float, float]:
        """(persisted Updates/s, send rate/s, Store CPU cores) for `count` single-key Updates."""
        groups = sorted(self.big.state)
        paths = [f"State.{groups[(k // 50) % len(groups)]}.Item{k % 50:02d}.Value" for k in range(count)]
        base = (round_index + 1) * 10_000_000
        cpu0 = cpu_seconds(self.store.pid)
        start = time.perf_counter()
        update = self.big.update_state
        for k, path in enumerate(paths):
            update(path, base + k)
            if k % 1000 == 999:
                await asyncio.sleep(0)  # let the socket reader run; the hub and Store do the rest
        sent = time.perf_counter() - start
        await self.until_stored(paths[-1], base + count - 1)
        elapsed = time.perf_counter() - start
        cores = (cpu_seconds(self.store.pid) - cpu0) / elapsed
        return count / elapsed, count / sent, cores

    async def whole_state_update(self, salt: int) -> float:
        state = big_state(self.args.keys, salt)
        last = self.last_group()
        start = time.perf_counter()
        self.big.update_state("State", state)
        await self.until_stored(f"State.{last}.Item49.Value", state[last]["Item49"]["Value"])
        return time.perf_counter() - start

    async def set_store_state(self, salt: int) -> float:
        state = big_state(self.args.keys, salt)
        start = time.perf_counter()
        outcome = await self.tool.set("Store", "State", state, confirm_timeout=60)
        elapsed = time.perf_counter() - start
        if not outcome.accepted:
            raise RuntimeError("the Store did not take the 10,000-key State")
        return elapsed

    async def get_latency(self, what: str, count: int) -> list[float]:
        tool = self.tool
        last = self.last_group()
        actions = {
            "Get CurrentShow": lambda: tool.get("Store", "CurrentShow"),
            "Get State (Store, whole)": lambda: tool.get("Store", "State", timeout=30),
            "Get State.<one path> (Store)": lambda: tool.get("Store", f"State.{last}.Item49.Value"),
            "GetStoredState whole": lambda: tool.call("Store", "GetStoredState", {"Service": BIG}, timeout=30),
            "GetStoredState one path": lambda: tool.call("Store", "GetStoredState", {"Service": BIG, "Path": f"State.{last}.Item49.Value"}),
        }
        action = actions[what]
        for _ in range(self.args.warmup):
            await action()
        clock = time.perf_counter
        samples = []
        for _ in range(count):
            start = clock()
            await action()
            samples.append(clock() - start)
        return samples

    async def stop(self) -> None:
        for service in (self.big, self.tool):
            if service is not None:
                await service.stop()
        if self.store is not None and self.store.poll() is None:
            self.store.send_signal(signal.SIGTERM)
            try:
                self.store.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.store.kill()
                self.store.wait()
        if self.hub is not None:
            self.hub.stop()


async def run(args: argparse.Namespace, database: Path) -> None:
    bench = StoreBench(args, database)
    try:
        started = time.perf_counter()
        await bench.start()
        print(f"ready in {time.perf_counter() - started:.1f} s: {BIG} online with a {leaves(bench.big.state):,}-leaf State, stored\n")

        print(f"persisted Updates: {args.updates:,} single-key Updates per round, {args.rounds} rounds")
        rates = []
        for index in range(args.rounds):
            rate, send_rate, cores = await bench.persisted_updates(args.updates, index)
            rates.append(rate)
            print(f"  round {index + 1}: {rate:8,.0f} persisted Updates/s (writer sent at {send_rate:,.0f}/s; Store process {cores:.2f} cores)")
        print(f"  median {_common.median(rates):,.0f} persisted Updates/s\n")

        whole = [await bench.whole_state_update(salt) for salt in range(1, args.whole_rounds + 1)]
        own = [await bench.set_store_state(salt) for salt in range(1, args.whole_rounds + 1)]
        print(f"whole {args.keys:,}-key State, Update from {BIG} until stored:          {_ms(whole)}")
        print(f"whole {args.keys:,}-key State, Set of the Store's State until confirmed: {_ms(own)}\n")

        print(f"Get latency ({args.warmup} warm-up, sequential; whole States of {args.keys:,} keys):")
        results: dict[str, list[float]] = {}
        for what, count in (
            ("Get CurrentShow", args.gets),
            ("Get State.<one path> (Store)", args.gets),
            ("Get State (Store, whole)", args.big_gets),
            ("GetStoredState one path", args.gets),
            ("GetStoredState whole", args.big_gets),
        ):
            results[what] = await bench.get_latency(what, count)
            print(f"  {what:<34} {_ms(results[what])}")
        size = len(json.dumps(bench.big.state, separators=(",", ":")))
        print(f"  (a {args.keys:,}-key State is {size / 1024:,.0f} KiB of compact JSON)")
        print(f"\nStore database after the run: {database.stat().st_size / 1e6:.1f} MB (+ WAL {_wal_size(database) / 1e6:.1f} MB)")

        def med(what: str) -> str:
            return f"{_common.median(results[what]) * 1e3:.2f}/{_common.percentile(results[what], 99) * 1e3:.2f} ms"

        _common.summary(
            f"store [{args.synchronous}, {args.keys:,} keys]: {_common.median(rates):,.0f} persisted Updates/s; "
            f"Get median/p99: CurrentShow {med('Get CurrentShow')}, the Store's whole State {med('Get State (Store, whole)')}, "
            f"GetStoredState whole {med('GetStoredState whole')}, one path {med('GetStoredState one path')}"
        )
    finally:
        await bench.stop()


def _wal_size(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=10_000, help="leaves in the big service's State and the Store's own")
    parser.add_argument("--updates", type=int, default=20_000, help="single-key Updates per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--whole-rounds", type=int, default=5, help="whole-State writes of each kind")
    parser.add_argument("--gets", type=int, default=1000, help="samples of each small Get")
    parser.add_argument("--big-gets", type=int, default=100, help="samples of each Get of a whole State")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--synchronous", choices=("NORMAL", "FULL"), default="NORMAL")
    parser.add_argument("--db", type=Path, help="the Store's database (default: a new temporary file)")
    args = parser.parse_args()

    _common.header(
        "Store: persisted Updates per second and Get latency with a 10,000-key State",
        "none numeric (issue): the figures, for the record",
    )
    meter = _common.CpuMeter()
    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        database = args.db or Path(folder) / "store.sqlite"
        with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
            runner.run(run(args, database))
    print(f"during the run: {meter.line()}")


if __name__ == "__main__":
    main()
