"""Frames to messages and back: strict on output, lenient on input (`protocols/bus.md` §2, §8).

Output is compact JSON: the topic in ASCII with the canonical key order the builders
in `message.py` produce, the message in UTF-8. Input accepts reordered, extra or
missing keys, scalar topic values of any JSON type, an empty message frame and an
optional third frame. Everything else is a `MalformedMessage` with a short reason the
connection counts, never an exception that could stop a reader.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from backend.bus.message import BusMessage

MAX_TOPIC_BYTES = 4 * 1024
"""Topics are short filterable strings; anything longer is not a bus topic."""
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Upper bound for the JSON frame. Larger frames are refused, not parsed."""
MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024

_TOPIC_CACHE_LIMIT = 8192
_topic_cache: dict[bytes, dict[str, str]] = {}

_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode
_compact_utf8 = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _refuse_constant(name: str) -> Any:
    """`NaN`, `Infinity` and `-Infinity` are not JSON: accepting them would let in values
    that `encode` (allow_nan=False) can never send again."""
    raise ValueError(f"{name} is not a JSON value")


_parse = json.JSONDecoder(parse_constant=_refuse_constant).decode


class MalformedMessage(ValueError):
    """Frames that are not a bus message. `reason` is a short key for counting."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{detail} ({reason})")
        self.reason = reason
        self.detail = detail


def encode(message: BusMessage) -> list[bytes]:
    """The frames of `message`: compact topic, compact message, attachment if any."""
    frames = [_compact(message.topic).encode("ascii"), _compact_utf8(message.body).encode("utf-8")]
    if message.attachment is not None:
        frames.append(message.attachment)
    return frames


def encode_json(value: Any) -> str:
    """Compact JSON text of `value`, as it would travel in a message frame."""
    return _compact_utf8(value)


def decode(frames: Sequence[bytes]) -> BusMessage:
    """Parse the frames of one bus message, or raise `MalformedMessage`."""
    count = len(frames)
    if count not in (2, 3):
        raise MalformedMessage("frame-count", f"expected 2 or 3 frames, got {count}")
    topic = decode_topic(frames[0])
    body = _decode_body(frames[1])
    attachment = None
    size = len(frames[0]) + len(frames[1])
    if count == 3:
        attachment = bytes(frames[2])
        if len(attachment) > MAX_ATTACHMENT_BYTES:
            raise MalformedMessage("too-large", f"attachment of {len(attachment)} bytes")
        size += len(attachment)
    return BusMessage(topic=topic, body=body, attachment=attachment, size=size)


def decode_topic(raw: bytes) -> dict[str, str]:
    """Parse a topic frame into a dict of strings; cached, because buses repeat topics."""
    raw = bytes(raw)
    cached = _topic_cache.get(raw)
    if cached is not None:
        return cached
    if len(raw) > MAX_TOPIC_BYTES:
        raise MalformedMessage("too-large", f"topic of {len(raw)} bytes")
    try:
        parsed = _parse(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedMessage("topic-not-json", f"topic is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise MalformedMessage("topic-not-object", "topic is not a JSON object")
    topic: dict[str, str] = {}
    for key, value in parsed.items():
        if isinstance(value, str):
            topic[key] = value
        elif isinstance(value, bool) or value is None:
            topic[key] = json.dumps(value)
        elif isinstance(value, (int, float)):
            topic[key] = str(value)
        else:
            raise MalformedMessage("topic-bad-value", f"topic key {key!r} holds a {type(value).__name__}")
    if not topic.get("Type"):
        raise MalformedMessage("topic-no-type", "topic has no Type")
    if len(_topic_cache) >= _TOPIC_CACHE_LIMIT:
        _topic_cache.clear()
    _topic_cache[raw] = topic
    return topic


def _decode_body(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MalformedMessage("too-large", f"message of {len(raw)} bytes")
    if not raw:
        return {}
    try:
        text = bytes(raw).decode("utf-8")
        parsed = _parse(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedMessage("message-not-json", f"message is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise MalformedMessage("message-not-object", "message is not a JSON object")
    if "\\ud" in text or "\\uD" in text:
        # An escaped lone surrogate parses to a str that cannot be encoded as UTF-8 again.
        try:
            _compact_utf8(parsed).encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedMessage("message-not-json", "message holds an unpaired surrogate escape") from None
    return parsed
