"""One telemetry sample (vacuum.md §6 `telemetry` push) flattened into named channels.

The hardware has two heat highways (§1), so two TECs: their temperatures and power are
channels of their own. A missing or non-numeric field is NaN (a gap on the plot), not a
rejected sample; a TEC id other than 1 or 2 is ignored.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from backend.chamber.payload import number

N_TECS = 2


@dataclass(frozen=True)
class Channel:
    key: str
    label: str
    unit: str


CHANNELS: tuple[Channel, ...] = (
    Channel("pressure", "Pressure", "kPa"),
    Channel("shroud", "Shroud", "°C"),
    Channel("part", "Part", "°C"),
    Channel("setpoint", "Set-point", "°C"),
    *(c for i in range(1, N_TECS + 1) for c in (
        Channel(f"tec{i}_int", f"TEC {i} internal", "°C"),
        Channel(f"tec{i}_ext", f"TEC {i} external", "°C"),
        Channel(f"tec{i}_power", f"TEC {i} power", "%"),
    )),
    Channel("coolant", "Coolant", "°C"),
    Channel("ambient", "Ambient", "°C"),
)
CHANNEL_KEYS = tuple(c.key for c in CHANNELS)
CHANNEL_BY_KEY = {c.key: c for c in CHANNELS}
_TOP_LEVEL = {"pressure": "pressureKPa", "shroud": "shroudT", "part": "partT", "setpoint": "setpointT",
              "coolant": "coolantT", "ambient": "ambientT"}
_TEC_FIELDS = {"int": "intT", "ext": "extT", "power": "powerPct"}
_FLOAT32_MAX = float(np.finfo(np.float32).max)  # the history's value type (telemetry_history.py)


@dataclass(frozen=True)
class Telemetry:
    """A sample: device time (s since the epoch), channel values, pump and vent.

    `dated` is False when the sample came without a usable `t` and carries the PC's time."""

    t: float
    values: dict[str, float]
    pump_on: bool | None
    vent_open: bool | None
    dated: bool = True

    @classmethod
    def read(cls, payload: dict[str, Any]) -> Telemetry:
        values = {key: _reading(payload, wire) for key, wire in _TOP_LEVEL.items()}
        for i in range(1, N_TECS + 1):
            for part in _TEC_FIELDS:
                values[f"tec{i}_{part}"] = math.nan
        tecs = payload.get("tec")
        for tec in tecs if isinstance(tecs, list) else ():
            if isinstance(tec, dict) and tec.get("id") in range(1, N_TECS + 1):
                for part, wire in _TEC_FIELDS.items():
                    values[f"tec{tec['id']}_{part}"] = _reading(tec, wire)
        t_ms = number(payload, "t")
        dated = math.isfinite(t_ms)
        t = t_ms / 1000.0 if dated else time.time()
        return cls(t, values, _flag(payload.get("pumpOn")), _flag(payload.get("ventOpen")), dated)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (NaN → None), for the bus State."""
        readings: dict[str, Any] = {k: (None if math.isnan(v) else round(v, 4)) for k, v in self.values.items()}
        return {"Time": self.t, **readings, "pumpOn": self.pump_on, "ventOpen": self.vent_open}


def _reading(payload: dict[str, Any], key: str) -> float:
    """A channel value; one the float32 history cannot hold (it would turn infinite) is a gap, NaN."""
    value = number(payload, key)
    return value if abs(value) <= _FLOAT32_MAX else math.nan


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
