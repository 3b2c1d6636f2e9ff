"""Faults of the link the simulator can inject, switchable at run time (vacuum.md §9.6).

Set through `ChamberServer.inject(...)` in-process, or over HTTP on the simulator's own
port while it runs: `POST /sim/faults` with a JSON object (docs/chamber-decisions.md):

- settings that stay until changed: `{"set": {"ack": "drop"|"delay"|"duplicate"|"normal",
  "ackDelayS": 2.0, "sendObjects": true, "errorResults": true, "telemetryPaused": true}}`;
- one-shot actions: `{"action": "unsolicitedAck"}`, `{"action": "malformedPush"}`,
  `{"action": "disconnectClients"}`, `{"action": "restart", "downS": 3}`,
  `{"action": "refuseConnections", "downS": 30}`, `{"action": "raiseAlarm", "code": "LEAK"}`,
  `{"action": "clearAlarm", "code": "LEAK"}`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

ACK_MODES = ("normal", "drop", "delay", "duplicate")
_WIRE_KEYS = {"ack": "ack", "ackDelayS": "ack_delay_s", "sendObjects": "send_objects",
              "errorResults": "error_results", "telemetryPaused": "telemetry_paused"}


@dataclass
class TransportFaults:
    ack: str = "normal"
    ack_delay_s: float = 2.0
    send_objects: bool = False
    error_results: bool = False
    telemetry_paused: bool = False

    def update(self, changes: dict[str, Any]) -> None:
        """Apply `{"ack": "drop", …}` (wire keys or field names); ValueError names a bad one."""
        for key, value in changes.items():
            name = _WIRE_KEYS.get(key, key)
            if name not in {f.name for f in fields(self)}:
                raise ValueError(f"unknown fault setting {key!r} (known: {', '.join(_WIRE_KEYS)})")
            if name == "ack" and value not in ACK_MODES:
                raise ValueError(f"ack must be one of {', '.join(ACK_MODES)}")
            current = getattr(self, name)
            if isinstance(current, bool) and not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
            if name == "ack_delay_s" and (not isinstance(value, (int, float)) or value < 0):
                raise ValueError("ackDelayS must be a number of seconds ≥ 0")
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {wire: getattr(self, name) for wire, name in _WIRE_KEYS.items()}
