"""Min/max decimation to screen resolution (ENGINEERING.md §6).

A curve never gets more than two points per pixel column: the minimum and maximum of
the samples that fall into it, so peaks stay visible and a 24-hour window costs the
same to draw as a 1-minute one. pyqtgraph's own downsampling is not used: PlotItem
overwrites per-curve settings when a curve is added (§6 gotcha), and its cost grows
with the data, this one with the pixel width.

Columns are slices of time, not counts of samples: a column holds the samples whose
time falls into it, so the oldest samples are not lumped into one column at the window's
edge, and across a gap in the data (a lost link) the columns stay where their times are.
"""

from __future__ import annotations

import numpy as np


def minmax_decimate(x: np.ndarray, y: np.ndarray, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """At most 2 × `width_px` points keeping each column's min and max (NaN only where a column is all NaN).

    `x` must be increasing (the history's times are)."""
    width_px = max(1, int(width_px))
    if len(y) <= 2 * width_px:
        return x, y
    edges = x[0] + (x[-1] - x[0]) * (np.arange(width_px) / width_px)
    starts = np.searchsorted(x, edges, side="left")
    starts = starts[np.concatenate(([True], np.diff(starts) > 0))]   # columns with no sample drop out
    lows = np.fmin.reduceat(y, starts)
    highs = np.fmax.reduceat(y, starts)
    xs = np.repeat(x[starts], 2)
    ys = np.column_stack((lows, highs)).ravel()
    return xs, ys
