"""Checks of single setting values: each returns why a value cannot be used, or None.

Shared by the `[bus]`/`[ui]` sections and the device entries, so a port or a host is
judged by the same rule wherever it appears in the settings file.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from backend.bus.naming import is_valid_machine_name

_HOST_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_TCP_ENDPOINT = re.compile(r"^tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\s]+):(?P<port>\d{1,5})$")
DEVICE_NAME_MAX = 64


def host(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a host name or an IP address"
    if value in ("*", "0.0.0.0", "localhost"):
        return None
    try:
        ipaddress.ip_address(value)
        return None
    except ValueError:
        pass
    return None if _HOST_NAME.match(value) else f"'{value}' is not a host name or an IP address"


def port(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return f"must be a whole number from 1 to 65535, not {value!r}"
    return None


def machine(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be text"
    if value and not is_valid_machine_name(value):
        return f"'{value}' may hold only letters, digits, '-', '_' and '.'"
    return None


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def one_of(choices: tuple[str, ...]):
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}, not {value!r}"

    return check


def device_name(value: Any) -> str | None:
    """A name an operator reads in the panels and a bus Call passes as `Rig`/`Chamber`/`Trainer`."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty name"
    if len(value) > DEVICE_NAME_MAX:
        return f"must be at most {DEVICE_NAME_MAX} characters"
    if value != value.strip() or any(ord(character) < 32 for character in value):
        return f"'{value}' must not start or end with spaces or hold control characters"
    return None


def zmq_tcp_endpoint(value: Any) -> str | None:
    """A ZeroMQ endpoint to connect to, `tcp://host:port`."""
    match = _TCP_ENDPOINT.match(value) if isinstance(value, str) else None
    if match is None:
        return f"must be an endpoint like tcp://127.0.0.1:54543, not {value!r}"
    return port(int(match["port"]))


def http_url(value: Any) -> str | None:
    """An http(s) address of a device, `http://host:port`."""
    if not isinstance(value, str):
        return f"must be an address like http://127.0.0.1:8080, not {value!r}"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"'{value}' is not a valid address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an address like http://127.0.0.1:8080, not {value!r}"
    return None
