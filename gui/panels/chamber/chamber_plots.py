"""The chamber's live plots: pressure (log, kPa) over temperatures (°C), one time axis.

Controls: the time window (1 min … 24 h), pause/resume, follow (autoscroll), zoom and pan
with the mouse (any manual zoom or pan stops following), and a cursor read-out of every
channel at the mouse. Repaints come from a ~30 Hz timer and only when something changed,
never once per sample (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from backend.chamber.chamber_model import ChamberModel
from backend.chamber.telemetry import CHANNEL_BY_KEY
from gui.panels.chamber.time_plot import Series, TimePlot
from gui.widgets import tool_button

WINDOWS = (("1 min", 60.0), ("10 min", 600.0), ("1 h", 3600.0), ("6 h", 6 * 3600.0), ("24 h", 24 * 3600.0))
FRAME_MS = 33
PRESSURE = [Series("pressure", "Pressure", "#2563eb")]
TEMPERATURES = [
    Series("shroud", "Shroud", "#d03030"),
    Series("part", "Part", "#1f9d55"),
    Series("setpoint", "Set-point", "#7c3aed"),
    Series("tec1_int", "TEC 1 int", "#ea580c"),
    Series("tec2_int", "TEC 2 int", "#ca8a04"),
    Series("coolant", "Coolant", "#0891b2"),
    Series("ambient", "Ambient", "#64748b"),
]


class ChamberPlots(QWidget):
    """Pressure and temperature plots of one chamber's history, with their controls."""

    def __init__(self, model: ChamberModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.window_s = WINDOWS[1][1]
        self.following = True
        self.paused = False
        self._dirty = True
        self._drawn_range: tuple[float, float] | None = None

        self.window_choice = QComboBox()
        self.window_choice.setObjectName("PlotWindow")
        for label, seconds in WINDOWS:
            self.window_choice.addItem(label, seconds)
        self.window_choice.setCurrentIndex(1)
        self.window_choice.currentIndexChanged.connect(self._window_chosen)
        self.pause_button = tool_button("Pause", "pause", "Freeze the plots; data keeps being recorded", "PausePlots", checkable=True)
        self.pause_button.toggled.connect(self.set_paused)
        self.follow_button = tool_button("Follow", "play", "Scroll with the newest data", "FollowPlots", checkable=True)
        self.follow_button.setChecked(True)
        self.follow_button.toggled.connect(self.set_following)
        self.readout = QLabel("Move the mouse over a plot to read values.")
        self.readout.setObjectName("Muted")
        self.readout.setWordWrap(True)

        self.pressure = TimePlot(model.history, PRESSURE, "Pressure", "kPa", log_y=True)
        self.temperatures = TimePlot(model.history, TEMPERATURES, "Temperature", "°C")
        self.temperatures.setXLink(self.pressure)
        for plot in (self.pressure, self.temperatures):
            plot.getPlotItem().getViewBox().sigRangeChangedManually.connect(self._moved_by_hand)
            plot.scene().sigMouseMoved.connect(lambda pos, p=plot: self._cursor(p, pos))

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Window"))
        controls.addWidget(self.window_choice)
        controls.addWidget(self.pause_button)
        controls.addWidget(self.follow_button)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.pressure, 2)
        layout.addWidget(self.temperatures, 3)
        layout.addWidget(self.readout)

        model.telemetry_received.connect(self._on_sample)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._dirty = True
        self.refresh()

    def close_view(self) -> None:
        self.timer.stop()
        self.model.telemetry_received.disconnect(self._on_sample)

    # -- operator controls ------------------------------------------------------------------

    def _window_chosen(self, index: int) -> None:
        self.window_s = float(self.window_choice.itemData(index))
        self.set_following(True)
        self._dirty = True

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause_button.setText("Resume" if paused else "Pause")
        if self.pause_button.isChecked() != paused:
            self.pause_button.setChecked(paused)
        self._dirty = True

    def set_following(self, following: bool) -> None:
        self.following = following
        if self.follow_button.isChecked() != following:
            self.follow_button.setChecked(following)
        self._dirty = True

    def _moved_by_hand(self, *_: object) -> None:
        self.set_following(False)

    def _on_sample(self, _sample: object) -> None:
        if not self.paused:
            self._dirty = True

    # -- drawing -----------------------------------------------------------------------------

    def newest_time(self) -> float:
        return self.model.latest.t if self.model.latest else dt.datetime.now().timestamp()

    def visible_range(self) -> tuple[float, float]:
        start, end = self.pressure.getPlotItem().getViewBox().viewRange()[0]
        return float(start), float(end)

    def refresh(self) -> None:
        """One frame: move the window when following, redraw if anything changed.

        Nothing is drawn while the plots are hidden (another panel or chamber tab shown): a
        24-hour redraw costs tens of milliseconds of the GUI thread that the operator's
        panel — and the emergency stop — need. Showing them again draws at once.
        """
        if not self.isVisible():
            return
        if self.following and not self.paused:
            end = self.newest_time()
            wanted = (end - self.window_s, end)
            if wanted != self.visible_range():
                self.pressure.setXRange(*wanted, padding=0)
        current = self.visible_range()
        if not self._dirty and current == self._drawn_range:
            return
        self._dirty = False
        self._drawn_range = current
        for plot in (self.pressure, self.temperatures):
            plot.redraw(*current, fit_y=self.following)

    def _cursor(self, plot: TimePlot, position: QPointF) -> None:
        box = plot.getPlotItem().getViewBox()
        if not box.sceneBoundingRect().contains(position):
            return
        t = box.mapSceneToView(position).x()
        times = self.model.history.times.tail()
        if not len(times):
            return
        index = int(np.clip(np.searchsorted(times, t), 0, len(times) - 1))
        parts = [dt.datetime.fromtimestamp(times[index]).strftime("%H:%M:%S")]
        for series in PRESSURE + TEMPERATURES:
            value = float(self.model.history.channels[series.key].tail()[index])
            unit = CHANNEL_BY_KEY[series.key].unit
            parts.append(f"{series.label} {_format(value, unit)}")
        self.readout.setText("  ·  ".join(parts))


def _format(value: float, unit: str) -> str:
    if math.isnan(value):
        return "—"
    if unit == "kPa":
        return f"{value:.3g} kPa"
    return f"{value:.1f} {unit}"
