"""Which messages a traffic view shows: by type, by service (sender or addressee), by text.

Plain Python, so the rule is tested without a window and a flood is filtered with one
cheap predicate per message. Text matching looks at the topic and message as JSON,
case-insensitively, in the text as it travelled, so a filter never parses a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.bus.codec import encode_json
from backend.bus.message import BusMessage


@dataclass(frozen=True, slots=True)
class TrafficFilter:
    types: frozenset[str] = field(default_factory=frozenset)
    """Message types to show; empty shows every type."""
    service: str = ""
    """Show only messages sent by or addressed to this service; empty shows all."""
    text: str = ""
    """Show only messages whose topic or message contains this text (any case)."""

    @property
    def active(self) -> bool:
        return bool(self.types or self.service or self.text)

    def accepts(self, message: BusMessage) -> bool:
        if self.types and message.type not in self.types:
            return False
        if self.service:
            topic = message.topic
            if self.service not in (topic.get("Source"), topic.get("Target"), topic.get("ExecutedOn"), topic.get("RespondTo")):
                return False
        if self.text:
            needle = self.text.casefold()
            if needle not in encode_json(message.topic).casefold() and needle not in message.body_text().casefold():
                return False
        return True
