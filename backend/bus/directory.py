"""Who is on the bus: services seen in traffic and listed by the Store's ConnectedClients.

The Store's list is the authority on who answers heartbeats; traffic fills in services
that do not (non-stateful tools, services on a bus without a Store) and shows when each
was last heard. Names split at the last `-` into machine and service (`protocols/bus.md` §3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from backend.bus.message import BROADCAST, BusMessage, MessageType
from backend.bus.naming import ServiceName
from backend.observable import Signal


@dataclass(slots=True)
class ServiceEntry:
    name: str
    machine: str | None
    role: str | None = None
    connected: bool | None = None
    """True/False as the Store's ConnectedClients says; None when there is no Store list."""
    last_seen: float | None = None
    messages: int = 0


class ServiceDirectory:
    """Services by name; `changed` fires at most once per batch."""

    def __init__(self) -> None:
        self.services: dict[str, ServiceEntry] = {}
        self.changed: Signal[[]] = Signal("directory.changed")
        self.has_store_list = False

    def _entry(self, name: str) -> ServiceEntry:
        entry = self.services.get(name)
        if entry is None:
            parsed = ServiceName.parse(name)
            entry = self.services[name] = ServiceEntry(name=name, machine=parsed.machine)
            if self.has_store_list:
                entry.connected = False
        return entry

    def observe(self, batch: list[BusMessage]) -> None:
        """Learn from traffic: who sent what, and roles from Self and Startup."""
        if not batch:
            return
        for message in batch:
            source = message.sender
            if not source or source == BROADCAST:
                continue
            entry = self._entry(source)
            entry.last_seen = message.received
            entry.messages += 1
            if message.kind in (MessageType.SELF, MessageType.STARTUP):
                role = message.readable_body().get("Role")
                if isinstance(role, str):
                    entry.role = role
            if source == "Store" and message.kind == MessageType.UPDATE and message.name == "ConnectedClients":
                self._apply_store_list(message.readable_body().get("Value"))
            elif source == "Store" and entry.role is None:
                entry.role = "Store"
        self.changed.emit()

    def set_connected_clients(self, clients: Any) -> None:
        """Adopt the Store's ConnectedClients (`[{"Name","Role"}]`)."""
        self._apply_store_list(clients)
        self.changed.emit()

    def _apply_store_list(self, clients: Any) -> None:
        if not isinstance(clients, list):
            return
        self.has_store_list = True
        listed: set[str] = set()
        for item in clients:
            if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
                continue
            entry = self._entry(item["Name"])
            listed.add(entry.name)
            entry.connected = True
            if isinstance(item.get("Role"), str):
                entry.role = item["Role"]
        for name, entry in self.services.items():
            if name not in listed and name != "Store":
                entry.connected = False

    def sorted_entries(self) -> list[ServiceEntry]:
        return sorted(self.services.values(), key=lambda e: (e.machine or "", e.name))

    def is_quiet(self, entry: ServiceEntry, now: float | None = None, quiet_after: float = 10.0) -> bool:
        """No message from this service for `quiet_after` seconds."""
        now = time.time() if now is None else now
        return entry.last_seen is None or now - entry.last_seen > quiet_after
