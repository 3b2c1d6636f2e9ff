"""The External API's wire format: one frame of flat UTF-8 JSON per message (cameras.md §1–§2).

Lenient in: input is decoded as `utf-8-sig` (a v3 BOM is harmless), unknown fields are
kept, and a frame that is not a JSON object becomes a `MalformedMessage` with a sentence
saying why. Strict out: what we send is compact JSON with exactly the header the reference
shows (`msg_type`, `msg_id`, `msg_seq_num`) and the payload fields next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class MalformedMessage(ValueError):
    """A frame that cannot be read as an External API message; the text says why."""


class MsgType(StrEnum):
    REQUEST = "Request"
    RESPONSE = "Response"
    EVENT = "Event"


class CameraStatus(StrEnum):
    ABSENT = "Absent"
    LOST = "Lost"
    DISCONNECTED = "Disconnected"
    READY = "Ready"
    BUSY = "Busy"
    ERROR = "Error"


class PhotoLocation(StrEnum):
    ORPHANED = "Orphaned"
    DELETED = "Deleted"
    CAMERA = "Camera"
    LOCAL_DISK = "Local Disk"


class ShutterButton(StrEnum):
    OFF = "Off"
    HALF = "Half"
    FULL = "Full"


PROPERTY_TYPES = (
    "Aperture", "ShutterSpeed", "ISO", "Exposure", "Quality", "ProgramMode", "MeteringMode", "FocusMode",
    "DriveMode", "WhiteBalance", "ColourTemperature", "Storage", "MirrorLockup", "PixelShiftMode", "ControlMode",
)
"""`CameraPropertyType` values (§6), in the reference's order."""


@dataclass(frozen=True, slots=True)
class CameraSelection:
    """Which cameras a request acts on: all, one (`keys` of one), several, or a group (§3)."""

    keys: tuple[str, ...] = ()
    group: str | None = None

    @classmethod
    def all(cls) -> CameraSelection:
        return cls()

    @classmethod
    def of(cls, *keys: str) -> CameraSelection:
        return cls(keys=tuple(keys))

    @classmethod
    def of_group(cls, group: str) -> CameraSelection:
        return cls(group=group)

    def fields(self) -> dict[str, Any]:
        if self.group is not None:
            return {"CameraSelection": "Group", "CameraGroup": self.group}
        if len(self.keys) == 1:
            return {"CameraSelection": "Single", "CameraKey": self.keys[0]}
        if self.keys:
            return {"CameraSelection": "Multiple", "CameraKeys": list(self.keys)}
        return {"CameraSelection": "All"}

    def describe(self) -> str:
        if self.group is not None:
            return f"group {self.group!r}"
        if len(self.keys) == 1:
            return f"camera {self.keys[0]}"
        if self.keys:
            return f"{len(self.keys)} cameras"
        return "all cameras"


@dataclass(frozen=True, slots=True)
class PhotoSelection:
    """Which photos a request acts on: all, one or several (§3: there is no Group mode)."""

    keys: tuple[str, ...] = ()

    @classmethod
    def all(cls) -> PhotoSelection:
        return cls()

    @classmethod
    def of(cls, *keys: str) -> PhotoSelection:
        return cls(keys=tuple(keys))

    def fields(self) -> dict[str, Any]:
        if len(self.keys) == 1:
            return {"PhotoSelection": "Single", "PhotoKey": self.keys[0]}
        if self.keys:
            return {"PhotoSelection": "Multiple", "PhotoKeys": list(self.keys)}
        return {"PhotoSelection": "All"}

    def describe(self) -> str:
        if len(self.keys) == 1:
            return f"photo {self.keys[0]}"
        return f"{len(self.keys)} photos" if self.keys else "all photos"


@dataclass(slots=True)
class Message:
    """One decoded message: the header read out, every field (payload and unknown extras) kept."""

    msg_type: str
    msg_id: str
    seq: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    looks_v3: bool = False
    """True when the message has a v3 shape: `…Msg` names, `msg_ref_num`/`Result`, or a BOM."""

    @property
    def result(self) -> bool:
        """`msg_result`; a message without it counts as a failure (§2 product decision)."""
        return self.fields.get("msg_result") is True

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def decode(frame: bytes) -> Message:
    """Read one frame; raise `MalformedMessage` with a readable reason if it is not a message."""
    has_bom = frame.startswith(b"\xef\xbb\xbf")
    try:
        data = json.loads(frame.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise MalformedMessage(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    except ValueError as error:
        raise MalformedMessage(f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise MalformedMessage(f"a JSON {type(data).__name__}, not an object")
    msg_type = data.get("msg_type")
    msg_id = data.get("msg_id")
    if not isinstance(msg_id, str) or not msg_id:
        raise MalformedMessage("no msg_id")
    if not isinstance(msg_type, str):
        raise MalformedMessage(f"{msg_id} has no msg_type")
    looks_v3 = has_bom or msg_id.endswith("Msg") or "msg_ref_num" in data or ("Result" in data and "msg_result" not in data)
    return Message(msg_type, msg_id, _sequence_number(data), data, looks_v3)


def _sequence_number(data: dict[str, Any]) -> int | None:
    value = data.get("msg_seq_num", data.get("msg_ref_num"))
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():  # lenient: a number sent as text
        return int(value)
    return None


def encode_request(msg_id: str, seq: int, fields: dict[str, Any]) -> bytes:
    """A request frame exactly as §2 shows it: header first, then the payload fields."""
    message = {"msg_type": MsgType.REQUEST.value, "msg_id": msg_id, "msg_seq_num": seq}
    message.update(fields)
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_message(message: dict[str, Any]) -> bytes:
    """Any message (the simulator's replies and events) as compact UTF-8 JSON."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def failure_text(reply: Message) -> str:
    """§2: "`<msg_id>` failed (msg_result=false)", with `msg_error` when the app sent one."""
    text = f"{reply.msg_id} failed (msg_result={str(reply.fields.get('msg_result', 'missing')).lower()})"
    error = reply.fields.get("msg_error")
    if isinstance(error, str) and error.strip():
        text += f": {error.strip()}"
    return text
