"""The chamber plots: decimated to the pixel width with peaks kept, a chosen time window,
pause, and following that stops when the operator pans."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from backend.chamber.chamber_model import ChamberModel
from backend.chamber.payload import decode
from backend.chamber.telemetry import CHANNEL_KEYS, Telemetry
from gui.panels.chamber.chamber_plots import ChamberPlots
from gui.panels.chamber.decimation import minmax_decimate

T0 = 1_800_000_000.0


def test_decimation_keeps_every_peak_within_two_points_per_pixel() -> None:
    x = np.arange(100_000, dtype=float)
    y = np.zeros(100_000, dtype=np.float32)
    y[12_345], y[77_777] = 9.0, -4.0
    xs, ys = minmax_decimate(x, y, 800)
    assert len(xs) <= 2 * 800 + 2 and ys.max() == 9.0 and ys.min() == -4.0
    assert np.all(np.diff(xs) >= 0)


def fed_model(samples: int, step_s: float = 1.0) -> ChamberModel:
    model = ChamberModel("Plot", samples)
    for index in range(samples):
        values = {key: 20.0 + np.sin(index / 50) for key in CHANNEL_KEYS}
        values["pressure"] = 0.02 + 0.001 * np.sin(index / 30)
        model.add_telemetry(Telemetry(T0 + index * step_s, values, True, False))
    return model


def shown_plots(qtbot, model: ChamberModel, window_index: int) -> ChamberPlots:
    plots = ChamberPlots(model)
    qtbot.addWidget(plots)
    plots.resize(900, 600)
    plots.show()
    plots.window_choice.setCurrentIndex(window_index)
    return plots


def test_a_long_window_is_drawn_at_screen_resolution(qtbot) -> None:
    model = fed_model(20_000)
    plots = shown_plots(qtbot, model, 4)  # 24 h: every sample is in the window
    plots.refresh()
    width = int(plots.temperatures.getPlotItem().getViewBox().width())
    drawn = plots.temperatures.curves["shroud"].getData()[0]
    assert 0 < len(drawn) <= 2 * width + 2
    start, end = plots.visible_range()
    assert end == model.latest.t and end - start == 24 * 3600
    plots.close_view()


def test_pause_freezes_the_picture_and_a_pan_stops_following(qtbot) -> None:
    model = fed_model(300)
    plots = shown_plots(qtbot, model, 0)  # 1 min
    plots.refresh()
    assert plots.visible_range() == (model.latest.t - 60, model.latest.t)
    qtbot.mouseClick(plots.pause_button, Qt.MouseButton.LeftButton)
    frozen = plots.visible_range()
    model.add_telemetry(Telemetry(model.latest.t + 30, {k: 1.0 for k in CHANNEL_KEYS}, True, False))
    plots.refresh()
    assert plots.paused and plots.visible_range() == frozen
    qtbot.mouseClick(plots.pause_button, Qt.MouseButton.LeftButton)
    plots.refresh()
    assert plots.visible_range()[1] == model.latest.t
    plots.pressure.getPlotItem().getViewBox().sigRangeChangedManually.emit([True, False])
    assert not plots.following and not plots.follow_button.isChecked()
    plots.close_view()


def test_decimation_columns_are_slices_of_time_so_the_oldest_samples_are_not_lumped_at_the_edge() -> None:
    x = np.arange(2_999, dtype=float)            # not a whole number of samples per column
    y = x.astype(np.float32)                     # a ramp: a point's value is its own time
    xs, ys = minmax_decimate(x, y, 1_000)
    column_s = (x[-1] - x[0]) / 1_000
    assert len(xs) <= 2 * 1_000
    assert np.all(np.diff(np.unique(xs)) <= 2 * column_s)              # no column spans a third of the window
    assert np.all(np.abs(ys - xs) <= column_s + 1)                     # each value is drawn near its own time
    assert (xs[0], ys[-1]) == (0.0, 2_998.0)                           # both edges of the window are there


def test_decimation_across_a_gap_and_nan_keeps_times_and_breaks() -> None:
    x = np.concatenate((np.arange(1_000.0), 50_000 + np.arange(1_000.0)))  # a link lost for 13 hours
    y = np.ones(2_000, dtype=np.float32)
    y[1_300:1_600] = np.nan                                                # a sensor gap of 300 s (3 columns)
    xs, ys = minmax_decimate(x, y, 500)
    assert not np.any((xs > 999) & (xs < 50_000))                          # nothing drawn inside the gap
    assert np.isnan(ys).any() and np.nanmax(ys) == 1.0                     # the NaN stretch still breaks the curve


def test_an_absurd_reading_leaves_the_plots_drawing(qtbot) -> None:
    model = fed_model(200)
    raw = f'{{"t": {(model.latest.t + 1) * 1000:.0f}, "pressureKPa": 1e400, "shroudT": 1e300, "partT": 20}}'
    model.add_telemetry(Telemetry.read(decode(raw)))
    plots = shown_plots(qtbot, model, 0)
    plots.refresh()                                                        # raised OverflowError every frame before
    assert len(plots.temperatures.curves["part"].getData()[0]) > 0
    assert np.isfinite(plots.pressure.getPlotItem().getViewBox().viewRange()[1]).all()
    plots.close_view()


def test_hidden_plots_draw_nothing_and_catch_up_when_shown_again(qtbot) -> None:
    model = fed_model(300)
    plots = shown_plots(qtbot, model, 0)  # 1 min
    plots.refresh()
    drawn_end = plots.visible_range()[1]
    plots.hide()  # another panel or chamber tab is on screen
    model.add_telemetry(Telemetry(model.latest.t + 30, {k: 1.0 for k in CHANNEL_KEYS}, True, False))
    plots.refresh()
    assert plots.visible_range()[1] == drawn_end, "a hidden plot spent the GUI thread on a redraw"
    plots.show()
    assert plots.visible_range()[1] == model.latest.t
    plots.close_view()
