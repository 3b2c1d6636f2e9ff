"""The parts of a trainer's state, as the device reported them (wire payloads read leniently).

Each part is built from the camelCase payload of a status, an event or a reply; a missing
or odd field becomes a neutral default rather than an error (lenient on input).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from backend.trainer.wire_enums import AlarmKind, DetectorKind, EmergencyResumeReason, EmergencyStopReason, name_of


class Liveness(Enum):
    """How recently the trainer's heartbeat was heard (`trainer.md` §8: stale after 3 intervals, offline after 60 s)."""

    WAITING = "waiting"
    ONLINE = "online"
    STALE = "stale"
    OFFLINE = "offline"


class EmergencyCondition(Enum):
    UNKNOWN = "unknown"
    RUNNING = "running"
    STOPPED = "stopped"


@dataclass(frozen=True)
class EmergencyState:
    """The trainer's emergency condition as it last reported it, never as it was asked to be."""

    condition: EmergencyCondition = EmergencyCondition.UNKNOWN
    reason: str = ""
    reason_code: int | None = None
    alarms: tuple[int, ...] = ()
    when: float | None = None
    """The device's clock (epoch seconds) for events; our clock when a reply was the evidence."""

    @property
    def reason_name(self) -> str:
        if self.reason_code is None:
            return self.reason or "not given"
        enum = EmergencyStopReason if self.condition is EmergencyCondition.STOPPED else EmergencyResumeReason
        return name_of(enum, self.reason_code)

    @property
    def alarm_names(self) -> list[str]:
        return [name_of(AlarmKind, alarm) for alarm in self.alarms]

    @classmethod
    def stopped_from(cls, context: Any, when: float | None) -> EmergencyState:
        ctx = context if isinstance(context, dict) else {}
        return cls(EmergencyCondition.STOPPED, str(ctx.get("reason") or ""), _int_or_none(ctx.get("reasonCode")),
                   _ints(ctx.get("activeAlarms")), when)

    @classmethod
    def resumed_from(cls, context: Any, when: float | None) -> EmergencyState:
        ctx = context if isinstance(context, dict) else {}
        return cls(EmergencyCondition.RUNNING, str(ctx.get("reason") or ""), _int_or_none(ctx.get("reasonCode")),
                   _ints(ctx.get("resumedAlarms")), when)


@dataclass(frozen=True)
class AlarmStatus:
    alarm_id: int
    is_active: bool = False
    is_enabled: bool = False
    is_auto_resume_enabled: bool = False
    is_stop_condition: bool = False

    @property
    def name(self) -> str:
        return name_of(AlarmKind, self.alarm_id)

    @classmethod
    def from_payload(cls, payload: Any) -> AlarmStatus | None:
        if not isinstance(payload, dict) or _int_or_none(payload.get("alarmId")) is None:
            return None
        return cls(int(payload["alarmId"]), bool(payload.get("isActive")), bool(payload.get("isEnabled")),
                   bool(payload.get("isAutoResumeEnabled")), bool(payload.get("isStopCondition")))


@dataclass(frozen=True)
class DetectorStatus:
    detector_id: int
    is_active: bool = False
    is_enabled: bool = False

    @property
    def name(self) -> str:
        return name_of(DetectorKind, self.detector_id)

    @classmethod
    def from_payload(cls, payload: Any) -> DetectorStatus | None:
        if not isinstance(payload, dict) or _int_or_none(payload.get("detectorId")) is None:
            return None
        return cls(int(payload["detectorId"]), bool(payload.get("isActive")), bool(payload.get("isEnabled")))


@dataclass
class SessionState:
    """Project, session and trial, from the status's `project` and the trial and session events."""

    day_path: str = ""
    session_id: str = ""
    trial_id: int | None = None
    in_session: bool = False
    in_trial: bool = False
    last_trial_result: str = ""


@dataclass
class Counters:
    """Pellets and reaches, overall and for the day (status `behavior.reaches` and the count events)."""

    values: dict[str, int] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        number = _int_or_none(value)
        if number is not None:
            self.values[name] = number


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ints(values: Any) -> tuple[int, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(n for n in (_int_or_none(v) for v in values) if n is not None)
