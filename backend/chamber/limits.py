"""Reading levels against a chamber's configured limits (normal, warning, alarm).

`limits[channel]` may hold `warning_low`, `warning_high`, `alarm_low`, `alarm_high`
(ChamberSettings). Channel keys are those of telemetry.CHANNELS (`pressure`, `shroud`,
`part`, `tec1_int`…). A missing bound is no bound; a missing reading (NaN) is "unknown".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping

from backend.chamber.telemetry import CHANNEL_KEYS

BOUNDS = ("warning_low", "warning_high", "alarm_low", "alarm_high")


class Level(enum.Enum):
    NORMAL = "ok"
    WARNING = "warning"
    ALARM = "error"
    UNKNOWN = "off"


def level(value: float, limits: Mapping[str, float] | None) -> Level:
    if math.isnan(value):
        return Level.UNKNOWN
    limits = limits or {}
    if value < limits.get("alarm_low", -math.inf) or value > limits.get("alarm_high", math.inf):
        return Level.ALARM
    if value < limits.get("warning_low", -math.inf) or value > limits.get("warning_high", math.inf):
        return Level.WARNING
    return Level.NORMAL


def limit_problems(limits: Mapping[str, object]) -> list[str]:
    """Sentences for limits the settings must refuse (unknown channel or bound, non-number, low above high)."""
    problems = []
    for channel, bounds in limits.items():
        if channel not in CHANNEL_KEYS:
            problems.append(f"limits: unknown channel {channel!r} (known: {', '.join(CHANNEL_KEYS)})")
            continue
        if not isinstance(bounds, Mapping):
            problems.append(f"limits.{channel} must be a table of bounds")
            continue
        for bound, value in bounds.items():
            if bound not in BOUNDS:
                problems.append(f"limits.{channel}: unknown bound {bound!r} (known: {', '.join(BOUNDS)})")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"limits.{channel}.{bound} must be a number")
        for low, high in (("warning_low", "warning_high"), ("alarm_low", "alarm_high")):
            lo, hi = bounds.get(low), bounds.get(high)
            if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
                problems.append(f"limits.{channel}: {low} is above {high}")
    return problems
