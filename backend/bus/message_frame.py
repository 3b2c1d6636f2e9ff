"""The JSON message frame: validated strictly, and parsed only when someone reads it.

Parsing JSON is most of what receiving a bus message costs, and most messages on a busy
bus are never read by anyone but the traffic list (benchmarks/README.md). So a received
message keeps its frame's bytes and parses them on first use; only cheap checks run on
arrival. A frame that turns out not to be JSON raises `MalformedMessage` where it is
read, and whoever reads it counts it like any other malformed message.
"""

from __future__ import annotations

import json
from typing import Any

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Upper bound for the JSON frame. Larger frames are refused, not parsed."""

_OPEN_BRACE, _CLOSE_BRACE = ord("{"), ord("}")


class MalformedMessage(ValueError):
    """Frames that are not a bus message. `reason` is a short key for counting."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{detail} ({reason})")
        self.reason = reason
        self.detail = detail


def _refuse_constant(name: str) -> Any:
    """`NaN`, `Infinity` and `-Infinity` are not JSON: accepting them would let in values
    that `encode` (allow_nan=False) can never send again."""
    raise ValueError(f"{name} is not a JSON value")


parse_json = json.JSONDecoder(parse_constant=_refuse_constant).decode
_encode_utf8 = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def check_message_frame(raw: bytes) -> None:
    """The checks made on arrival: size, and the shape of a JSON object (`{` … `}`)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MalformedMessage("too-large", f"message of {len(raw)} bytes")
    if raw and not (raw[0] == _OPEN_BRACE and raw[-1] == _CLOSE_BRACE):
        parse_message_frame(raw)  # not compact: let the full parser say exactly what is wrong


def parse_message_frame(raw: bytes) -> dict[str, Any]:
    """The message as a dict, or `MalformedMessage` saying why it is not one."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MalformedMessage("too-large", f"message of {len(raw)} bytes")
    if not raw:
        return {}
    try:
        text = bytes(raw).decode("utf-8")
        parsed = parse_json(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedMessage("message-not-json", f"message is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise MalformedMessage("message-not-object", "message is not a JSON object")
    if "\\ud" in text or "\\uD" in text:
        # An escaped lone surrogate parses to a str that cannot be encoded as UTF-8 again.
        try:
            _encode_utf8(parsed).encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedMessage("message-not-json", "message holds an unpaired surrogate escape") from None
    return parsed
