"""Payload encoding (vacuum.md §3, §7, §8): strict out, lenient in.

Switchboard sends every object as a JSON string. It accepts a JSON string or an
already-decoded object on every incoming event, extra keys, a missing `message`
and an unknown `result` (read as "error"). Anything else is malformed: the caller
counts it and logs a sentence; it never reaches the model.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any, TypeVar


class MalformedPayload(ValueError):
    """An incoming payload that is neither a JSON object nor a JSON string holding one."""


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


def decode(raw: Any) -> dict[str, Any]:
    """The object inside `raw` (a dict, a JSON string, or bytes); empty input is an empty object."""
    if isinstance(raw, dict):
        return raw
    if raw is None:
        return {}
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedPayload(f"payload is not UTF-8 ({error})") from None
    if not isinstance(raw, str):
        raise MalformedPayload(f"payload is a {type(raw).__name__}, not a JSON object or string")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise MalformedPayload(f"payload is not valid JSON ({error.msg} at character {error.pos}): {raw[:80]!r}") from None
    except ValueError as error:  # an integer of more digits than Python converts (4300)
        raise MalformedPayload(f"payload is not usable JSON ({error}): {raw[:80]!r}") from None
    except RecursionError:
        raise MalformedPayload(f"payload is nested too deeply to read: {raw[:80]!r}") from None
    if isinstance(value, str):  # a JSON string holding a JSON string: decode once more
        return decode(value)
    if not isinstance(value, dict):
        raise MalformedPayload(f"payload is JSON {type(value).__name__}, not an object: {raw[:80]!r}")
    return value


def number(payload: dict[str, Any], key: str) -> float:
    """A finite number at `key`, or NaN when missing, not a number or not finite (JSON's 1e400 reads
    as infinity; an integer beyond float range cannot be one): lenient, one bad field is a gap."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    try:
        value = float(value)
    except OverflowError:
        return math.nan
    return value if math.isfinite(value) else math.nan


E = TypeVar("E", bound=enum.Enum)


def read_enum(kind: type[E], value: Any, otherwise: E) -> E:
    """The member of `kind` whose wire value is `value`, or `otherwise` (lenient input, §7)."""
    try:
        return kind(value)
    except ValueError:
        return otherwise


class Result(enum.Enum):
    """The documented `result` values; anything else reads as ERROR (§7)."""

    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"

    @classmethod
    def read(cls, value: Any) -> Result:
        return read_enum(cls, value, cls.ERROR)


@dataclass(frozen=True)
class Reply:
    """A `<command>_ack` (or `recipe_complete`): the result, the vendor's message, and any extra keys."""

    result: Result
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, payload: dict[str, Any]) -> Reply:
        message = payload.get("message")
        extra = {k: v for k, v in payload.items() if k not in ("result", "message")}
        return cls(Result.read(payload.get("result")), message if isinstance(message, str) else "", extra)

    @property
    def ok(self) -> bool:
        return self.result is Result.SUCCESS
