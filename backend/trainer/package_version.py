"""The auto-trainer-api version a device announces in its heartbeat, as something comparable."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBERS = re.compile(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True, order=True)
class PackageVersion:
    """major.minor.patch; anything after the numbers (rc1, +local) is ignored for decoding rules."""

    major: int
    minor: int = 0
    patch: int = 0

    @classmethod
    def parse(cls, text: object) -> PackageVersion | None:
        """The version in `text`, or None when it does not start with a number."""
        if not isinstance(text, str):
            return None
        match = _NUMBERS.match(text)
        if not match:
            return None
        major, minor, patch = (int(part) if part else 0 for part in match.groups())
        return cls(major, minor, patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


DOUBLE_ENCODED_BEFORE = PackageVersion(0, 9, 8)
"""Before 0.9.8 PUB payloads are a JSON string wrapping JSON, camelised as text (§6)."""
