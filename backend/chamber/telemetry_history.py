"""The history of every telemetry channel: one ring buffer per channel plus the times.

Sized once for the longest plot window (24 h) at the expected telemetry rate; memory
is bounded whatever the run length. Values are float32 (sensor resolution is far coarser),
times float64 (seconds since the epoch need the precision).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from backend.chamber.ring_buffer import RingBuffer

LONGEST_WINDOW_S = 24 * 3600.0
DEFAULT_RATE_HZ = 1.0


def capacity_for(window_s: float = LONGEST_WINDOW_S, rate_hz: float = DEFAULT_RATE_HZ) -> int:
    return max(1, int(window_s * rate_hz))


class TelemetryHistory:
    """Times and values of the channels `keys`, `capacity` samples each."""

    def __init__(self, keys: Iterable[str], capacity: int) -> None:
        self.keys = tuple(keys)
        self.capacity = capacity
        self.times = RingBuffer(capacity, np.float64)
        self.channels = {key: RingBuffer(capacity, np.float32) for key in self.keys}

    def append(self, t: float, values: dict[str, float]) -> None:
        self.times.append(t)
        for key, buffer in self.channels.items():
            buffer.append(values.get(key, np.nan))

    def extend(self, times: np.ndarray, values: dict[str, np.ndarray]) -> None:
        self.times.extend(times)
        for key, buffer in self.channels.items():
            buffer.extend(values[key] if key in values else np.full(len(times), np.nan))

    def drop_after(self, t: float) -> int:
        """Forget every sample later than `t` (the chamber's clock went back); returns how many."""
        times = self.times.tail()
        n = len(times) - int(np.searchsorted(times, t, side="right"))
        for buffer in (self.times, *self.channels.values()):
            buffer.drop_newest(n)
        return n

    def __len__(self) -> int:
        return self.times.count

    def window(self, key: str, start: float, end: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Times and values of `key` with start ≤ t (≤ end), zero-copy views (times are increasing)."""
        times = self.times.tail()
        first = int(np.searchsorted(times, start, side="left"))
        last = len(times) if end is None else int(np.searchsorted(times, end, side="right"))
        return times[first:last], self.channels[key].tail()[first:last]

    @property
    def nbytes(self) -> int:
        return self.times.nbytes + sum(b.nbytes for b in self.channels.values())
