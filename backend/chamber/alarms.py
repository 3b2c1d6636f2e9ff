"""Alarms (vacuum.md §6 `alarm` push) with the operator's acknowledgement.

The protocol has no acknowledge command, so acknowledgement is Switchboard's own: an
alarm stays listed until the chamber has cleared it AND the operator has acknowledged it
(an alarm that came and went while nobody watched is still seen).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from backend.chamber.payload import Result


@dataclass(frozen=True)
class Alarm:
    code: str
    message: str
    severity: Result
    active: bool
    acknowledged: bool = False
    raised_at: float = 0.0

    @property
    def needs_attention(self) -> bool:
        return self.active or not self.acknowledged


class AlarmList:
    """The listed alarms by code; `update` and `acknowledge` say whether anything changed."""

    def __init__(self) -> None:
        self.by_code: dict[str, Alarm] = {}

    def update(self, payload: dict[str, Any]) -> Alarm:
        code = str(payload.get("code") or "UNKNOWN")
        message = payload.get("message") if isinstance(payload.get("message"), str) else ""
        active = payload.get("active") is not False
        severity = Result.read(payload.get("result"))
        if severity is Result.SUCCESS:
            severity = Result.WARNING
        known = self.by_code.get(code)
        if active:
            fresh = known is None or not known.active
            alarm = Alarm(code, message or (known.message if known else code), severity, True,
                          acknowledged=False if fresh else known.acknowledged,
                          raised_at=time.time() if fresh else known.raised_at)
        elif known is None:
            alarm = Alarm(code, message or code, severity, False, acknowledged=True, raised_at=time.time())
        else:
            alarm = replace(known, active=False)
        self._keep(alarm)
        return alarm

    def acknowledge(self, code: str) -> bool:
        known = self.by_code.get(code)
        if known is None or known.acknowledged:
            return False
        self._keep(replace(known, acknowledged=True))
        return True

    def _keep(self, alarm: Alarm) -> None:
        if alarm.needs_attention:
            self.by_code[alarm.code] = alarm
        else:
            self.by_code.pop(alarm.code, None)

    def listed(self) -> list[Alarm]:
        return sorted(self.by_code.values(), key=lambda a: a.raised_at)
