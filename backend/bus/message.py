"""The bus message model: one topic, one JSON message, an optional attachment.

`protocols/bus.md` §2 and §4 fix the shape of every message. This module holds the
message types, the canonical topic key order for each, and small builders that make
messages in exactly that shape, so no other module ever assembles a topic by hand.
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from typing import Any

from backend.bus.message_frame import MalformedMessage, parse_message_frame

BROADCAST = "BROADCAST"
NULL_VALUE = "null"
"""The *string* "null": the documented answer to a Get of a value that does not exist."""


class MessageType(StrEnum):
    """Message types of the bus, by their wire value (§4)."""

    GET = "Get"
    SET = "Set"
    RESET = "Reset"
    UPDATE = "Update"
    CALL = "Call"
    CALL_RESULT = "CallResult"
    IDENTIFY = "Identify"
    SELF = "Self"
    STARTUP = "Startup"
    LOG = "Log"


class LogLevel(StrEnum):
    """Levels of a bus Log message (§4, Product decision)."""

    DEBUG = "Debug"
    INFO = "Info"
    WARNING = "Warning"
    ERROR = "Error"

    @classmethod
    def parse(cls, text: object) -> LogLevel:
        """Read a level leniently: any case, and the common aliases other services send."""
        if isinstance(text, str):
            lowered = text.strip().lower()
            for level in cls:
                if level.value.lower() == lowered:
                    return level
            if lowered in ("warn",):
                return cls.WARNING
            if lowered in ("err", "fatal", "critical"):
                return cls.ERROR
        return cls.INFO

    @classmethod
    def of_log(cls, body: dict[str, Any]) -> LogLevel:
        """The level of a Log message; other services write it as Level, Type or Severity (§4)."""
        return cls.parse(body.get("Level", body.get("Type", body.get("Severity"))))


TOPIC_KEYS: dict[MessageType, tuple[str, ...]] = {
    MessageType.GET: ("Type", "Target", "Name", "RespondTo"),
    MessageType.SET: ("Type", "Target", "Name"),
    MessageType.RESET: ("Type", "Target"),
    MessageType.UPDATE: ("Type", "Target", "Source", "Name"),
    MessageType.CALL: ("Type", "Target", "RespondTo", "Method", "ID"),
    MessageType.CALL_RESULT: ("Type", "Target", "ExecutedOn", "Method", "ID"),
    MessageType.IDENTIFY: ("Type", "Target", "RespondTo"),
    MessageType.SELF: ("Type", "Target", "Source"),
    MessageType.STARTUP: ("Type", "Target", "Source"),
    MessageType.LOG: ("Type", "Target", "Source"),
}
"""The strict key order of each topic (§4). Subscribers match topics byte by byte."""

_KNOWN_TYPES = {t.value: t for t in MessageType}


class BusMessage:
    """One message as it travels on the bus.

    `topic` maps topic keys to strings, in wire order. Decoded topics may be shared
    between messages (the decoder caches them), so a topic is never mutated.
    A received message keeps its message frame as bytes and parses it on the first read
    of `body`, which raises `MalformedMessage` if the frame is not a JSON object.
    """

    __slots__ = ("topic", "_body", "body_bytes", "attachment", "size", "received")

    def __init__(
        self,
        topic: dict[str, str],
        body: dict[str, Any] | None = None,
        attachment: bytes | None = None,
        size: int = 0,
        received: float | None = None,
        *,
        body_bytes: bytes | None = None,
    ) -> None:
        self.topic = topic
        self._body = body if body is not None or body_bytes is not None else {}
        self.body_bytes = body_bytes
        """The message frame as received (None for a message built here)."""
        self.attachment = attachment
        self.size = size
        self.received = time.time() if received is None else received

    @property
    def body(self) -> dict[str, Any]:
        """The message frame as a dict (parsed now if it has not been yet)."""
        body = self._body
        if body is None:
            body = self._body = parse_message_frame(self.body_bytes or b"")
        return body

    @property
    def body_problem(self) -> str | None:
        """Why the message frame is not a JSON object, or None when it is."""
        try:
            self.body  # noqa: B018 - parsing is the check
        except MalformedMessage as error:
            return error.detail
        return None

    def readable_body(self) -> dict[str, Any]:
        """The body for display: an empty dict when the frame is malformed (see `body_problem`)."""
        try:
            return self.body
        except MalformedMessage:
            return {}

    def body_text(self) -> str:
        """The message frame as text, as it travelled when it was received."""
        if self.body_bytes is not None:
            return self.body_bytes.decode("utf-8", "replace")
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)

    @property
    def type(self) -> str:
        """The wire value of `Type` (may be a type this version does not know)."""
        return self.topic.get("Type", "")

    @property
    def kind(self) -> MessageType | None:
        """The known message type, or None for a type this version does not know."""
        return _KNOWN_TYPES.get(self.topic.get("Type", ""))

    @property
    def target(self) -> str | None:
        return self.topic.get("Target")

    @property
    def source(self) -> str | None:
        """Who sent it: `Source`, or `ExecutedOn` for a CallResult."""
        return self.topic.get("Source") or self.topic.get("ExecutedOn")

    @property
    def sender(self) -> str | None:
        """Who sent it: `Source`, `ExecutedOn`, or for a Get, Call or Identify the `RespondTo` it asks answers for."""
        topic = self.topic
        return topic.get("Source") or topic.get("ExecutedOn") or topic.get("RespondTo")

    @property
    def name(self) -> str | None:
        return self.topic.get("Name")

    @property
    def respond_to(self) -> str | None:
        return self.topic.get("RespondTo")

    @property
    def method(self) -> str | None:
        return self.topic.get("Method")

    @property
    def call_id(self) -> str | None:
        return self.topic.get("ID")

    @property
    def executed_on(self) -> str | None:
        return self.topic.get("ExecutedOn")

    @property
    def value(self) -> Any:
        return self.body.get("Value")

    @property
    def subject(self) -> str:
        """What the message is about, for one column of a traffic list: Name or Method."""
        return self.topic.get("Name") or self.topic.get("Method") or ""


def _message(kind: MessageType, body: dict[str, Any] | None = None, **keys: str | None) -> BusMessage:
    """Build a message whose topic has exactly the canonical keys of `kind`, in order."""
    topic: dict[str, str] = {"Type": kind.value}
    for key in TOPIC_KEYS[kind][1:]:
        value = keys.get(key)
        if value is None:
            raise ValueError(f"A {kind.value} message needs a {key}")
        if ":::" in value:
            raise ValueError(f"'{value}' contains ':::', which the hub reserves")
        topic[key] = value
    return BusMessage(topic=topic, body=body if body is not None else {})


def get_message(target: str, name: str, respond_to: str) -> BusMessage:
    return _message(MessageType.GET, Target=target, Name=name, RespondTo=respond_to)


def set_message(target: str, name: str, value: Any) -> BusMessage:
    return _message(MessageType.SET, {"Value": value}, Target=target, Name=name)


def reset_message(target: str) -> BusMessage:
    return _message(MessageType.RESET, Target=target)


def update_message(target: str, source: str, name: str, value: Any) -> BusMessage:
    return _message(MessageType.UPDATE, {"Value": value}, Target=target, Source=source, Name=name)


def call_message(target: str, respond_to: str, method: str, call_id: str, params: Any = None) -> BusMessage:
    body = {} if params is None else {"Params": params}
    return _message(MessageType.CALL, body, Target=target, RespondTo=respond_to, Method=method, ID=call_id)


def call_result_message(
    target: str, executed_on: str, method: str, call_id: str | None, *, result: Any = None, failure: Any = None
) -> BusMessage:
    """A CallResult: `{"Result":…}` on success, `{"Failure":…}` when `failure` is given.

    A Call that came without an ID (a §8 variant) is answered without one.
    """
    body = {"Failure": failure} if failure is not None else {"Result": result}
    if call_id is None:
        topic = {"Type": MessageType.CALL_RESULT.value, "Target": target, "ExecutedOn": executed_on, "Method": method}
        return BusMessage(topic=topic, body=body)
    return _message(MessageType.CALL_RESULT, body, Target=target, ExecutedOn=executed_on, Method=method, ID=call_id)


def identify_message(respond_to: str) -> BusMessage:
    return _message(MessageType.IDENTIFY, Target=BROADCAST, RespondTo=respond_to)


def self_message(target: str, source: str, role: str) -> BusMessage:
    return _message(MessageType.SELF, {"Role": role}, Target=target, Source=source)


def startup_message(target: str, source: str, role: str) -> BusMessage:
    return _message(MessageType.STARTUP, {"Role": role}, Target=target, Source=source)


def log_message(source: str, level: LogLevel, text: str, code: str | None = None) -> BusMessage:
    body: dict[str, Any] = {"Level": level.value, "Message": text}
    if code is not None:
        body["Code"] = code
    return _message(MessageType.LOG, body, Target=BROADCAST, Source=source)


def is_null(value: Any) -> bool:
    """True for the documented "no such value" answer, the string "null" (§9)."""
    return isinstance(value, str) and value == NULL_VALUE
