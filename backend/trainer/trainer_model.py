"""What Switchboard knows about one trainer, built only from what the trainer reported.

The client feeds it heartbeats, events, statuses and replies; the panel, the fleet's bus
status and the tests observe it. Nothing here is ever set from what the operator asked:
an emergency stop shows as stopped when the trainer says so (`trainer.md` §8).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from backend.observable import Signal
from backend.trainer.event_kinds import EventKind, current_kind, kind_name
from backend.trainer.package_version import PackageVersion
from backend.trainer.trainer_status import (
    AlarmStatus,
    Counters,
    DetectorStatus,
    EmergencyCondition,
    EmergencyState,
    Liveness,
    SessionState,
)
from backend.trainer.wire_enums import ApplicationMode, Command, Toggle, Topic, TrainingMode, name_of

EVENT_HISTORY = 5000

_COUNT_EVENTS = {
    EventKind.pelletPresentedCountChanged: "pelletsPresented",
    EventKind.pelletConsumedCountChanged: "pelletsConsumed",
    EventKind.reachCountChanged: "reaches",
    EventKind.successfulReachesCountChanged: "successfulReaches",
    EventKind.dayPelletPresentedCountChanged: "dayPelletsPresented",
    EventKind.dayPelletConsumedCountChanged: "dayPelletsConsumed",
    EventKind.dayReachCountChanged: "dayReaches",
    EventKind.daySuccessfulReachesCountChanged: "daySuccessfulReaches",
}
_REACH_KEYS = ("pelletsPresented", "pelletsConsumed", "reaches", "successfulReaches")


@dataclass(frozen=True)
class TrainerEvent:
    """One published event, decoded to its kind name for the device's version; the context is kept raw."""

    topic: int
    kind: int | None
    name: str
    when: float | None
    index: int | None
    context: Any
    received: float = field(default_factory=time.time)

    @property
    def topic_name(self) -> str:
        return name_of(Topic, self.topic)


