"""Shared pieces of the benchmarks: statistics, the report header, realistic bus traffic,
and the publisher processes that feed the receivers under test.

Nothing here imports Qt, so the publisher processes (started with multiprocessing's
"spawn" method) stay light. The benchmarks only measure and print; nothing asserts.
"""

from __future__ import annotations

import os
import platform
import random
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SOURCES = (
    "Store",
    "RENDER1-Engine",
    "RENDER2-Engine",
    "STUDIO1-CTS",
    "TRACK1-Tracker",
    "TRACK2-Tracker",
    "STUDIO1-Daemon",
    "CAM1-Rig",
    "CAM2-Rig",
    "TVAC1-Chamber",
)
NAMES = ("State.Cameras.Cam{n:02d}.Tracking", "Health.Channel{n:02d}", "Event.Tally.Channel{n:02d}", "SystemInfo.Node{n:02d}")


# ---------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------------- report


def command_line(env_keys: Sequence[str] = ()) -> str:
    """The command that ran this script, as typed from the project folder."""
    exe = sys.executable
    try:
        rel = os.path.relpath(exe, os.getcwd())
        if not rel.startswith(".."):
            exe = rel
    except ValueError:
        pass
    env = [f"{key}={os.environ[key]}" for key in env_keys if key in os.environ]
    return shlex.join([*env, exe, *sys.argv])


def machine_line() -> str:
    import zmq

    parts = [
        f"{os.cpu_count()} cores",
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}",
        f"pyzmq {zmq.__version__} (libzmq {zmq.zmq_version()})",
    ]
    if "PySide6" in sys.modules:
        import PySide6

        parts.append(f"PySide6 {PySide6.__version__}")
    return ", ".join(parts)


def header(title: str, target: str, env_keys: Sequence[str] = ()) -> None:
    print(f"=== {title} ===")
    print(f"command: {command_line(env_keys)}")
    print(f"machine: {machine_line()}")
    print(f"load:    {load_line()}")
    print(f"target:  {target}")
    print(flush=True)


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _proc_stat() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, or (0, 0) where /proc is missing."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have been waited for."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class CpuMeter:
    """How busy the machine was over an interval, and how much of that was not ours.

    Other sessions on a shared machine steal cores from a benchmark; this puts a number
    on it so a bad figure can be told apart from a loaded machine.
    """

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.stat0 = _proc_stat()
        self.own0 = own_cpu_seconds()

    def report(self, extra_own_seconds: float = 0.0) -> tuple[float, float, float]:
        """(machine busy cores, our cores, other cores) averaged since creation."""
        wall = time.perf_counter() - self.wall0
        busy1, total1 = _proc_stat()
        busy0, total0 = self.stat0
        cores = os.cpu_count() or 1
        machine = (busy1 - busy0) / (total1 - total0) * cores if total1 > total0 else float("nan")
        own = (own_cpu_seconds() - self.own0 + extra_own_seconds) / wall
        return machine, own, max(0.0, machine - own)

    def line(self, extra_own_seconds: float = 0.0) -> str:
        machine, own, other = self.report(extra_own_seconds)
        return (
            f"machine busy {machine:.2f} of {os.cpu_count()} cores on average: this benchmark {own:.2f}, "
            f"other processes {other:.2f}"
        )


