"""Telemetry to CSV: a running recording of every sample, and an export of a time window.

Rows are written by a worker thread in batches (at most one write a second), so the event
loop never waits on the disk whatever the telemetry rate. A write that fails stops the
recording with a logged sentence naming the file; it never raises into the GUI.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import logging
import re
from pathlib import Path
from typing import IO

import numpy as np

from backend.chamber.chamber_model import ChamberModel
from backend.chamber.telemetry import CHANNELS, Telemetry
from backend.chamber.telemetry_history import TelemetryHistory

log = logging.getLogger(__name__)
UNIT_SUFFIX = {"kPa": "kPa", "°C": "degC", "%": "pct"}
HEADER = ["time", "epoch_s", *(f"{c.key}_{UNIT_SUFFIX[c.unit]}" for c in CHANNELS)]
FLUSH_PERIOD_S = 1.0


def csv_name(chamber: str, kind: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^\w.-]+", "_", chamber).strip("_") or "chamber"
    return f"{safe}-{kind}-{stamp}.csv"


def _row(t: float, values: list[float]) -> list[str]:
    iso = dt.datetime.fromtimestamp(t).isoformat(timespec="milliseconds")
    return [iso, f"{t:.3f}", *("" if v != v else f"{v:.6g}" for v in values)]


class TelemetryRecorder:
    """Records `model`'s telemetry to a new CSV file in `folder` between start() and stop()."""

    def __init__(self, model: ChamberModel, folder: Path) -> None:
        self.model = model
        self.folder = folder
        self.path: Path | None = None
        self.rows_written = 0
        self._stream: IO[str] | None = None
        self._pending: list[list[str]] = []
        self._flusher: asyncio.Task | None = None

    @property
    def recording(self) -> bool:
        return self._flusher is not None

    async def start(self) -> Path:
        if self.recording:
            assert self.path is not None
            return self.path
        path = self.folder / csv_name(self.model.name, "recording")
        self._stream = await asyncio.to_thread(self._open, path)
        self.path, self.rows_written = path, 0
        self.model.telemetry_received.connect(self._on_sample)
        self._flusher = asyncio.create_task(self._flush_periodically(), name=f"recording {self.model.name}")
        log.info("Chamber '%s': recording telemetry to %s", self.model.name, path, extra={"source": "Chamber"})
        return path

    async def stop(self) -> None:
        flusher, self._flusher = self._flusher, None
        if flusher is None:
            return
        self.model.telemetry_received.disconnect(self._on_sample)
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await self._flush()
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(stream.close)
        log.info("Chamber '%s': recording stopped, %d rows in %s", self.model.name, self.rows_written, self.path,
                 extra={"source": "Chamber"})

    def _open(self, path: Path) -> IO[str]:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = path.open("w", newline="", encoding="utf-8")
        csv.writer(stream).writerow(HEADER)
        return stream

    def _on_sample(self, sample: Telemetry) -> None:
        self._pending.append(_row(sample.t, [sample.values[c.key] for c in CHANNELS]))

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_PERIOD_S)
            await self._flush()

    async def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows or self._stream is None:
            return
        try:
            await asyncio.to_thread(self._write, self._stream, rows)
            self.rows_written += len(rows)
        except OSError as error:
            log.error("Chamber '%s': recording to %s failed and stopped: %s", self.model.name, self.path, error,
                      extra={"source": "Chamber"})
            self._stream = None

    @staticmethod
    def _write(stream: IO[str], rows: list[list[str]]) -> None:
        csv.writer(stream).writerows(rows)
        stream.flush()


async def export_window(history: TelemetryHistory, path: Path, start: float, end: float) -> int:
    """Write every sample with start ≤ t ≤ end to `path`; returns the number of rows."""
    times, _ = history.window(CHANNELS[0].key, start, end)
    columns = [np.array(history.window(c.key, start, end)[1]) for c in CHANNELS]
    times = np.array(times)

    def write() -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(HEADER)
            for index, t in enumerate(times):
                writer.writerow(_row(float(t), [float(column[index]) for column in columns]))
        return len(times)

    return await asyncio.to_thread(write)
