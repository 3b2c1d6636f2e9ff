"""Chamber plots: redraw time per frame, offscreen, for long windows of dense telemetry.

The real plot widgets of the Chamber panel (gui/panels/chamber/time_plot.py: ring-buffer
slices, own min/max decimation to the pixel width, pyqtgraph curves with 1 px pens) in a
1600×900 window under QT_QPA_PLATFORM=offscreen. Each frame appends the samples that
arrived in 1/30 s, slices the visible window, decimates, sets the data and repaints
synchronously (`repaint()`), as the panel's 30 Hz timer does.

Scenarios (issue 5):
- 8 channels × 10 Hz × 24-hour window (864,000 samples per channel);
- 4 channels × 1 kHz × 10-minute window (600,000 samples per channel);
- for comparison, 8 channels × 10 Hz × 1-minute window (600 samples per channel).

Target: 30 frames a second or better (≤ 33 ms per frame).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/chamber_redraw.py [--frames 150]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import _common  # noqa: E402

TARGET_MS = 1000 / 30
COLOURS = ["#d03030", "#1f9d55", "#7c3aed", "#ea580c", "#ca8a04", "#0891b2", "#64748b", "#2563eb"]


def scenario(app, title: str, channels: int, rate_hz: float, window_s: float, frames: int) -> float:
    from backend.chamber.telemetry_history import TelemetryHistory
    from gui.panels.chamber.time_plot import Series, TimePlot

    capacity = int(rate_hz * window_s)
    keys = [f"ch{i}" for i in range(channels)]
    history = TelemetryHistory(keys, capacity)
    t0 = 1_800_000_000.0
    times = t0 + np.arange(capacity) / rate_hz
    rng = np.random.default_rng(1)
    history.extend(times, {k: (20 + 10 * np.sin(times / 600 + i) + rng.normal(0, 0.2, capacity)).astype(np.float32)
                           for i, k in enumerate(keys)})
    plot = TimePlot(history, [Series(k, k, COLOURS[i % len(COLOURS)]) for i, k in enumerate(keys)], "Temperature", "°C")
    plot.resize(1600, 900)
    plot.show()
    app.processEvents()
    per_frame = max(1, round(rate_hz / 30))
    newest = times[-1]
    timings = []
    for frame in range(frames):
        stamps = newest + (np.arange(1, per_frame + 1)) / rate_hz
        newest = stamps[-1]
        history.extend(stamps, {k: np.full(per_frame, 20 + np.sin(frame / 10 + i), np.float32) for i, k in enumerate(keys)})
        started = time.perf_counter()
        plot.redraw(newest - window_s, newest)
        plot.setXRange(newest - window_s, newest, padding=0)
        plot.viewport().repaint()  # the view paints in its viewport
        timings.append((time.perf_counter() - started) * 1000)
        app.processEvents()
    mean = float(np.mean(timings[5:]))
    p95 = _common.percentile(timings[5:], 95)
    print(f"{title}: {channels} ch, {capacity:,} samples each in the window; {plot.points_drawn:,} points drawn per frame")
    print(f"  redraw+repaint per frame: mean {mean:.1f} ms, p95 {p95:.1f} ms, max {max(timings[5:]):.1f} ms "
          f"→ {1000 / mean:.0f} fps ({'meets' if p95 <= TARGET_MS else 'misses'} 30 fps at p95)")
    plot.close()
    plot.deleteLater()
    app.processEvents()
    return mean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    _common.header("Chamber plots: redraw per frame", f"≥ 30 fps (≤ {TARGET_MS:.1f} ms per frame)", ("QT_QPA_PLATFORM",))
    meter = _common.CpuMeter()
    day = scenario(app, "8 ch × 10 Hz × 24 h", 8, 10.0, 24 * 3600.0, args.frames)
    fast = scenario(app, "4 ch × 1 kHz × 10 min", 4, 1000.0, 600.0, args.frames)
    minute = scenario(app, "8 ch × 10 Hz × 1 min (comparison)", 8, 10.0, 60.0, args.frames)
    print(meter.line())
    _common.summary(f"chamber redraw: 8ch×10Hz×24h {day:.1f} ms/frame ({1000 / day:.0f} fps), "
                    f"4ch×1kHz×10min {fast:.1f} ms/frame ({1000 / fast:.0f} fps), 8ch×10Hz×1min {minute:.1f} ms/frame")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
