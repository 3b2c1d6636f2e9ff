"""The one table of UNDOCUMENTED XO-VAC+ event names (vacuum.md §6, `xovac_event_names`).

The vendor documents only `load_recipe`, `cancel_recipe`, `sync_xovac_time` and their
`_ack` answers. Every other command and push is a Switchboard invention; its wire name is
read from this table, and nowhere else, so a rename when the vendor documents the real
one touches only this table (or a chamber's `event_names` in the settings). The client
and the simulator both route through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Documented (vacuum.md §4): fixed, never renamed.
LOAD_RECIPE = "load_recipe"
CANCEL_RECIPE = "cancel_recipe"
SYNC_XOVAC_TIME = "sync_xovac_time"
DOCUMENTED_COMMANDS = (LOAD_RECIPE, CANCEL_RECIPE, SYNC_XOVAC_TIME)
ACK_SUFFIX = "_ack"

XOVAC_EVENT_NAMES: Mapping[str, str] = MappingProxyType({
    # commands, each answered by `<wire name>_ack`
    "pause_recipe": "pause_recipe",
    "resume_recipe": "resume_recipe",
    "start_recipe": "start_recipe",
    "pump_on": "pump_on",
    "pump_off": "pump_off",
    "vent_open": "vent_open",
    "vent_close": "vent_close",
    "set_temperature": "set_temperature",
    "get_status": "get_status",
    # pushes (server → client)
    "telemetry": "telemetry",
    "recipe_status": "recipe_status",
    "recipe_complete": "recipe_complete",
    "alarm": "alarm",
})
"""Switchboard's name for each undocumented event → its wire name (§6 defaults)."""

PUSHES = ("telemetry", "recipe_status", "recipe_complete", "alarm")


def ack_name(wire_command: str) -> str:
    """The documented response convention: a separate event `<command>_ack` (§3)."""
    return wire_command + ACK_SUFFIX


class EventNames:
    """The §6 table with a chamber's overrides applied; look-ups in both directions."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        problems = override_problems(overrides or {})
        if problems:
            raise ValueError("; ".join(problems))
        self._wire = {**XOVAC_EVENT_NAMES, **(overrides or {})}
        self._ours = {wire: ours for ours, wire in self._wire.items()}

    def wire(self, ours: str) -> str:
        """The wire name of Switchboard's event `ours` (KeyError for a name not in §6)."""
        return self._wire[ours]

    def ours(self, wire: str) -> str | None:
        """Switchboard's name for an incoming wire event, or None if the table does not know it."""
        return self._ours.get(wire)

    def as_dict(self) -> dict[str, str]:
        return dict(self._wire)


def override_problems(overrides: Mapping[str, object]) -> list[str]:
    """Sentences for every override that cannot be applied (used by the settings validation too)."""
    problems = []
    for key, value in overrides.items():
        if key not in XOVAC_EVENT_NAMES:
            problems.append(f"event_names: {key!r} is not an undocumented event of vacuum.md §6 "
                            f"(known: {', '.join(XOVAC_EVENT_NAMES)})")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"event_names: {key!r} must be a non-empty event name")
        elif value in DOCUMENTED_COMMANDS or value.endswith(ACK_SUFFIX):
            problems.append(f"event_names: {key!r} → {value!r} collides with a documented event or an ack")
    wires = [v for v in {**XOVAC_EVENT_NAMES, **overrides}.values()]
    duplicates = sorted({w for w in wires if isinstance(w, str) and wires.count(w) > 1})
    if duplicates:
        problems.append(f"event_names: two events share the wire name {', '.join(map(repr, duplicates))}")
    return problems
