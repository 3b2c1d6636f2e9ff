"""Every configured trainer, its Calls on the bus and its status in `State.Trainers`.

The fleet is the one place where trainer actions are taken on an operator's behalf —
from the panel, the toolbar's EMERGENCY STOP or a bus Call — so it is also the one place
where they are written to the audit log. An emergency stop goes to every trainer at once
(concurrently, each on its own e-stop connection); what the audit log and the caller get
back is what each trainer answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from backend.app.audit_log import AuditLog
from backend.app.device_fleet import DeviceFleet
from backend.app.device_settings import TrainerSettings
from backend.app.event_log import EventLog
from backend.app.switchboard_service import SwitchboardService
from backend.bus.errors import CallRefused
from backend.observable import Signal
from backend.trainer.client_timing import ClientTiming
from backend.trainer.command_outcome import CommandOutcome
from backend.trainer.trainer_client import TrainerClient
from backend.trainer.wire_enums import ApplicationMode, Command, Toggle, TrainingMode

log = logging.getLogger(__name__)
LOG_SOURCE = {"source": "Trainer"}


class TrainerFleet(DeviceFleet):
    family = "trainers"
    state_section = "Trainers"
    timing = ClientTiming()
    """The clients' clock; tests shorten it."""

    def __init__(self, events: EventLog, audit: AuditLog) -> None:
        super().__init__(events, audit)
        self.clients: dict[str, TrainerClient] = {}
        self.clients_changed: Signal[[]] = Signal("trainers.clients_changed")

    # --- life cycle ------------------------------------------------------------------------------

    async def start(self, entries: Sequence[TrainerSettings]) -> None:
        await super().start(entries)
        for entry in entries:
            client = TrainerClient(entry.name, entry.host, entry.pub_port, entry.rep_port, timing=self.timing)
            await client.start()
            client.model.changed.connect(self._publish_status)
            self.clients[entry.name] = client
        self._publish_status()
        self.clients_changed.emit()

    async def stop(self) -> None:
        clients, self.clients = self.clients, {}
        for client in clients.values():
            client.model.changed.disconnect(self._publish_status)
            await client.stop()
        self.clients_changed.emit()

    def bind(self, service: SwitchboardService) -> None:
        super().bind(service)
        methods = service.methods
        methods.add("EmergencyStop", self._call_emergency_stop, changes_world=True,
                    summary="Stop one trainer (Trainer) or every trainer (no parameters) at once.")
        methods.add("EmergencyResume", self._call_emergency_resume, changes_world=True,
                    summary="Resume a stopped trainer (Trainer).")
        methods.add("SetApplicationMode", self._call_set_application_mode, changes_world=True,
                    summary="Set a trainer's application mode (Trainer, Mode: IDLE, RUNNING, IN_DEVICE, IN_TRAINING…).")
        methods.add("SetTrainingMode", self._call_set_training_mode, changes_world=True,
                    summary="Set a trainer's training mode (Trainer, Mode: MANUAL, MANUAL_WITH_PROTOCOL, AUTOMATIC).")

    def _publish_status(self) -> None:
        self.publish_live({name: client.model.summary() for name, client in self.clients.items()})

    # --- actions, audited ------------------------------------------------------------------------

    async def emergency_stop(self, names: Sequence[str] | None = None, *, origin: str) -> list[CommandOutcome]:
        """Stop the named trainers (all when None) at once; each outcome is what that trainer answered."""
        return await self.begin_emergency_stop(names, origin=origin)

    def begin_emergency_stop(self, names: Sequence[str] | None = None, *, origin: str) -> asyncio.Task[list[CommandOutcome]]:
        """Send every stop before returning (see `TrainerClient.begin_emergency_stop`); the task
        collects what each trainer answered and writes the audit log."""
        clients = [self.client(name) for name in names] if names is not None else list(self.clients.values())
        stops = [(client, client.begin_emergency_stop()) for client in clients]
        log.warning("Emergency stop (%s): %s", origin, ", ".join(c.name for c in clients) or "no trainers", extra=LOG_SOURCE)
        return asyncio.get_running_loop().create_task(self._collect_stops(stops, origin), name="trainers-emergency-stop")

    async def _collect_stops(self, stops: list[tuple[TrainerClient, asyncio.Task[CommandOutcome] | None]], origin: str) -> list[CommandOutcome]:
        outcomes = []
        for client, task in stops:
            if task is None:
                outcomes.append(CommandOutcome(client.name, Command.EMERGENCY_STOP, problem="was not sent: the trainer connection is closed"))
            else:
                outcomes.append(await asyncio.shield(task))
        for outcome in outcomes:
            await self._audit(outcome, "EmergencyStop", {"Origin": origin})
        return outcomes

    async def emergency_resume(self, name: str, *, reason: str, origin: str) -> CommandOutcome:
        outcome = await self.client(name).emergency_resume()
        await self._audit(outcome, "EmergencyResume", {"Reason": reason, "Origin": origin})
        return outcome

    async def set_application_mode(self, name: str, mode: ApplicationMode, *, origin: str) -> CommandOutcome:
        outcome = await self.client(name).set_application_mode(mode)
        await self._audit(outcome, "SetApplicationMode", {"Mode": mode.name, "Origin": origin})
        return outcome

    async def set_training_mode(self, name: str, mode: TrainingMode, *, origin: str) -> CommandOutcome:
        outcome = await self.client(name).set_training_mode(mode)
        await self._audit(outcome, "SetTrainingMode", {"Mode": mode.name, "Origin": origin})
        return outcome

    async def set_toggle(self, name: str, toggle: Toggle, enabled: bool, *, origin: str) -> CommandOutcome:
        outcome = await self.client(name).set_toggle(toggle, enabled)
        await self._audit(outcome, f"Set{toggle.name.title().replace('_', '')}Enabled", {"Enabled": enabled, "Origin": origin})
        return outcome

    async def user_command(self, name: str, custom_command: int, data: Any, *, origin: str) -> CommandOutcome:
        outcome = await self.client(name).user_command(custom_command, data)
        await self._audit(outcome, "UserDefinedCommand", {"CustomCommand": custom_command, "Data": data, "Origin": origin})
        return outcome

    def client(self, name: str) -> TrainerClient:
        try:
            return self.clients[name]
        except (KeyError, TypeError):  # TypeError: a Call's Trainer that is a list or an object
            known = ", ".join(sorted(self.clients)) or "none"
            raise CallRefused(f"No trainer named {name!r}; configured trainers: {known}") from None

    async def _audit(self, outcome: CommandOutcome, action: str, params: dict[str, Any]) -> None:
        await self.audit.record(f"Trainer {outcome.trainer}", action, params, outcome.sentence)

    # --- bus Calls -------------------------------------------------------------------------------

    async def _call_emergency_stop(self, Trainer: str | None = None) -> dict[str, Any]:  # noqa: N803 (wire name)
        if Trainer is None and not self.clients:
            # A caller relying on the stop must not read "done" when nothing could be stopped.
            raise CallRefused("No trainer is configured, so nothing was stopped")
        outcomes = await self.emergency_stop(None if Trainer is None else [Trainer], origin="bus Call")
        return _answer(outcomes)

    async def _call_emergency_resume(self, Trainer: str) -> dict[str, Any]:  # noqa: N803
        return _answer([await self.emergency_resume(Trainer, reason="bus Call", origin="bus Call")])

    async def _call_set_application_mode(self, Trainer: str, Mode: str | int) -> dict[str, Any]:  # noqa: N803
        mode = _mode(ApplicationMode, Mode)
        return _answer([await self.set_application_mode(Trainer, mode, origin="bus Call")])

    async def _call_set_training_mode(self, Trainer: str, Mode: str | int) -> dict[str, Any]:  # noqa: N803
        mode = _mode(TrainingMode, Mode)
        return _answer([await self.set_training_mode(Trainer, mode, origin="bus Call")])


class TrainerCommandFailed(RuntimeError):
    """A Call whose trainer(s) did not do what was asked; the text is each trainer's sentence."""


def _answer(outcomes: list[CommandOutcome]) -> dict[str, Any]:
    failed = [outcome.sentence for outcome in outcomes if not outcome.ok]
    if failed:
        raise TrainerCommandFailed("; ".join(failed))
    return {outcome.trainer: outcome.sentence for outcome in outcomes}


def _mode(enum: type[IntEnum], value: str | int) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value in enum._value2member_map_:
        return enum(value)
    if isinstance(value, str) and value.upper() in enum.__members__:
        return enum[value.upper()]
    names = ", ".join(enum.__members__)
    raise CallRefused(f"Mode {value!r} is not a {enum.__name__}; one of: {names}")
