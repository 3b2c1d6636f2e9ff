"""Min/max decimation to screen resolution (ENGINEERING.md §6).

A curve never gets more than two points per pixel column: the minimum and maximum of
the samples that fall into it, so peaks stay visible and a 24-hour window costs the
same to draw as a 1-minute one. pyqtgraph's own downsampling is not used: PlotItem
overwrites per-curve settings when a curve is added (§6 gotcha), and its cost grows
with the data, this one with the pixel width.
"""

from __future__ import annotations

import numpy as np


def minmax_decimate(x: np.ndarray, y: np.ndarray, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """At most 2 × `width_px` points keeping each column's min and max (NaN only where a column is all NaN)."""
    width_px = max(1, int(width_px))
    if len(y) <= 2 * width_px:
        return x, y
    per_column = len(y) // width_px
    n = per_column * width_px
    start = len(y) - n                                    # whole columns of the newest samples
    columns = y[start:].reshape(width_px, per_column)
    lows = np.fmin.reduce(columns, axis=1)
    highs = np.fmax.reduce(columns, axis=1)
    xs = np.repeat(x[start::per_column][:width_px], 2)
    ys = np.column_stack((lows, highs)).ravel()
    if start:                                             # the few oldest samples left over: one more column
        head_x, head_y = x[:start], y[:start]
        xs = np.concatenate((np.repeat(head_x[:1], 2), xs))
        ys = np.concatenate(((np.fmin.reduce(head_y), np.fmax.reduce(head_y)), ys))
    return xs, ys
