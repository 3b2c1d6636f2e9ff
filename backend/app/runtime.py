"""Everything Switchboard runs, with or without a window: hub if needed, its service, the tap.

The desktop app and `switchboard serve` build the same runtime, so the floor is
operated the same way over the bus whether or not anyone looks at the screen.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.app.audit_log import AuditLog
from backend.app.device_fleet import DeviceFleet
from backend.app.event_log import EventLog
from backend.app.fleets import FLEET_TYPES
from backend.app.settings import Settings
from backend.app.switchboard_service import SwitchboardService
from backend.bus import value_paths
from backend.bus.directory import ServiceDirectory
from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub, HubBindError
from backend.bus.hub_probe import hub_answers
from backend.bus.monitor import BusMonitor
from backend.bus.service import STORE
from backend.observable import Signal

log = logging.getLogger(__name__)


async def ensure_hub(endpoints: HubEndpoints, start_hub: bool) -> Hub | None:
    """Start an embedded hub when none answers at `endpoints` and the settings allow it."""
    if await hub_answers(endpoints):
        log.info("Using the hub already running at %s", endpoints, extra={"source": "Bus"})
        return None
    if not start_hub:
        log.warning("No hub answers at %s; waiting for one (start_hub is off)", endpoints, extra={"source": "Bus"})
        return None
    hub = Hub(endpoints)
    try:
        hub.start()
    except HubBindError as error:
        log.warning("%s; connecting anyway", error, extra={"source": "Bus"})
        return None
    log.info("Started a hub inside Switchboard on %s", hub.endpoints, extra={"source": "Bus"})
    return hub


class SwitchboardRuntime:
    """Owns the embedded hub, Switchboard's service, the traffic monitor and the device fleets.

    The fleets (one per device family) outlive a change of bus settings: the service is
    replaced and the same fleets are bound to the new one, so devices stay connected.
    """

    def __init__(
        self,
        settings: Settings,
        events: EventLog,
        audit: AuditLog,
        *,
        with_monitor: bool = True,
        service_options: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.events = events
        self.audit = audit
        self.with_monitor = with_monitor
        self.service_options = service_options or {}
        self.hub: Hub | None = None
        self.service: SwitchboardService | None = None
        self.monitor: BusMonitor | None = None
        self.directory = ServiceDirectory()
        self.fleets: dict[str, DeviceFleet] = {kind.family: kind(events, audit) for kind in FLEET_TYPES}
        self.restarted: Signal[[]] = Signal("runtime.restarted")
        """Emitted after the service and monitor were replaced (new bus settings)."""

    @property
    def endpoints(self) -> HubEndpoints:
        return self.settings.bus.endpoints

    async def start(self) -> None:
        """Join the bus, then connect every configured device."""
        await self._start_bus()
        self._bind_fleets()
        for fleet in self.fleets.values():
            await fleet.start(getattr(self.settings, fleet.family))

    async def stop(self) -> None:
        """Disconnect the devices, then leave the bus."""
        for fleet in self.fleets.values():
            fleet.unbind()
            await fleet.stop()
        await self._stop_bus()

    def _bind_fleets(self) -> None:
        assert self.service is not None
        for fleet in self.fleets.values():
            fleet.bind(self.service)

    async def _start_bus(self) -> None:
        self.hub = await ensure_hub(self.endpoints, self.settings.bus.start_hub)
        self.service = SwitchboardService(self.settings.bus.machine, self.endpoints, self.events, **self.service_options)
        self.service.state_changed.connect(self._on_state_changed)
        self.service.watch(STORE, "ConnectedClients", self._on_connected_clients)
        if self.with_monitor:
            self.monitor = BusMonitor(self.endpoints, history=self._history_limit())
            self.monitor.arrived.connect(self.directory.observe)
            await self.monitor.start()
        await self.service.start()

    async def _stop_bus(self) -> None:
        """Stop the embedded hub first, then Switchboard's own sockets.

        The other order can abort the process inside libzmq: terminating the hub's context
        while it is still tearing down a just-closed subscriber that had a backlog trips
        `Resource temporarily unavailable (src/session_base.cpp:233)` (seen under a flood;
        tests/backend/bus/test_connection_stall.py).
        """
        if self.hub is not None:
            self.hub.stop()
        self.hub = None
        if self.service is not None:
            await self.service.stop()
        if self.monitor is not None:
            await self.monitor.stop()

    async def apply_settings(self, settings: Settings) -> None:
        """Adopt new settings: reconnect to the bus only when the bus section changed, and
        let each fleet adopt its own entries."""
        bus_changed = settings.bus != self.settings.bus
        self.settings = settings
        for fleet in self.fleets.values():
            await fleet.apply(getattr(settings, fleet.family))
        if not bus_changed:
            return
        log.info("Bus settings changed; reconnecting to %s", settings.bus.endpoints, extra={"source": "Bus"})
        for fleet in self.fleets.values():
            fleet.unbind()
        await self._stop_bus()
        self.directory = ServiceDirectory()
        await self._start_bus()
        self._bind_fleets()
        self.restarted.emit()

    def _history_limit(self) -> int:
        if self.service is None:
            return 20_000
        return int(value_paths.get_at(self.service.state, "Panels.Bus.HistoryLimit"))

    def _on_state_changed(self, path: str) -> None:
        if self.monitor is not None and value_paths.is_within("State.Panels.Bus.HistoryLimit", path):
            self.monitor.resize(self._history_limit())

    def _on_connected_clients(self, clients: Any) -> None:
        if clients is not None:
            self.directory.set_connected_clients(clients)
