"""What an operator does to other services, each world-changing act written to the audit log.

Panels call these instead of the service directly, so no Set, Call or raw message
leaves Switchboard on an operator's behalf without a line in the audit log saying who
did what to whom and how it ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.app.audit_log import AuditLog
from backend.bus.codec import MalformedMessage, decode
from backend.bus.errors import BusError, CallFailed
from backend.bus.message import MessageType
from backend.bus.service import CALL_TIMEOUT_S, GET_TIMEOUT_S, BusService, SetOutcome

READ_ONLY_TYPES = {MessageType.GET, MessageType.IDENTIFY, MessageType.SELF, MessageType.LOG, MessageType.UPDATE}


class OperatorActions:
    """Get, Set, Reset, Call and raw sends on behalf of the operator, audited."""

    def __init__(self, service: BusService, audit: AuditLog) -> None:
        self.service = service
        self.audit = audit

    async def get(self, target: str, name: str, timeout: float = GET_TIMEOUT_S) -> Any:
        """Read a value (not audited: reading changes nothing)."""
        return await self.service.get(target, name, timeout)

    async def set(self, target: str, name: str, value: Any) -> SetOutcome:
        outcome = await self.service.set(target, name, value)
        if not outcome.confirmed:
            result: Any = "not confirmed"
        elif outcome.accepted:
            result = {"kept": outcome.kept}
        else:
            result = {"refused": True, "kept": outcome.kept}
        await self.audit.record(target, "Set", {"Name": name, "Value": value}, result)
        return outcome

    async def reset(self, target: str) -> None:
        self.service.reset(target)
        await self.audit.record(target, "Reset", {}, "sent")

    async def call(self, target: str, method: str, params: Any = None, timeout: float = CALL_TIMEOUT_S) -> Any:
        try:
            result = await self.service.call(target, method, params, timeout)
        except CallFailed as failure:
            await self.audit.record(target, f"Call {method}", params, {"Failure": failure.failure})
            raise
        except BusError as error:
            await self.audit.record(target, f"Call {method}", params, {"Error": str(error)})
            raise
        await self.audit.record(target, f"Call {method}", params, {"Result": result})
        return result

    async def send_raw(self, frames: Sequence[bytes]) -> bool:
        """Publish frames exactly as given; audited unless they decode to a read-only type."""
        sent = self.service.connection.publish_frames(frames)
        try:
            message = decode(frames)
        except MalformedMessage as error:
            await self.audit.record("?", "Send raw", [f.decode("utf-8", "replace") for f in frames], {"Malformed": str(error), "Sent": sent})
            return sent
        if message.kind not in READ_ONLY_TYPES:
            await self.audit.record(message.target or "?", f"Send {message.type}", {"Topic": message.topic, "Message": message.body}, "sent" if sent else "dropped")
        return sent
