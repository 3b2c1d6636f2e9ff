"""Fixed-size numpy ring buffers whose newest `n` samples are always one contiguous view.

Each sample is written twice (at `i` and `i + capacity` of a double-length array), so
reading any tail is a zero-copy slice: a plot of a 24-hour window slices, it never copies
or concatenates. Memory is fixed at construction; nothing grows with run time.
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last `capacity` values of one channel."""

    def __init__(self, capacity: int, dtype: type = np.float64) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._data = np.full(2 * capacity, np.nan, dtype=dtype)
        self._next = 0
        self.count = 0

    def append(self, value: float) -> None:
        self._data[self._next] = value
        self._data[self._next + self.capacity] = value
        self._next = (self._next + 1) % self.capacity
        self.count = min(self.count + 1, self.capacity)

    def extend(self, values: np.ndarray) -> None:
        """Append many values at once (the 1 kHz benchmark path)."""
        values = np.asarray(values)[-self.capacity:]
        n = len(values)
        first = min(n, self.capacity - self._next)
        for offset, chunk in ((self._next, values[:first]), (0, values[first:])):
            self._data[offset:offset + len(chunk)] = chunk
            self._data[offset + self.capacity:offset + self.capacity + len(chunk)] = chunk
        self._next = (self._next + n) % self.capacity
        self.count = min(self.count + n, self.capacity)

    def drop_newest(self, n: int) -> None:
        """Forget the newest `n` values (a history whose clock went back, telemetry_history.py)."""
        n = min(n, self.count)
        self._next = (self._next - n) % self.capacity
        self.count -= n

    def tail(self, n: int | None = None) -> np.ndarray:
        """The newest `n` values (all held ones by default), oldest first, as a read-only view."""
        n = self.count if n is None else min(n, self.count)
        end = self._next + self.capacity
        view = self._data[end - n:end]
        view.flags.writeable = False
        return view

    @property
    def nbytes(self) -> int:
        return self._data.nbytes
