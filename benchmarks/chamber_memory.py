"""Chamber memory: what a day of telemetry costs, and that it stays bounded.

Two phases, RSS read from /proc/self/status:

1. End to end: the chamber simulator at a time scale that runs 24 simulated hours in
   `--seconds` of wall time (telemetry at 10 Hz), a supervised ChamberClient over real
   socket.io feeding a ChamberModel; RSS sampled as the simulated day goes by.
2. The model alone, fed two full histories' worth of samples (2 × 24 h × `--rate` Hz,
   the buffers wrap once): RSS at every quarter. Once the ring buffers are allocated,
   nothing may grow.

Target: bounded memory — RSS after the buffers are full does not grow with run time.

    .venv/bin/python benchmarks/chamber_memory.py [--seconds 60] [--rate 1]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import _common  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def end_to_end(seconds: float) -> None:
    from backend.chamber.chamber_client import ChamberClient
    from backend.chamber.chamber_model import ChamberModel
    from backend.sim.chamber.chamber_server import ChamberServer

    scale = 24 * 3600 / seconds
    server = ChamberServer(port=0, time_scale=scale, telemetry_hz=10.0)
    server.device.pump(True)
    await server.start()
    model = ChamberModel("Bench")
    client = ChamberClient(model, server.url, backoff=(0.05, 0.5))
    await client.start()
    started = time.monotonic()
    print(f"phase 1: simulator at ×{scale:.0f}, 10 Hz telemetry, 24 simulated hours in {seconds:.0f} s")
    print(f"  history buffers allocated: {model.history.nbytes / 1e6:.1f} MB ({model.history.capacity:,} samples × "
          f"{len(model.history.keys)} channels + times)")
    server.device.load_recipe({"name": "day", "recipe": [[80, 6 * 3600, 0], [-20, 6 * 3600, 0], [25, 3600, 0]]})
    for quarter in range(1, 5):
        await asyncio.sleep(seconds / 4)
        simulated_h = (time.monotonic() - started) * scale / 3600
        print(f"  after {simulated_h:5.1f} simulated h: RSS {rss_mb():6.1f} MB, {len(model.history):,} samples held, "
              f"recipe {model.recipe.state.value}")
    await client.stop()
    await server.stop()


def model_alone(rate_hz: float) -> tuple[float, float]:
    import numpy as np

    from backend.chamber.chamber_model import ChamberModel
    from backend.chamber.telemetry import CHANNEL_KEYS, Telemetry
    from backend.chamber.telemetry_history import capacity_for

    capacity = capacity_for(rate_hz=rate_hz)
    model = ChamberModel("Alone", capacity)
    gc.collect()
    print(f"phase 2: the model alone, {capacity:,}-sample buffers ({model.history.nbytes / 1e6:.1f} MB), fed 2 × capacity samples")
    values = {key: 20.0 for key in CHANNEL_KEYS}
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.1, 1000)
    t0 = 1_800_000_000.0
    readings = []
    total = 2 * capacity
    for index in range(total):
        values["shroud"] = 20.0 + noise[index % 1000]
        model.add_telemetry(Telemetry(t0 + index / rate_hz, dict(values), True, False))
        if index % (total // 8) == total // 8 - 1:
            gc.collect()
            readings.append(rss_mb())
            print(f"  {(index + 1) / capacity:4.2f} × capacity ({(index + 1) / rate_hz / 3600:5.1f} simulated h): RSS {readings[-1]:6.1f} MB")
    full_at = readings[3]
    return full_at, readings[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="wall time of the simulated day (phase 1)")
    parser.add_argument("--rate", type=float, default=1.0, help="telemetry rate the model's buffers are sized for (phase 2)")
    args = parser.parse_args()
    _common.header("Chamber memory over 24 simulated hours", "bounded: no growth once the ring buffers are full")
    print(f"RSS at start: {rss_mb():.1f} MB")
    asyncio.run(end_to_end(args.seconds))
    full, end = model_alone(args.rate)
    print(f"growth from buffers full (24 h) to twice around (48 h): {end - full:+.1f} MB")
    _common.summary(f"chamber memory: RSS {full:.0f} MB at 24 h, {end:.0f} MB at 48 h ({end - full:+.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
