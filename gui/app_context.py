"""What a panel may use: the runtime (bus service, monitor, directory), audited actions, logs."""

from __future__ import annotations

from dataclasses import dataclass

from backend.app.audit_log import AuditLog
from backend.app.event_log import EventLog
from backend.app.operator_actions import OperatorActions
from backend.app.runtime import SwitchboardRuntime
from backend.app.switchboard_service import SwitchboardService


@dataclass(frozen=True, slots=True)
class AppContext:
    runtime: SwitchboardRuntime
    actions: OperatorActions
    events: EventLog
    audit: AuditLog

    @property
    def service(self) -> SwitchboardService:
        assert self.runtime.service is not None, "panels are attached after the runtime starts"
        return self.runtime.service