class TrainerModel:
    """One trainer's reported state, with observable signals."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.identifier = ""
        self.version_text = ""
        self.version: PackageVersion | None = None
        self.liveness = Liveness.WAITING
        self.last_heartbeat: float | None = None
        """Our wall clock (epoch s) when the last heartbeat arrived."""
        self.configuration: dict[str, Any] = {}
        self.application_mode: int | None = None
        self.training_mode: int | None = None
        self.emergency = EmergencyState()
        self.alarms: dict[int, AlarmStatus] = {}
        self.detectors: dict[int, DetectorStatus] = {}
        self.toggles: dict[Toggle, bool] = {}
        self.animal: dict[str, Any] | None = None
        self.session = SessionState()
        self.counters = Counters()
        self.estop_unconfirmed = ""
        """Non-empty while an emergency stop was sent and never confirmed: the alarm text."""
        self.events: deque[TrainerEvent] = deque(maxlen=EVENT_HISTORY)
        self.changed: Signal[[]] = Signal(f"trainer[{name}].changed")
        self.event_received: Signal[[TrainerEvent]] = Signal(f"trainer[{name}].event_received")

    # --- readable views -------------------------------------------------------------------------

    @property
    def application_mode_name(self) -> str:
        return "unknown" if self.application_mode is None else name_of(ApplicationMode, self.application_mode)

    @property
    def training_mode_name(self) -> str:
        return "unknown" if self.training_mode is None else name_of(TrainingMode, self.training_mode)

    @property
    def active_alarms(self) -> list[AlarmStatus]:
        return [alarm for alarm in self.alarms.values() if alarm.is_active]

    @property
    def active_detectors(self) -> list[DetectorStatus]:
        return [detector for detector in self.detectors.values() if detector.is_active]

    def summary(self) -> dict[str, Any]:
        """A JSON-able snapshot for the bus State and the tests."""
        return {
            "Connection": self.liveness.value,
            "Identifier": self.identifier,
            "Version": self.version_text,
            "ApplicationMode": self.application_mode_name,
            "TrainingMode": self.training_mode_name,
            "Emergency": {
                "State": self.emergency.condition.value,
                "Reason": self.emergency.reason_name,
                "Alarms": self.emergency.alarm_names,
            },
            "EStopNotConfirmed": self.estop_unconfirmed,
            "ActiveAlarms": [alarm.name for alarm in self.active_alarms],
            "ActiveDetectors": [detector.name for detector in self.active_detectors],
            "Toggles": {toggle.name: enabled for toggle, enabled in self.toggles.items()},
            "Animal": (self.animal or {}).get("name") or (self.animal or {}).get("identifier") or "",
            "Session": self.session.session_id,
            "Trial": self.session.trial_id,
            "Counters": dict(self.counters.values),
        }

    # --- what the client feeds in ----------------------------------------------------------------

    def set_liveness(self, liveness: Liveness) -> None:
        if liveness is not self.liveness:
            self.liveness = liveness
            self.changed.emit()

    def apply_heartbeat(self, payload: dict[str, Any]) -> None:
        self.identifier = str(payload.get("identifier", self.identifier))
        version_text = str(payload.get("version", self.version_text))
        if version_text != self.version_text:
            self.version_text = version_text
            self.version = PackageVersion.parse(version_text)
        self.last_heartbeat = time.time()
        self.changed.emit()

    def set_estop_unconfirmed(self, text: str) -> None:
        if text != self.estop_unconfirmed:
            self.estop_unconfirmed = text
            self.changed.emit()

    def apply_configuration(self, data: Any) -> None:
        if isinstance(data, dict):
            self.configuration = dict(data)
            self.changed.emit()

    def apply_status(self, status: Any) -> None:
        """A full `ApiSystemStatus` replaces what we knew wholesale (§8)."""
        if not isinstance(status, dict):
            return
        self.application_mode = _int_or(status.get("applicationMode"), self.application_mode)
        self.training_mode = _int_or(status.get("trainingMode"), self.training_mode)
        self.animal = status.get("animal") if isinstance(status.get("animal"), dict) else None
        self.alarms = {a.alarm_id: a for a in map(AlarmStatus.from_payload, _list(status.get("alarms"))) if a}
        self.detectors = {d.detector_id: d for d in map(DetectorStatus.from_payload, _list(status.get("detectors"))) if d}
        self._apply_project(status.get("project"))
        self._apply_toggles(status)
        self._apply_reach_counts(status)
        self.changed.emit()

    def apply_command_data(self, command: int, data: Any) -> None:
        """What a successful (or refused) reply says is now in effect: modes and toggles report it."""
        if not isinstance(data, dict):
            return
        if command == Command.SET_APPLICATION_MODE and "mode" in data:
            self.application_mode = _int_or(data["mode"], self.application_mode)
        elif command == Command.SET_TRAINING_MODE and "mode" in data:
            self.training_mode = _int_or(data["mode"], self.training_mode)
        elif command in Toggle._value2member_map_ and isinstance(data.get("enabled"), bool):
            self.toggles[Toggle(command)] = data["enabled"]
        else:
            return
        self.changed.emit()

    def apply_emergency_reply(self, stopped: bool) -> None:
        """A SUCCESS reply to a stop (or resume) is the trainer's own word that it is stopped (resumed).

        The event that follows carries the reason and alarms; until it comes, the reply is evidence enough.
        """
        condition = EmergencyCondition.STOPPED if stopped else EmergencyCondition.RUNNING
        if self.emergency.condition is not condition:
            self.emergency = EmergencyState(condition, "rpc_service", 401, (), time.time())
            self.changed.emit()

    def apply_event(self, topic: int, payload: Any) -> TrainerEvent:
        """Record one event or emergency message and update the state it speaks for."""
        payload = payload if isinstance(payload, dict) else {"context": payload}
        kind = _int_or(payload.get("kind"), None)
        event = TrainerEvent(
            topic=topic,
            kind=kind,
            name=kind_name(kind, self.version) if kind is not None else "no kind",
            when=_float_or_none(payload.get("when")),
            index=_int_or(payload.get("index"), None),
            context=payload.get("context"),
        )
        self.events.append(event)
        trusted = current_kind(kind, self.version) if kind is not None else None
        if trusted is not None and self._apply_kind(trusted, event):
            self.changed.emit()
        self.event_received.emit(event)
        return event

    # --- event effects ---------------------------------------------------------------------------

    def _apply_kind(self, kind: EventKind, event: TrainerEvent) -> bool:
        """Update the state for one trusted event kind; True when something changed."""
        ctx = event.context if isinstance(event.context, dict) else {}
        if kind == EventKind.emergencyStop:
            self.emergency = EmergencyState.stopped_from(ctx, event.when)
            self.set_estop_unconfirmed("")
        elif kind == EventKind.emergencyResume:
            self.emergency = EmergencyState.resumed_from(ctx, event.when)
        elif kind == EventKind.applicationModeChanged:
            self.application_mode = _int_or(ctx.get("mode"), self.application_mode)
        elif kind == EventKind.trainingModeChanged:
            self.training_mode = _int_or(ctx.get("mode"), self.training_mode)
        elif kind == EventKind.systemStatus:
            self.apply_status(ctx)
            return False  # apply_status has announced it
        elif kind == EventKind.alarmChanged:
            alarm = AlarmStatus.from_payload(ctx)
            if alarm is None:
                return False
            self.alarms[alarm.alarm_id] = alarm
        elif kind == EventKind.detectorChanged:
            detector = DetectorStatus.from_payload(ctx)
            if detector is None:
                return False
            self.detectors[detector.detector_id] = detector
        elif kind == EventKind.autoClampEnabledChanged and isinstance(ctx.get("isEnabled"), bool):
            self.toggles[Toggle.AUTO_CLAMP] = ctx["isEnabled"]
        elif kind == EventKind.animalSelected:
            self.animal = ctx or None
        elif kind in _COUNT_EVENTS:
            self.counters.set(_COUNT_EVENTS[kind], ctx.get("count"))
        else:
            return self._apply_session_kind(kind, ctx)
        return True

    def _apply_session_kind(self, kind: EventKind, ctx: dict[str, Any]) -> bool:
        session = self.session
        if kind == EventKind.projectChanged:
            session.day_path = str(ctx.get("day") or session.day_path)
            session.session_id = str(ctx.get("sessionId") or "")
            session.trial_id = _int_or(ctx.get("trialId"), None)
        elif kind == EventKind.projectTrialChanged:
            session.trial_id = _int_or(ctx.get("trialId"), session.trial_id)
        elif kind == EventKind.sessionStarted:
            session.session_id, session.in_session = str(ctx.get("sessionId") or ""), True
        elif kind == EventKind.sessionEnded:
            session.in_session = session.in_trial = False
        elif kind == EventKind.trialStarted:
            session.trial_id, session.in_trial = _int_or(ctx.get("trialId"), session.trial_id), True
        elif kind == EventKind.trialEnded:
            session.in_trial, session.last_trial_result = False, str(ctx.get("result") or "")
        else:
            return False
        return True

    # --- status parts ----------------------------------------------------------------------------

    def _apply_project(self, project: Any) -> None:
        if isinstance(project, dict):
            self.session.day_path = str(project.get("dayPath") or "")
            self.session.session_id = str(project.get("sessionId") or "")
            self.session.trial_id = _int_or(project.get("trialId"), None)

    def _apply_toggles(self, status: dict[str, Any]) -> None:
        sources = [status.get("behavior"), status.get("pelletDevice")]
        for toggle in Toggle:
            for source in sources:
                if isinstance(source, dict) and isinstance(source.get(toggle.status_key), bool):
                    self.toggles[toggle] = source[toggle.status_key]

    def _apply_reach_counts(self, status: dict[str, Any]) -> None:
        behavior = status.get("behavior")
        reaches = behavior.get("reaches") if isinstance(behavior, dict) else None
        if isinstance(reaches, dict):
            for key in _REACH_KEYS:
                self.counters.set(key, reaches.get(key))
        day = (self.animal or {}).get("reachStatusDay")
        if isinstance(day, dict):
            for key in _REACH_KEYS:
                self.counters.set("day" + key[0].upper() + key[1:], day.get(key))


def _int_or(value: Any, default: int | None) -> int | None:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
