"""The External API's wire format: one frame of flat UTF-8 JSON per message (cameras.md §1–§2).

Lenient in: input is decoded as `utf-8-sig` (a v3 BOM is harmless), unknown fields are
kept, and a frame that is not a JSON object becomes a `MalformedMessage` with a sentence
saying why. Strict out: what we send is compact JSON with exactly the header the reference
shows (`msg_type`, `msg_id`, `msg_seq_num`) and the payload fields next to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

BOM = b"\xef\xbb\xbf"
LARGE_FRAME = 1_000_000
"""Frames from this size on are decoded stepwise (`decode_stepwise`)."""
LIST_STEP = 200
_PHOTO_LIST = re.compile(r'"PhotoInfo"\s*:\s*\[')
_SPACE = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


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
    """True when the message has a v3 shape: `…Msg` names, or `msg_ref_num`/`Result` for the header.
    A BOM alone is not v3: input is decoded as `utf-8-sig`, harmless for v4 and v5 (§7)."""

    @property
    def result(self) -> bool:
        """`msg_result`; a message without it counts as a failure (§2 product decision)."""
        return self.fields.get("msg_result") is True

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def decode(frame: bytes) -> Message:
    """Read one frame; raise `MalformedMessage` with a readable reason if it is not a message."""
    return _from_text(_text(frame))


def decode_stepwise(frame: bytes) -> Generator[None, None, Message]:
    """`decode`, pausing (yielding) every `LIST_STEP` photos of a large `PhotoInfo` list.

    A `Synchronise` reply lists every photo of the session: 10,000 photos are ~10 MB of
    JSON, which `json.loads` parses in one go while holding the GIL (a worker thread would
    not free the loop). Here the photo list is read one element at a time with
    `raw_decode` and the caller may let the loop run between slices. Anything unexpected
    falls back to `decode`.
    """
    if len(frame) < LARGE_FRAME:
        return decode(frame)
    text = _text(frame)
    start = _PHOTO_LIST.search(text)
    if start is None:
        return decode(frame)
    photos: list[Any] = []
    position = _skip_space(text, start.end())
    try:
        while text[position] != "]":
            item, position = _DECODER.raw_decode(text, position)
            photos.append(item)
            position = _skip_space(text, position)
            if text[position] == ",":
                position = _skip_space(text, position + 1)
            elif text[position] != "]":
                return decode(frame)
            if len(photos) % LIST_STEP == 0:
                yield
    except (ValueError, IndexError, RecursionError):
        return decode(frame)
    message = _from_text(text[: start.start()] + '"PhotoInfo":[]' + text[position + 1 :])
    message.fields["PhotoInfo"] = photos
    return message


def _text(frame: bytes) -> str:
    try:
        return frame.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedMessage(f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def _skip_space(text: str, position: int) -> int:
    return _SPACE.match(text, position).end()  # type: ignore[union-attr]


def _from_text(text: str) -> Message:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise MalformedMessage(f"not JSON ({error})") from None
    except RecursionError:  # thousands of nested brackets: garbage, not a message
        raise MalformedMessage("not JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise MalformedMessage(f"a JSON {type(data).__name__}, not an object")
    msg_type = data.get("msg_type")
    msg_id = data.get("msg_id")
    if not isinstance(msg_id, str) or not msg_id:
        raise MalformedMessage("no msg_id")
    if not isinstance(msg_type, str):
        raise MalformedMessage(f"{msg_id} has no msg_type")
    looks_v3 = msg_id.endswith("Msg") or "msg_ref_num" in data or ("Result" in data and "msg_result" not in data)
    return Message(msg_type, msg_id, _sequence_number(data), data, looks_v3)


def _sequence_number(data: dict[str, Any]) -> int | None:
    value = data.get("msg_seq_num", data.get("msg_ref_num"))
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():  # lenient: a number sent as text ("²" is a digit, not a number)
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
