"""Min/max decimation to screen resolution (ENGINEERING.md §6).

A curve never gets more than two points per pixel column: the minimum and maximum of
the samples that fall into it, so peaks stay visible and a 24-hour window costs the
same to draw as a 1-minute one. pyqtgraph's own downsampling is not used: PlotItem
overwrites per-curve settings when a curve is added (§6 gotcha), and its cost grows
with the data, this one with the pixel width. Dense windows start from the history's
block summaries (min and max of each 64 samples) instead of the samples.
"""

from __future__ import annotations

import numpy as np

from backend.chamber.block_summary import BLOCK
from backend.chamber.telemetry_history import TelemetryHistory


def minmax_decimate(x: np.ndarray, y: np.ndarray, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """At most 2 × `width_px` (+2) points keeping each column's min and max (NaN only where a column is all NaN)."""
    width_px = max(1, int(width_px))
    if len(y) <= 2 * width_px:
        return x, y
    return _columns(x, y, y, width_px)


def _columns(x: np.ndarray, lows: np.ndarray, highs: np.ndarray, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """Each column's min of `lows` and max of `highs`, as a (min, max) pair of points at its first x."""
    if len(x) <= width_px:
        return np.repeat(x, 2), np.column_stack((lows, highs)).ravel()
    per_column = len(x) // width_px
    start = len(x) - per_column * width_px               # whole columns of the newest entries
    column_lows = np.fmin.reduce(lows[start:].reshape(width_px, per_column), axis=1)
    column_highs = np.fmax.reduce(highs[start:].reshape(width_px, per_column), axis=1)
    xs = np.repeat(x[start::per_column][:width_px], 2)
    ys = np.column_stack((column_lows, column_highs)).ravel()
    if start:                                             # the few oldest entries left over: one more column
        xs = np.concatenate((np.repeat(x[:1], 2), xs))
        ys = np.concatenate(((np.fmin.reduce(lows[:start]), np.fmax.reduce(highs[:start])), ys))
    return xs, ys


def decimated_window(history: TelemetryHistory, key: str, start: float, end: float, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """Channel `key` over [start, end] at `width_px` columns, from block summaries when the window is dense."""
    times, values = history.window(key, start, end)
    width_px = max(1, int(width_px))
    if len(times) <= 2 * BLOCK * width_px:
        return minmax_decimate(times, values, width_px)
    starts, lows, highs = history.blocks.window(key, float(times[0]), end)
    pending = history.blocks.pending                      # the newest samples, in no block yet
    if pending and times[-1] == history.times.tail()[-1]:
        tail = values[-pending:]
        starts = np.append(starts, times[-pending])
        lows = np.append(lows, np.fmin.reduce(tail))
        highs = np.append(highs, np.fmax.reduce(tail))
    return _columns(starts, lows, highs, width_px)