async def cancel_and_wait(task) -> None:
    """Cancel an asyncio task and wait until it has finished."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except BaseException:  # CancelledError, or whatever the task died of: it is over either way
        pass


def summary(line: str) -> None:
    """A line run_all.py collects into its final summary."""
    print(f"summary: {line}", flush=True)


# ---------------------------------------------------------------------- traffic


def update_pool(size: int, seed: int = 7, min_body: int = 100, max_body: int = 300) -> list[list[bytes]]:
    """`size` canonical Update-to-BROADCAST frame pairs from varied services and names.

    Encoded with Switchboard's own codec, so topics have the canonical key order. Message
    frames are 100-300 bytes (uniform) of the shapes a floor produces, in rotation:
    tracking (floats), status (strings and small ints), tally (booleans and strings) and
    system info (lists of ints). A free-text field pads each one to its drawn size.
    """
    from backend.bus.codec import encode
    from backend.bus.message import BROADCAST, update_message

    rng = random.Random(seed)
    pool: list[list[bytes]] = []
    for index in range(size):
        source = SOURCES[index % len(SOURCES)]
        kind = index % 4
        name = NAMES[kind].format(n=(index // 4) % 64)
        value = _value(kind, rng)
        target_size = rng.randint(min_body, max_body)
        frames = encode(update_message(BROADCAST, source, name, value))
        pad = max(0, target_size - len(frames[1]))
        value["Note"] = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(max(0, pad - 10)))
        pool.append(encode(update_message(BROADCAST, source, name, value)))
    return pool


def _value(kind: int, rng: random.Random) -> dict[str, object]:
    if kind == 0:
        return {
            "Position": [round(rng.uniform(-5, 5), 4) for _ in range(3)],
            "Rotation": [round(rng.uniform(-180, 180), 3) for _ in range(3)],
            "Zoom": round(rng.random(), 4),
            "Focus": round(rng.uniform(0.3, 20), 3),
            "Timecode": f"10:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 49):02d}",
        }
    if kind == 1:
        return {
            "State": rng.choice(["Running", "Idle", "Starting", "Degraded"]),
            "Load": round(rng.random(), 2),
            "Temperatures": {"GPU": rng.randint(40, 85), "CPU": rng.randint(35, 80)},
        }
    if kind == 2:
        return {
            "Camera": f"CAM{rng.randint(1, 8)}",
            "Program": rng.random() > 0.8,
            "Preview": rng.random() > 0.7,
            "Shot": rng.choice(["Wide", "Close", "Two-shot", "Crane"]),
            "Take": rng.randint(1, 40),
        }
    return {
        "CPU": [rng.randint(0, 100) for _ in range(8)],
        "RAM": rng.randint(1_000, 64_000),
        "Fps": rng.choice([25.0, 50.0, 59.94]),
        "Dropped": rng.randint(0, 3),
    }


def pool_sizes(pool: Sequence[Sequence[bytes]]) -> tuple[float, float]:
    """Mean topic and message frame sizes of a pool."""
    return (
        sum(len(frames[0]) for frames in pool) / len(pool),
        sum(len(frames[1]) for frames in pool) / len(pool),
    )


# ---------------------------------------------------------------------- publisher processes


def blast_publisher(conn, pool_size: int) -> None:
    """Stands in for a hub's subscribe side: XPUB bound on a free port, HWM 0.

    Commands over `conn`:
    - ("round", n, prefix): wait until a subscriber subscribes to `prefix`, send n
      messages from the pool as fast as possible, answer ("sent", seconds).
    - ("stop",)
    An XSUB is bound too, so a service's PUB socket has a hub to connect to.
    """
    import zmq

    pool = update_pool(pool_size)
    ctx = zmq.Context()
    xpub = ctx.socket(zmq.XPUB)
    xpub.setsockopt(zmq.SNDHWM, 0)
    xpub.setsockopt(zmq.RCVHWM, 0)
    xpub.setsockopt(zmq.XPUB_VERBOSE, 1)
    xpub.setsockopt(zmq.LINGER, 0)
    sub_port = xpub.bind_to_random_port("tcp://127.0.0.1")
    xsub = ctx.socket(zmq.XSUB)
    xsub.setsockopt(zmq.LINGER, 0)
    pub_port = xsub.bind_to_random_port("tcp://127.0.0.1")
    conn.send(("ready", sub_port, pub_port, len(pool)))
    while True:
        command = conn.recv()
        if command[0] == "stop":
            break
        _, n, prefix = command
        if not _await_subscription(xpub, b"\x01" + prefix, timeout=10.0):
            conn.send(("error", "no subscription arrived within 10 s"))
            continue
        send = xpub.send_multipart
        size = len(pool)
        start = time.perf_counter()
        for i in range(n):
            send(pool[i % size])
        conn.send(("sent", time.perf_counter() - start))
    xpub.close()
    xsub.close()
    ctx.term()


def _await_subscription(xpub, wanted: bytes, timeout: float) -> bool:
    """Read subscription messages until `wanted` arrives (True) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0 or not xpub.poll(left_ms):
            return False
        if xpub.recv() == wanted:
            return True


def paced_publisher(conn, publish_to: str, rate: float, batch: int, pool_size: int) -> None:
    """A service publishing Updates at a steady `rate` msg/s, in batches of `batch`.

    Connects a PUB (HWM 0) to the hub's publish port. Commands over `conn`:
    - ("run", seconds): pace for that long, answer ("done", sent, elapsed, worst_behind_s).
    - ("stop",)
    Each batch is due at start + k * batch / rate; a late batch is sent at once (the
    schedule is kept, so the average rate stays exact), and the worst lateness is reported.
    """
    import zmq

    pool = update_pool(pool_size, seed=11)
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.SNDHWM, 0)
    pub.setsockopt(zmq.LINGER, 2000)
    pub.connect(publish_to)
    conn.send(("ready", len(pool)))
    size = len(pool)
    index = 0
    while True:
        command = conn.recv()
        if command[0] == "stop":
            break
        _, seconds = command
        send = pub.send_multipart
        interval = batch / rate
        batches = int(seconds * rate / batch)
        worst = 0.0
        cpu0 = time.process_time()
        start = time.perf_counter()
        for k in range(batches):
            due = start + k * interval
            now = time.perf_counter()
            if now < due:
                time.sleep(due - now)
            else:
                worst = max(worst, now - due)
            for _ in range(batch):
                send(pool[index % size])
                index += 1
        elapsed = time.perf_counter() - start
        conn.send(("done", batches * batch, elapsed, worst, time.process_time() - cpu0))
    pub.close()
    ctx.term()


def private_app_folders(prefix: str = "switchboard-bench-") -> tempfile.TemporaryDirectory:
    """Offscreen Qt unless told otherwise, and config and data folders of this run alone, so a
    benchmark never touches the operator's settings; the caller cleans the folder up."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    os.environ["SWITCHBOARD_CONFIG_DIR"] = f"{folder.name}/config"
    os.environ["SWITCHBOARD_DATA_DIR"] = f"{folder.name}/data"
    return folder


def qt_application(trace=None):
    """The benchmark's QApplication (traced when `trace`, a loop_trace.LoopTrace, is given)."""
    from PySide6.QtWidgets import QApplication

    application_class = trace.application_class(QApplication) if trace is not None else QApplication
    app = application_class(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    return app
