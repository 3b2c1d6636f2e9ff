"""The simulated rig behind either transport: its state and its command handler (`trainer.md` §4, §9).

The handler follows the 0.12.0 contract of `ApiCommand` line by line: modes and toggles
answer with what is in effect, the stop is idempotent and always publishes, a resume
when not stopped fails quietly, GET_* never publish, 50/55 are unrecognised. Events are
handed to `publish(kind, context)` with snake_case keys, exactly what an application
passes to the package; the transport camelises them.

The package runs the handler on its own thread while the rig's spontaneous activity runs
on the asyncio loop, so every change happens under one lock.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.trainer.event_kinds import EventKind
from backend.trainer.wire_enums import (
    AlarmKind,
    ApplicationMode,
    Command,
    DetectorKind,
    EmergencyResumeReason,
    EmergencyStopReason,
    RequestResult,
    Toggle,
    TrainingMode,
)

Publish = Callable[[int, Any], None]
"""publish(kind, context): put one event on the wire (EVENT, and EMERGENCY too for 101/102)."""
PublishResult = Callable[[dict[str, Any]], None]
"""publish_result(response): put one COMMAND_RESULT on the wire."""
Schedule = Callable[[float, Callable[[], None]], None]

ECHO_COMMAND = 1
"""USER_DEFINED custom command the simulator knows: answers SUCCESS with the data it got."""
FAULTY_COMMAND = 13
"""USER_DEFINED custom command whose handler raises, to show the EXCEPTION reply."""

STOP_CONDITION_ALARMS = {AlarmKind.externalDoors, AlarmKind.animalMissing, AlarmKind.thrashing,
                         AlarmKind.deviceCommunication, AlarmKind.systemFault}
AUTO_RESUME_ALARMS = {AlarmKind.externalDoors, AlarmKind.thrashing}
DEFAULT_TOGGLES = {Toggle.LIVE_ANALYSIS: True, Toggle.PELLET_DELIVERY: True, Toggle.PELLET_COVER: True}
BEHAVIOR_TOGGLES = [t for t in Toggle if t not in (Toggle.HOME_ON_EXCESSIVE_DRIFT, Toggle.TUNNEL_SWEEP)]


@dataclass
class Reply:
    """What the handler answers, before the transport adds nonce, command and errorKind."""

    result: int
    data: Any = None
    error_code: int = 0
    error_message: str | None = None


@dataclass
class RigOptions:
    version: str = "0.12.0"
    async_commands: frozenset[int] = frozenset({Command.SET_APPLICATION_MODE})
    """Commands answered PENDING_WITH_NOTIFICATION, their result published on 6001 after `async_delay`."""
    async_delay: float = 0.3
    user_button_rule: bool = True
    """A stop from the user button is not resumed by an RPC resume (Mouse-GYM/auto-trainer)."""
    identifier: str = "autotrainer-device"


@dataclass
class Animal:
    identifier: str
    name: str
    reaches: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("pellets_presented", "pellets_consumed", "reaches", "successful_reaches"), 0))

    def status(self) -> dict[str, Any]:
        return {"identifier": self.identifier, "name": self.name, "dcs_send_x": 1.5, "dcs_send_y": 2.0, "dcs_send_z": 0.5,
                "target_y_limit": None, "reach_status_total": dict(self.reaches), "reach_status_day": dict(self.reaches)}


class TrainerRig:
    """State and rules of one simulated auto-trainer application."""

    def __init__(self, options: RigOptions, publish: Publish, publish_result: PublishResult, schedule: Schedule) -> None:
        self.options = options
        self._publish = publish
        self._publish_result = publish_result
        self._schedule = schedule
        self.lock = threading.RLock()
        self.application_mode = ApplicationMode.IDLE
        self.training_mode = TrainingMode.MANUAL
        self.stopped = False
        self.stop_reason = EmergencyStopReason.unknown
        self.alarms = {kind: {"is_active": False, "is_enabled": True, "is_auto_resume_enabled": kind in AUTO_RESUME_ALARMS,
                              "is_stop_condition": kind in STOP_CONDITION_ALARMS} for kind in AlarmKind}
        self.detectors = {kind: {"is_active": False, "is_enabled": True} for kind in DetectorKind}
        self.toggles = {toggle: DEFAULT_TOGGLES.get(toggle, False) for toggle in Toggle}
        self.animals = [Animal("m-0421", "mouse-0421"), Animal("m-0422", "mouse-0422")]
        self.selected_animal: Animal | None = self.animals[0]
        self.session_id = ""
        self.trial_id = 0
        self.day_path = "/data/autotrainer/2026-11-21"
        self.handled: list[int] = []
        """Every command the handler saw, in order: what the tests and the benchmark look at."""
        self.on_command: Callable[[int], None] | None = None
        """Called first thing in the handler (the benchmark stamps the moment here)."""

    # --- the command handler -------------------------------------------------------------------

    def handle(self, command: int, data: Any, nonce: int, custom_command: int = -1) -> Reply:
        """Answer one request as the 0.12 contract says; may schedule a COMMAND_RESULT."""
        if self.on_command is not None:
            self.on_command(command)
        with self.lock:
            self.handled.append(command)
            if command in self.options.async_commands and command in _MAY_ANSWER_LATER:
                self._schedule(self.options.async_delay, lambda: self._finish_later(command, data, nonce))
                return Reply(RequestResult.PENDING_WITH_NOTIFICATION)
            return self._handle_now(command, data, custom_command)

    def _finish_later(self, command: int, data: Any, nonce: int) -> None:
        with self.lock:
            reply = self._handle_now(command, data, -1)
        self._publish_result({"result": reply.result, "data": reply.data, "error_code": reply.error_code,
                              "error_message": reply.error_message, "command": command, "nonce": nonce})

    def _handle_now(self, command: int, data: Any, custom_command: int) -> Reply:
        if command == Command.NONE:
            return Reply(RequestResult.SUCCESS)
        if command == Command.SET_APPLICATION_MODE:
            return self._set_application_mode(data)
        if command == Command.SET_TRAINING_MODE:
            return self._set_training_mode(data)
        if command == Command.EMERGENCY_STOP:
            self.emergency_stop(EmergencyStopReason.rpc_service)
            return Reply(RequestResult.SUCCESS)
        if command == Command.EMERGENCY_RESUME:
            return self._resume_by_rpc()
        if command == Command.GET_CONFIGURATION:
            return Reply(RequestResult.SUCCESS, self.configuration())
        if command == Command.GET_STATUS:
            return Reply(RequestResult.SUCCESS, self.status())
        if command == Command.GET_ANIMALS:
            return Reply(RequestResult.SUCCESS, [animal.status() for animal in self.animals])
        if command in Toggle._value2member_map_:
            return self._set_toggle(Toggle(command), data)
        if command == Command.USER_DEFINED:
            return self._user_defined(custom_command, data)
        return Reply(RequestResult.UNRECOGNIZED)

    def _set_application_mode(self, data: Any) -> Reply:
        mode = data.get("mode") if isinstance(data, dict) else None
        if not _is_int(mode) or mode not in ApplicationMode._value2member_map_:
            return Reply(RequestResult.FAILED, {"mode": self.application_mode}, 1, f"{mode!r} is not an application mode")
        if mode == ApplicationMode.CALIBRATION_3D or (self.stopped and mode != ApplicationMode.IDLE):
            why = "stopped: only IDLE is allowed" if self.stopped else "no 3D calibration target is fitted"
            return Reply(RequestResult.UNAVAILABLE, {"mode": self.application_mode}, 2, why)
        if mode != self.application_mode:
            self.application_mode = ApplicationMode(mode)
            self._publish(EventKind.applicationModeChanged, {"mode": self.application_mode})
        return Reply(RequestResult.SUCCESS, {"mode": self.application_mode})

    def _set_training_mode(self, data: Any) -> Reply:
        mode = data.get("mode") if isinstance(data, dict) else None
        if not _is_int(mode) or mode not in TrainingMode._value2member_map_:
            return Reply(RequestResult.FAILED, {"mode": self.training_mode}, 1, f"{mode!r} is not a training mode")
        if mode == TrainingMode.UNDEFINED:
            return Reply(RequestResult.UNAVAILABLE, {"mode": self.training_mode}, 2, "a training mode must be chosen")
        if mode != self.training_mode:
            self.training_mode = TrainingMode(mode)
            self._publish(EventKind.trainingModeChanged, {"mode": self.training_mode})
        return Reply(RequestResult.SUCCESS, {"mode": self.training_mode})

    def _set_toggle(self, toggle: Toggle, data: Any) -> Reply:
        enabled = data.get("enabled") if isinstance(data, dict) else None
        if not isinstance(enabled, bool):
            return Reply(RequestResult.FAILED, {"enabled": self.toggles[toggle]}, 1, "enabled must be true or false")
        if self.application_mode in (ApplicationMode.CALIBRATION_DCS, ApplicationMode.CALIBRATION_3D):
            return Reply(RequestResult.UNAVAILABLE, {"enabled": self.toggles[toggle]}, 2, "not during calibration")
        if enabled != self.toggles[toggle]:
            self.toggles[toggle] = enabled
            if toggle == Toggle.AUTO_CLAMP:
                self._publish(EventKind.autoClampEnabledChanged, {"is_enabled": enabled})
        return Reply(RequestResult.SUCCESS, {"enabled": enabled})

    def _user_defined(self, custom_command: int, data: Any) -> Reply:
        if custom_command == ECHO_COMMAND:
            return Reply(RequestResult.SUCCESS, {"echo": data})
        if custom_command == FAULTY_COMMAND:
            raise RuntimeError("custom command 13 always fails on the simulator")
        return Reply(RequestResult.UNRECOGNIZED)

    def _resume_by_rpc(self) -> Reply:
        if not self.stopped:
            return Reply(RequestResult.FAILED, None, 1, "not stopped")
        if self.options.user_button_rule and self.stop_reason == EmergencyStopReason.user_button:
            return Reply(RequestResult.FAILED, None, 3, "stopped by the user button: resume on the rig")
        self.emergency_resume(EmergencyResumeReason.rpc_service)
        return Reply(RequestResult.SUCCESS)

    # --- what happens on the rig ---------------------------------------------------------------

    def emergency_stop(self, reason: EmergencyStopReason) -> None:
        """Stop (again); a repeat still publishes, with the alarms active at that moment.

        A repeat never weakens the stop in effect: a user-button stop stays one (only the rig
        resumes it), and an alarm stop on a rig someone stopped on purpose is not auto-resumed.
        """
        with self.lock:
            if not self.stopped or _STOP_STRENGTH.get(reason, 1) >= _STOP_STRENGTH.get(self.stop_reason, 1):
                self.stop_reason = reason
            self.stopped = True
            self._publish(EventKind.emergencyStop, {"reason": reason.name, "reason_code": reason,
                                                    "active_alarms": self._active_enabled_alarms()})

    def emergency_resume(self, reason: EmergencyResumeReason, resumed: list[AlarmKind] | None = None) -> None:
        with self.lock:
            self.stopped = False
            self.stop_reason = EmergencyStopReason.unknown
            self._publish(EventKind.emergencyResume, {"reason": reason.name, "reason_code": reason,
                                                      "resumed_alarms": list(resumed or [])})

    def set_alarm(self, kind: AlarmKind, active: bool) -> None:
        """An alarm comes or goes; a stop condition stops the rig, and its clearing may auto-resume it."""
        with self.lock:
            alarm = self.alarms[kind]
            if alarm["is_active"] == active:
                return
            alarm["is_active"] = active
            self._publish(EventKind.alarmChanged, {"alarm_id": kind, **alarm})
            if active and alarm["is_enabled"] and alarm["is_stop_condition"]:
                self.emergency_stop(EmergencyStopReason.alarm_monitor)
            elif not active and self._may_auto_resume(kind):
                self.emergency_resume(EmergencyResumeReason.alarm_monitor_resume, [kind])

    def _may_auto_resume(self, kind: AlarmKind) -> bool:
        still = [k for k, a in self.alarms.items() if a["is_active"] and a["is_enabled"] and a["is_stop_condition"]]
        return (self.stopped and self.stop_reason == EmergencyStopReason.alarm_monitor
                and self.alarms[kind]["is_auto_resume_enabled"] and not still)

    def set_detector(self, kind: DetectorKind, active: bool) -> None:
        with self.lock:
            detector = self.detectors[kind]
            if detector["is_active"] != active:
                detector["is_active"] = active
                self._publish(EventKind.detectorChanged, {"detector_id": kind, **detector})

    def publish(self, kind: int, context: Any = None) -> None:
        """Publish an event the rig's activity produced (sessions, trials, counts)."""
        self._publish(kind, context)

    def publish_status(self) -> None:
        with self.lock:
            self._publish(EventKind.systemStatus, self.status())

    def _active_enabled_alarms(self) -> list[AlarmKind]:
        return [kind for kind, alarm in self.alarms.items() if alarm["is_active"] and alarm["is_enabled"]]

    # --- payloads --------------------------------------------------------------------------------

    def configuration(self) -> dict[str, Any]:
        return {"application_version": "sim-2.4.0", "device_id": self.options.identifier,
                "configuration_location": "/etc/autotrainer", "data_location": "/data/autotrainer",
                "animal_location": "/data/animals", "log_location": "/var/log/autotrainer", "inference_model": "reach-v7"}

    def status(self) -> dict[str, Any]:
        with self.lock:
            reaches = self.selected_animal.reaches if self.selected_animal else dict.fromkeys(
                ("pellets_presented", "pellets_consumed", "reaches", "successful_reaches"), 0)
            behavior = {"baseline_magnet_intensity": 0.42, "reaches": dict(reaches)}
            behavior.update({f"is_{t.name.lower()}_enabled": self.toggles[t] for t in BEHAVIOR_TOGGLES})
            return {
                "application_mode": self.application_mode,
                "training_mode": self.training_mode,
                "animal": self.selected_animal.status() if self.selected_animal else None,
                "project": {"day_path": self.day_path, "trial_id": self.trial_id, "session_id": self.session_id},
                "alarms": [{"alarm_id": kind, **alarm} for kind, alarm in self.alarms.items()],
                "detectors": [{"detector_id": kind, **detector} for kind, detector in self.detectors.items()],
                "pellet_device": {"dcs_send_x": 1.5, "dcs_send_y": 2.0, "dcs_send_z": 0.5, "dcs_x": 1.5, "dcs_y": 2.0,
                                  "dcs_z": 0.5, "load_arm": 0.0, "barrier_arm": 0.0, "is_barrier_arm_active": False,
                                  "is_home_on_excessive_drift_enabled": self.toggles[Toggle.HOME_ON_EXCESSIVE_DRIFT],
                                  "is_tunnel_sweep_enabled": self.toggles[Toggle.TUNNEL_SWEEP]},
                "tunnel_device": {"magnet_intensity": 0.4, "is_gate_open": True, "is_fan_on": False},
                "behavior": behavior,
            }

    def new_session_id(self) -> str:
        return str(uuid.uuid4())


_SETTERS = {Command.SET_APPLICATION_MODE, Command.SET_TRAINING_MODE, *(t.value for t in Toggle)}
_MAY_ANSWER_LATER = _SETTERS | {Command.EMERGENCY_STOP}
"""EMERGENCY_STOP only by fault: the contract answers it at once, but a test needs a device that does not."""
_STOP_STRENGTH = {EmergencyStopReason.alarm_monitor: 0, EmergencyStopReason.user_button: 2}
"""Which source a repeated stop keeps (others: 1): the alarm monitor resumes only its own stops."""


def _is_int(value: Any) -> bool:
    """A mode is an integer; anything else (a list, a text, true) is an invalid mode, not a crash."""
    return isinstance(value, int) and not isinstance(value, bool)
