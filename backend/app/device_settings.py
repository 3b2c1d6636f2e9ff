"""The devices in the settings file: `[[cameras]]`, `[[chambers]]` and `[[trainers]]` entries.

Several instances of a device family are just several entries (DESIGN.md). Each entry is
checked like every other setting: a problem names the family, the entry and the key, and
nothing is applied until every entry is usable. Entries are identified by `name`, which
must be unique within its family, because bus Calls (`Rig`, `Chamber`, `Trainer`) and the
panels select a device by it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from backend.app import setting_checks as check
from backend.chamber.event_names import override_problems
from backend.chamber.recipe import DURATION_MEANINGS, DURATION_UNITS
from backend.chamber.telemetry import CHANNEL_KEYS


@dataclass(frozen=True, slots=True)
class CameraRigSettings:
    """A Smart Shooter / CaptureGRID rig's External API (protocols/cameras.md)."""

    name: str
    events: str = "tcp://127.0.0.1:54543"
    requests: str = "tcp://127.0.0.1:54544"


@dataclass(frozen=True, slots=True)
class ChamberSettings:
    """An XO-VAC+ chamber's socket.io server (protocols/vacuum.md).

    `event_names` overrides entries of the reference's §6 name table for undocumented
    events; `limits[channel]` colours a read-out (`warning_low`, `warning_high`,
    `alarm_low`, `alarm_high`).
    """

    name: str
    url: str = "http://127.0.0.1:8080"
    event_names: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    telemetry_hz: float = 1.0
    """The chamber's telemetry rate (vacuum.md §6: 0.2–10 Hz): the history holds 24 h at this rate."""
    recipe_duration_unit: str = "s"
    """The unit of a `load_recipe` step's `duration` on the wire, "s", "min" or "h" (vacuum.md §4, §8: undocumented, so configurable)."""
    recipe_duration_is: str = "hold"
    """What the chamber counts in `duration`: "hold" after the target is reached, or the "total" step, ramp included (§4)."""
    load_autostarts: bool = True
    """Whether `load_recipe` also starts the run (vacuum.md §6 device profile); when not, "Load & run" sends `start_recipe` after it."""


@dataclass(frozen=True, slots=True)
class TrainerSettings:
    """An auto-trainer device's PUB and REP ports (protocols/trainer.md)."""

    name: str
    host: str = "127.0.0.1"
    pub_port: int = 5556
    rep_port: int = 5557


DeviceSettings = CameraRigSettings | ChamberSettings | TrainerSettings
LIMIT_KEYS = ("alarm_low", "warning_low", "warning_high", "alarm_high")


def _name_table(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be a table of event names"
    for key, name in value.items():
        if not isinstance(name, str) or not name.strip():
            return f"'{key}' must be a non-empty event name, not {name!r}"
    problems = override_problems(value)  # only vacuum.md §6 names, no collisions
    return "; ".join(problems) if problems else None


def _limit_table(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be a table of channels"
    for channel, limits in value.items():
        if channel not in CHANNEL_KEYS:
            return f"'{channel}' is not a chamber channel; use {', '.join(CHANNEL_KEYS)}"
        if not isinstance(limits, Mapping):
            return f"'{channel}' must be a table with {', '.join(LIMIT_KEYS)}"
        for key, limit in limits.items():
            if key not in LIMIT_KEYS:
                return f"'{channel}.{key}' is not a limit; use {', '.join(LIMIT_KEYS)}"
            if isinstance(limit, bool) or not isinstance(limit, int | float):
                return f"'{channel}.{key}' must be a number, not {limit!r}"
        ordered = [float(limits[key]) for key in LIMIT_KEYS if key in limits]
        if ordered != sorted(ordered):
            return f"'{channel}' limits must rise from alarm_low through warning_low and warning_high to alarm_high"
    return None


def _rate(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.2 <= value <= 10:
        return f"must be a number of Hz within 0.2–10, not {value!r}"
    return None


FAMILIES: dict[str, type[DeviceSettings]] = {
    "cameras": CameraRigSettings,
    "chambers": ChamberSettings,
    "trainers": TrainerSettings,
}
_CHECKS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "cameras": {"name": check.device_name, "events": check.zmq_tcp_endpoint, "requests": check.zmq_tcp_endpoint},
    "chambers": {"name": check.device_name, "url": check.http_url, "event_names": _name_table, "limits": _limit_table,
                 "telemetry_hz": _rate, "recipe_duration_unit": check.one_of(tuple(DURATION_UNITS)),
                 "recipe_duration_is": check.one_of(DURATION_MEANINGS), "load_autostarts": check.boolean},
    "trainers": {"name": check.device_name, "host": check.host, "pub_port": check.port, "rep_port": check.port},
}


def parse_family(family: str, raw: Any, problems: list[str]) -> tuple[DeviceSettings, ...]:
    """The usable entries of one `[[family]]` array; every problem is appended to `problems`."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        problems.append(f"{family} must be an array of tables ([[{family}]] entries)")
        return ()
    entries: list[DeviceSettings] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        entry = _parse_entry(family, number, item, problems)
        if entry is None:
            continue
        if entry.name in seen:
            problems.append(f"{family} #{number}: the name '{entry.name}' is used by another entry")
            continue
        seen.add(entry.name)
        entries.append(entry)
    return tuple(entries)


def _parse_entry(family: str, number: int, item: Mapping[str, Any], problems: list[str]) -> DeviceSettings | None:
    label = f"{family} #{number}" + (f" ('{item['name']}')" if isinstance(item.get("name"), str) else "")
    checks = _CHECKS[family]
    before = len(problems)
    if "name" not in item:
        problems.append(f"{label} needs a name")
    for key, value in item.items():
        if key not in checks:
            problems.append(f"{label}: {key} is not a setting Switchboard knows")
            continue
        problem = checks[key](value)
        if problem:
            problems.append(f"{label}: {key} {problem}")
    if family == "trainers" and item.get("pub_port", 5556) == item.get("rep_port", 5557):
        problems.append(f"{label}: pub_port and rep_port must differ")
    if len(problems) > before:
        return None
    return FAMILIES[family](**{key: _plain(value) for key, value in item.items()})


def _plain(value: Any) -> Any:
    """tomlkit containers as plain dicts, so entries compare and copy like ordinary values."""
    if isinstance(value, Mapping):
        return {str(key): _plain(inner) for key, inner in value.items()}
    return value


def entry_values(entry: DeviceSettings) -> dict[str, Any]:
    """An entry as the plain table the settings file holds (defaults included)."""
    return {f.name: _plain(getattr(entry, f.name)) for f in fields(entry)}


def entry_table(entry: DeviceSettings) -> dict[str, Any]:
    """An entry as written to the settings file: its name and every value that is not the default."""
    defaults = {f.name: f.default_factory() if callable(f.default_factory) else f.default for f in fields(entry)}
    values = entry_values(entry)
    return {key: value for key, value in values.items() if key == "name" or value != defaults[key]}
