"""Runs what the operator asked of a rig and says how it ended, in the panel and the event log.

Every action of the Cameras panel goes through `run`: the rig request is awaited in the
background (the window never waits), a failure becomes one sentence naming the rig or
camera and what failed, shown under the table and logged for the event log dock; a
dangerous action is asked about first and written to the audit log with its result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from backend.app.audit_log import AuditLog
from backend.cameras.request_channel import RigError
from backend.cameras.rig_client import RigClient
from gui.dialogs import confirm
from gui.tasks import spawn

log = logging.getLogger(__name__)


class RigOperator(QObject):
    message = Signal(str, str)
    """(state, sentence): ok, warning or error, and what happened."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = parent
        self.client: RigClient | None = None
        self.audit: AuditLog | None = None

    def run(self, what: str, action: Callable[[RigClient], Awaitable[Any]], *, done: str | Callable[[Any], str] = "") -> None:
        """Start `action(client)` in the background; `what` says what failed ("Could not …")."""
        client = self.client
        if client is None:
            self.message.emit("warning", "No camera rig is configured (Settings → [[cameras]]).")
            return
        spawn(self._run(client, what, action, done), f"cameras-{what}")

    def run_dangerous(self, title: str, question: str, action_name: str, params: dict[str, Any], action: Callable[[RigClient], Awaitable[Any]]) -> None:
        """Ask first; if agreed, run and write the action and its result to the audit log."""
        client = self.client
        if client is None:
            self.message.emit("warning", "No camera rig is configured (Settings → [[cameras]]).")
            return
        spawn(self._run_dangerous(client, title, question, action_name, params, action), f"cameras-{action_name}")

    async def _run(self, client: RigClient, what: str, action: Callable[[RigClient], Awaitable[Any]], done: str | Callable[[Any], str]) -> Any:
        try:
            result = await action(client)
        except RigError as error:
            self.fail(f"Could not {what}: {error}")
            return None
        text = done(result) if callable(done) else done
        if text:
            self.message.emit("ok", text)
        return result

    async def _run_dangerous(
        self, client: RigClient, title: str, question: str, action_name: str, params: dict[str, Any], action: Callable[[RigClient], Awaitable[Any]]
    ) -> None:
        if not await confirm(self.window, title, question, action=title):
            self.message.emit("ok", f"{title}: cancelled")
            return
        try:
            await action(client)
        except RigError as error:
            self.fail(f"Could not {title.lower()}: {error}")
            await self._audit(client, action_name, params, {"Error": str(error)})
            return
        await self._audit(client, action_name, params, "done")
        self.message.emit("ok", f"Rig {client.name!r}: {title.lower()} done")

    async def _audit(self, client: RigClient, action: str, params: dict[str, Any], result: Any) -> None:
        if self.audit is not None:
            await self.audit.record(f"Rig {client.name}", action, params, result)

    def fail(self, sentence: str) -> None:
        log.warning("%s", sentence, extra={"source": "Cameras"})
        self.message.emit("error", sentence)
