"""Reading levels against a chamber's configured limits (normal, warning, alarm).

`limits[channel]` may hold `warning_low`, `warning_high`, `alarm_low`, `alarm_high`
(ChamberSettings). Channel keys are those of telemetry.CHANNELS (`pressure`, `shroud`,
`part`, `tec1_int`…). A missing bound is no bound; a missing reading (NaN) is "unknown".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping


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
