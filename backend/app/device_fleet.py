"""The base of a device family's fleet: every client of one family, driven by its settings.

A fleet outlives the bus connection: when the bus settings change, the runtime replaces
Switchboard's service and binds the same fleet to the new one, so devices stay connected.
A fleet offers its family's Calls on the service it is bound to and reports each device's
live status in one section of Switchboard's State (`State.Cameras`, `State.Chambers`…).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from backend.app.audit_log import AuditLog
from backend.app.event_log import EventLog
from backend.app.switchboard_service import SwitchboardService

log = logging.getLogger(__name__)


class DeviceFleet:
    family: ClassVar[str] = ""
    """The settings array this fleet is configured by ("cameras" for `[[cameras]]`)."""
    state_section: ClassVar[str] = ""
    """Where its live status is published in Switchboard's State ("Cameras")."""

    def __init__(self, events: EventLog, audit: AuditLog) -> None:
        self.events = events
        self.audit = audit
        self.entries: tuple[Any, ...] = ()
        self.service: SwitchboardService | None = None
        self._live_status: dict[str, Any] | None = None

    async def start(self, entries: Sequence[Any]) -> None:
        """Connect to every configured device (without waiting for any of them to answer)."""
        self.entries = tuple(entries)

    async def stop(self) -> None:
        """Disconnect from every device."""

    async def apply(self, entries: Sequence[Any]) -> None:
        """Adopt changed settings entries: by default, reconnect everything when they changed."""
        if tuple(entries) == self.entries:
            return
        log.info("%s settings changed; reconnecting", self.family.capitalize(), extra={"source": self.state_section})
        await self.stop()
        await self.start(entries)

    def bind(self, service: SwitchboardService) -> None:
        """Offer this family's Calls on `service` and publish live status through it.

        Subclasses add their Calls and call this too; a new service (new bus settings)
        gets the latest status at once.
        """
        self.service = service
        if self._live_status is not None:
            service.set_live(self.state_section, self._live_status)

    def unbind(self) -> None:
        self.service = None

    def publish_live(self, status: dict[str, Any]) -> None:
        """Put each device's status (keyed by device name) in `State.<state_section>`."""
        self._live_status = status
        if self.service is not None:
            self.service.set_live(self.state_section, status)
