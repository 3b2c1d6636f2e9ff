"""Reading what a trainer publishes: two frames, a 4-byte little-endian topic and JSON (`trainer.md` §2).

Devices before 0.9.8 publish a JSON *string* that wraps the JSON object (and camelise the
text, values included); a payload that decodes to a string is therefore decoded once more.
That is harmless for newer devices, so it is done whatever the version, which also covers
frames that arrive before the first heartbeat has told us the version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TOPIC_SIZE = 4


class MalformedFrame(ValueError):
    """A PUB message that is not two frames of topic and JSON; the text says what was wrong."""


@dataclass(frozen=True)
class PubMessage:
    topic: int
    payload: Any
    double_encoded: bool = False


def decode_pub(frames: list[bytes]) -> PubMessage:
    """The topic and payload of one PUB message, or MalformedFrame saying why not."""
    if len(frames) != 2:
        raise MalformedFrame(f"{len(frames)} frame(s) instead of 2 (topic and JSON)")
    topic_bytes, body = frames
    if len(topic_bytes) != TOPIC_SIZE:
        raise MalformedFrame(f"a {len(topic_bytes)}-byte topic instead of 4 bytes")
    topic = int.from_bytes(topic_bytes, "little")
    payload = _json(body)
    double_encoded = False
    if isinstance(payload, str):
        payload = _json(payload.encode("utf-8"))
        double_encoded = True
    return PubMessage(topic, payload, double_encoded)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise MalformedFrame(f"a payload that is not UTF-8 ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise MalformedFrame(f"a payload that is not JSON ({error.msg} at character {error.pos}): {_preview(body)}") from None


def _preview(body: bytes, limit: int = 60) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return repr(text + ("…" if len(body) > limit else ""))


def same_identifier(a: str, b: str) -> bool:
    """Identifiers compare case-insensitively with '-' ignored: 0.9.7 camelises them as text (§6)."""
    return a.replace("-", "").lower() == b.replace("-", "").lower()
