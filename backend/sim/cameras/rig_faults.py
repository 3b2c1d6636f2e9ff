"""The faults the simulated rig can show, switched at run time (cameras.md §10.9).

Tests set the fields of `RigFaults` (and call the simulator's actions, such as
`restart_app`) directly; the command line sets them with `--fault NAME[=VALUE]` at start,
and the optional control endpoint (`--control`) sets them while the simulator runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class RigFaults:
    no_reply: bool = False
    """Requests are read and never answered (REQ hang)."""
    slow_reply_s: float = 0.0
    """Each reply waits this long."""
    fail_requests: set[str] = field(default_factory=set)
    """These msg_ids (or "*" for all) are answered with msg_result:false."""
    wrong_seq: bool = False
    """Replies carry a msg_seq_num other than the request's."""
    drop_events: int = 0
    """The next N events are not sent (their sequence numbers are used: a gap)."""
    malformed_events: int = 0
    """The next N events go out as broken JSON."""
    extra_fields: bool = True
    """Events carry undocumented extras (PhotoOriginalPath, CameraOrientation, …), as the real app does."""
    network_ping_s: float = 0.0
    """Publish the internal NetworkPing event this often (0: never)."""
    failed_shot: bool = False
    """Shots fail: CameraNumPhotosFailed rises and no photo is made."""
    download_failure: bool = False
    """Downloads fail: CameraNumDownloadsFailed rises and no file is written."""
    liveview_flood: bool = False
    """Live view at 100 frames/s of every camera, to push the publisher to its high-water mark."""
    integer_trigger_index: bool = True
    """CameraTriggerIndex as an integer, as observed (documented as a string)."""

    def set(self, name: str, value: Any) -> None:
        """Set one fault by name from text or a value; `ValueError` with a sentence if unknown or invalid."""
        known = {f.name: f for f in fields(self)}
        attribute = name.replace("-", "_")
        if attribute not in known:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
        current = getattr(self, attribute)
        setattr(self, attribute, _convert(attribute, current, value))


def _convert(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on", "")
        return bool(value)
    if isinstance(current, set):
        if isinstance(value, str):
            return {part.strip() for part in value.split(",") if part.strip()}
        return set(value)
    try:
        return type(current)(value)
    except (TypeError, ValueError):
        raise ValueError(f"fault {name} needs a {type(current).__name__}, not {value!r}") from None
