"""Switchboard as a service on the bus: `<machine>-Switchboard`, role `Switchboard`.

Its State holds what a show should switch (panel preferences, a note for the show; the
device issues add their device lists), checked against a schema so a bad Set from any
service is refused with the reason. Its Calls let any service on the bus ask how the
floor is doing and, as device clients are added, operate it through Switchboard.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

from backend.app.event_log import EventLog
from backend.bus import state_schema, value_paths
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import BusError, CallRefused
from backend.bus.message import LogLevel, MessageType
from backend.bus.naming import numbered, service_name
from backend.bus.service import STORE, BusService, subscription_prefix
from backend.bus.state_schema import Schema, Setting, one_of, text, whole_number
from backend.version import VERSION

log = logging.getLogger(__name__)

ROLE = "Switchboard"
LIVE_PERIOD_S = 0.25
"""Live device status is published at most this often per section (last value wins)."""
LEVELS = [level.value for level in LogLevel]

STATE_SCHEMA: Schema = {
    "Notes": Setting("", text(2000), "A note for whoever runs this show"),
    "Panels": {
        "Bus": {
            "HistoryLimit": Setting(20_000, whole_number(1_000, 1_000_000), "Messages the traffic list keeps"),
        },
        "EventLog": {
            "MinimumLevel": Setting("Info", one_of(LEVELS), "Least serious event the log shows"),
        },
    },
}


class SwitchboardService(BusService):
    """Switchboard's own service: State with a schema, status Calls, bus Logs into the event log."""

    def __init__(self, machine: str, endpoints: HubEndpoints, events: EventLog, **options: Any) -> None:
        super().__init__(
            service_name(machine, ROLE),
            ROLE,
            endpoints,
            default_state=state_schema.defaults(STATE_SCHEMA),
            extra_subscriptions=(subscription_prefix(MessageType.LOG),),
            **options,
        )
        self.machine = machine
        self.events = events
        self.current_show: str | None = None
        self.started_at = time.time()
        self.non_state["Version"] = lambda: VERSION
        self.non_state["Status"] = self.status
        self.methods.add("GetStatus", self.status, summary="Switchboard's version, hub link, Store link and show.")
        self.methods.add("ShowNotice", self.show_notice, summary="Put a message in the operator's event log.")
        self.bus_log.connect(self._log_to_events)
        self.watch(STORE, "CurrentShow", self._on_current_show)
        self._live: dict[str, Any] = {}
        self._live_published_at: dict[str, float] = {}
        self._live_timers: dict[str, asyncio.TimerHandle] = {}
        self.state_changed.connect(self._keep_live_sections)

    async def stop(self) -> None:
        for timer in self._live_timers.values():
            timer.cancel()
        self._live_timers.clear()
        await super().stop()

    # ----------------------------------------------------------------- live device status

    def set_live(self, section: str, value: Any) -> None:
        """Report devices' live status at `State.<section>`, at most every LIVE_PERIOD_S.

        Live sections belong to the devices, not to the show: other services cannot Set
        them, and a State handed back by the Store (or a Reset) never replaces them.
        """
        self._live[section] = value
        if section in self._live_timers:
            return  # a publish is already due; it takes the newest value
        wait = self._live_published_at.get(section, -math.inf) + LIVE_PERIOD_S - time.monotonic()
        if wait <= 0:
            self._publish_live(section)
        else:
            self._live_timers[section] = asyncio.get_running_loop().call_later(wait, self._publish_live, section)

    def live(self, section: str) -> Any:
        """The latest live status reported for `section` (published or still due)."""
        return self._live.get(section)

    def _publish_live(self, section: str) -> None:
        self._live_timers.pop(section, None)
        self._live_published_at[section] = time.monotonic()
        try:
            self.update_state(f"State.{section}", self._live[section])
        except ValueError as error:
            log.error("Live status of %s cannot be published: %s", section, error, extra={"source": "Bus"})

    def _keep_live_sections(self, path: str) -> None:
        if path == "State":  # replaced whole (the Store's State, a Reset): the devices' status stays
            for section, value in self._live.items():
                self.state[section] = value_paths.deep_copy(value)

    def refuse_set(self, name: str, value: Any) -> str | None:
        refusal = super().refuse_set(name, value)
        if refusal is not None:
            return refusal
        section = name.removeprefix("State").lstrip(".").split(".", 1)[0]
        if section in self._live:
            return f"State.{section} is the devices' live status, reported by Switchboard; it cannot be set"
        return state_schema.refusal(STATE_SCHEMA, name.removeprefix("State").lstrip("."), value)

    def adopt_state(self, stored: dict[str, Any]) -> dict[str, Any]:
        problems: list[str] = []
        adopted = state_schema.adopt(STATE_SCHEMA, stored, problems)
        for problem in problems:
            log.warning("Stored State: %s", problem, extra={"source": "Bus"})
        return adopted

    async def before_first_startup(self) -> None:
        """Take `Switchboard2`, `Switchboard3`… if another instance already has the name (§3)."""
        if self.last_identify is None:
            return
        try:
            clients = await self.get(STORE, "ConnectedClients", timeout=1.0)
        except BusError:
            return
        taken = {entry.get("Name") for entry in clients if isinstance(entry, dict)} if isinstance(clients, list) else set()
        attempt = 1
        while service_name(self.machine, numbered(ROLE, attempt)) in taken:
            attempt += 1
        if attempt > 1:
            await self.rename(service_name(self.machine, numbered(ROLE, attempt)))

    def status(self) -> dict[str, Any]:
        endpoints = self.connection.endpoints
        return {
            "Name": self.name,
            "Role": self.role,
            "Version": VERSION,
            "Machine": self.machine,
            "Hub": {
                "Host": endpoints.connect_host,
                "PubPort": endpoints.pub_port,
                "SubPort": endpoints.sub_port,
                "Linked": self.hub_linked,
            },
            "Store": self.store_link.value,
            "CurrentShow": self.current_show,
            "UptimeS": round(time.time() - self.started_at, 1),
        }

    def show_notice(self, Message: str, Level: str = "Info", From: str | None = None) -> None:
        """Put `Message` in the operator's event log, attributed to `From` (or "Bus")."""
        if not isinstance(Message, str) or not Message.strip():
            raise CallRefused("Message must be non-empty text")
        if Level not in LEVELS:
            raise CallRefused(f"Level must be one of {', '.join(LEVELS)}")
        self.events.add(LogLevel(Level), From or "Bus", Message)

    def _log_to_events(self, message: Any) -> None:
        body = message.body
        level = LogLevel.of_log(body)
        text_ = str(body.get("Message", ""))
        code = body.get("Code")
        if code:
            text_ = f"{text_} [{code}]"
        self.events.add(level, message.source or "Bus", text_, message.received)

    def _on_current_show(self, value: Any) -> None:
        self.current_show = value if isinstance(value, str) else None
        self.status_changed.emit()
