"""One pyqtgraph plot of history channels against time, redrawn from min/max-decimated views.

It never keeps its own copy of the data: each redraw slices the visible window out of
the ring buffers (zero-copy), decimates it to the plot's pixel width, and hands pyqtgraph
at most two points per column. There is no grid (it alone costs more than the curves).
Auto-range is off on X (the owner sets the window) and on
for Y. Pens are 1 px wide: wider pens are very slow on the raster path (ENGINEERING.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from backend.chamber.telemetry_history import TelemetryHistory
from gui.panels.chamber.decimation import minmax_decimate
from gui.theme import colour


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    pen: str


class TimePlot(pg.PlotWidget):
    """Curves of `series` from `history`, time on a date axis, optionally a log Y axis."""

    def __init__(self, history: TelemetryHistory, series: list[Series], y_label: str, unit: str, *, log_y: bool = False) -> None:
        super().__init__(axisItems={"bottom": pg.DateAxisItem()})
        self.history = history
        self.series = series
        self.log_y = log_y
        self.setBackground(colour("base"))
        item = self.getPlotItem()
        item.setLabel("left", f"{y_label} ({unit})")
        item.getAxis("left").enableAutoSIPrefix(False)
        # No grid: pyqtgraph's translucent grid lines cost more per frame than every curve
        # together (measured: 37 ms with, 9 ms without, 8 curves, 1600×900; benchmarks/chamber_redraw.py).
        item.setClipToView(False)
        item.setDownsampling(auto=False)
        item.setLogMode(y=log_y)
        item.enableAutoRange(x=False, y=not log_y)
        item.setMenuEnabled(False)
        # A legend without a background: a filled box would hide the curves behind it.
        legend = item.addLegend(offset=(6, 6), labelTextColor=colour("text"))
        legend.setColumnCount(min(4, len(series)))
        self.curves = {}
        for s in series:
            curve = pg.PlotDataItem(name=s.label, pen=pg.mkPen(s.pen, width=1), connect="finite")
            item.addItem(curve)
            curve.setDownsampling(auto=False)  # after addItem: the PlotItem copies its own settings on add
            self.curves[s.key] = curve
        self.points_drawn = 0

    def redraw(self, start: float, end: float, fit_y: bool = True) -> None:
        """Redraw every curve for the time window [start, end]; a log axis is fitted to whole decades."""
        width = max(50, int(self.getPlotItem().getViewBox().width()))
        margin = (end - start) * 0.01
        self.points_drawn = 0
        low, high = np.inf, -np.inf
        for s in self.series:
            times, values = self.history.window(s.key, start - margin, end + margin)
            xs, ys = minmax_decimate(times, values, width)
            if self.log_y:
                ys = np.where(ys > 0, ys, np.nan)
                if np.isfinite(ys).any():
                    low, high = min(low, float(np.nanmin(ys))), max(high, float(np.nanmax(ys)))
            self.curves[s.key].setData(xs, ys, connect="finite")
            self.points_drawn += len(xs)
        if self.log_y and fit_y and np.isfinite(low):
            self.fit_decades(low, high)

    def fit_decades(self, low: float, high: float) -> None:
        """Show whole decades around [low, high]: pyqtgraph draws no log ticks inside one decade,
        and a range that does not follow the noise keeps the axis still."""
        first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
        if last <= first:
            last = first + 1
        if self.getPlotItem().getViewBox().viewRange()[1] != [first, last]:
            self.setYRange(first, last, padding=0)
