"""Garbage-collector settings for a process that must answer within milliseconds.

Under a 20,000 msg/s flood the traffic history keeps promoting objects to the oldest
generation, and CPython's default thresholds then run full collections of 55–72 ms
about once a second: the whole p99 of the event loop's lag (benchmarks/README.md).
Objects alive at start-up are frozen out of every collection, and young collections
run every 100,000 allocations instead of 700, so full collections become rare. Almost
all bus garbage is freed by reference counting; the collector is only for cycles.
"""

from __future__ import annotations

import gc

THRESHOLDS = (100_000, 50, 1000)


def tune_for_latency() -> None:
    """Call once, after start-up has created its long-lived objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
