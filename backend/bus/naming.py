"""Service names on the bus (`protocols/bus.md` §3).

Per-machine services are `<MachineName>-<ServiceName>`; singletons have a bare name.
Host names may contain `-`, so a name splits at its *last* `-`.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

_MACHINE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def machine_name_from_host(host_name: str | None = None) -> str:
    """This computer's name as the bus spells it: letters, digits, `-`, `_` and `.` only."""
    raw = host_name if host_name is not None else socket.gethostname()
    cleaned = _MACHINE_CHARS.sub("", raw)
    return cleaned or "localhost"


def is_valid_machine_name(name: str) -> bool:
    return bool(name) and not _MACHINE_CHARS.search(name)


def service_name(machine: str, service: str) -> str:
    return f"{machine}-{service}"


@dataclass(frozen=True, slots=True)
class ServiceName:
    """A service name split into the machine it runs on and the service itself."""

    full: str
    machine: str | None
    service: str

    @classmethod
    def parse(cls, full: str) -> ServiceName:
        machine, dash, service = full.rpartition("-")
        if not dash or not machine or not service:
            return cls(full=full, machine=None, service=full)
        return cls(full=full, machine=machine, service=service)


def numbered(base_service: str, attempt: int) -> str:
    """`Switchboard`, `Switchboard2`, `Switchboard3`…: the name of the n-th instance."""
    return base_service if attempt <= 1 else f"{base_service}{attempt}"
