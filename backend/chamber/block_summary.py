"""The min and max of every block of 64 samples, per channel: a pre-decimated level.

A plot of a 24-hour window at 10 Hz reduces 864,000 samples per channel to its pixel
columns every frame; reducing 13,500 block summaries instead costs 64 times less
(ENGINEERING.md §6: long windows keep a pre-decimated pyramid). One level is enough:
below 128 samples per pixel column the plot reads the samples themselves. Summaries are
kept in ring buffers sized like the samples', so they cover the same span.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from backend.chamber.ring_buffer import RingBuffer

BLOCK = 64


class BlockSummary:
    """Start time, minimum and maximum of each completed block of BLOCK samples."""

    def __init__(self, keys: Iterable[str], capacity: int, block: int = BLOCK) -> None:
        self.block = block
        blocks = capacity // block + 2
        self.keys = tuple(keys)
        self.starts = RingBuffer(blocks, np.float64)
        self.mins = {key: RingBuffer(blocks, np.float32) for key in self.keys}
        self.maxs = {key: RingBuffer(blocks, np.float32) for key in self.keys}
        self.pending = 0
        """Samples in the block being filled (the newest ones; not summarised yet)."""
        self._start = math.nan
        self._low: dict[str, float] = {}
        self._high: dict[str, float] = {}

    def append(self, t: float, values: dict[str, float]) -> None:
        if self.pending == 0:
            self._start = t
            self._low = {key: values.get(key, math.nan) for key in self.keys}
            self._high = dict(self._low)
        else:
            for key in self.keys:
                value = values.get(key, math.nan)
                self._low[key] = float(np.fmin(self._low[key], value))
                self._high[key] = float(np.fmax(self._high[key], value))
        self.pending += 1
        if self.pending == self.block:
            self.starts.append(self._start)
            for key in self.keys:
                self.mins[key].append(self._low[key])
                self.maxs[key].append(self._high[key])
            self.pending = 0

    def extend(self, times: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Many samples at once: whole blocks are reduced with numpy, the ends one by one."""
        index, count = 0, len(times)
        while self.pending and index < count:
            self.append(float(times[index]), {key: float(values[key][index]) for key in self.keys})
            index += 1
        whole = (count - index) // self.block
        if whole:
            span = slice(index, index + whole * self.block)
            self.starts.extend(times[span][:: self.block])
            for key in self.keys:
                blocks = np.asarray(values[key][span]).reshape(whole, self.block)
                self.mins[key].extend(np.fmin.reduce(blocks, axis=1))
                self.maxs[key].extend(np.fmax.reduce(blocks, axis=1))
            index += whole * self.block
        for rest in range(index, count):
            self.append(float(times[rest]), {key: float(values[key][rest]) for key in self.keys})

    def window(self, key: str, start: float, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start times, minima and maxima of the completed blocks starting within [start, end]."""
        starts = self.starts.tail()
        first = int(np.searchsorted(starts, start, side="left"))
        last = int(np.searchsorted(starts, end, side="right"))
        return starts[first:last], self.mins[key].tail()[first:last], self.maxs[key].tail()[first:last]
