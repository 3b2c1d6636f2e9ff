"""Frames to messages and back: strict on output, lenient on input (`protocols/bus.md` §2, §8).

Output is compact JSON: the topic in ASCII with the canonical key order the builders
in `message.py` produce, the message in UTF-8. Input accepts reordered, extra or
missing keys, scalar topic values of any JSON type, an empty message frame and an
optional third frame. Everything else is a `MalformedMessage` with a short reason the
connection counts, never an exception that could stop a reader.

`decode` checks everything at once; `decode_deferred`, used by readers, checks the
topic and the shape of the message and leaves parsing the message to its first reader
(`message_frame.py`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from backend.bus import message_frame
from backend.bus.message import BusMessage
from backend.bus.message_frame import (
    MAX_MESSAGE_BYTES,
    MalformedMessage,
    check_message_frame,
    parse_json,
)

__all__ = ["MAX_MESSAGE_BYTES", "MalformedMessage", "decode", "decode_deferred", "decode_topic", "encode", "encode_json"]

MAX_TOPIC_BYTES = 4 * 1024
"""Topics are short filterable strings; anything longer is not a bus topic."""
MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024

_OPEN, _CLOSE = ord("{"), ord("}")
_TOPIC_CACHE_LIMIT = 8192
_topic_cache: dict[bytes, dict[str, str]] = {}

_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode
_compact_utf8 = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


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
    """Parse the frames of one bus message completely, or raise `MalformedMessage`."""
    message = decode_deferred(frames)
    message.body  # noqa: B018 - parse now: raises MalformedMessage if the message is not JSON
    return message


def decode_deferred(frames: Sequence[bytes], received: float | None = None) -> BusMessage:
    """The message with its topic parsed and its message frame checked, parsed on first read.

    This runs for every message a reader receives, so the common case (a cached topic, a
    compact `{…}` frame) takes the shortest path.
    """
    count = len(frames)
    if count != 2 and count != 3:
        raise MalformedMessage("frame-count", f"expected 2 or 3 frames, got {count}")
    raw_topic = frames[0]
    topic = _topic_cache.get(raw_topic) if type(raw_topic) is bytes else None
    if topic is None:
        topic = decode_topic(raw_topic)
    body = frames[1]
    if type(body) is not bytes:
        body = bytes(body)
    length = len(body)
    if length > message_frame.MAX_MESSAGE_BYTES or (length and (body[0] != _OPEN or body[-1] != _CLOSE)):
        check_message_frame(body)
    size = len(raw_topic) + length
    attachment = None
    if count == 3:
        attachment = bytes(frames[2])
        if len(attachment) > MAX_ATTACHMENT_BYTES:
            raise MalformedMessage("too-large", f"attachment of {len(attachment)} bytes")
        size += len(attachment)
    return BusMessage(topic, None, attachment, size, received, body_bytes=body)


def decode_topic(raw: bytes) -> dict[str, str]:
    """Parse a topic frame into a dict of strings; cached, because buses repeat topics."""
    raw = bytes(raw)
    cached = _topic_cache.get(raw)
    if cached is not None:
        return cached
    if len(raw) > MAX_TOPIC_BYTES:
        raise MalformedMessage("too-large", f"topic of {len(raw)} bytes")
    try:
        parsed = parse_json(raw.decode("utf-8"))
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
