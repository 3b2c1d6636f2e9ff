"""What can go wrong when talking to another service, as sentences an operator can read."""

from __future__ import annotations

import json
from typing import Any


class BusError(Exception):
    """Base of every bus failure; `str()` is a sentence for the operator."""


class CallFailed(BusError):
    """The callee answered a Call with a Failure (a string or an object, §4)."""

    def __init__(self, target: str, method: str, failure: Any) -> None:
        self.target = target
        self.method = method
        self.failure = failure
        text = failure if isinstance(failure, str) else json.dumps(failure, ensure_ascii=False)
        super().__init__(f"{target} refused {method}: {text}")


class CallTimeout(BusError):
    def __init__(self, target: str, method: str, timeout: float) -> None:
        self.target = target
        self.method = method
        super().__init__(f"{target} did not answer {method} within {timeout:g} s")


class GetTimeout(BusError):
    def __init__(self, target: str, name: str, timeout: float) -> None:
        self.target = target
        self.name = name
        super().__init__(f"{target} did not answer a Get of {name} within {timeout:g} s")


class ValueMissing(BusError):
    """The owner answered "null": it has no value at that name (§9)."""

    def __init__(self, target: str, name: str) -> None:
        self.target = target
        self.name = name
        super().__init__(f"{target} has no value at {name}")


class HubLost(BusError):
    def __init__(self, what: str) -> None:
        super().__init__(f"The connection to the hub was lost while waiting for {what}")


class CallRefused(BusError):
    """Raised by a Call handler to answer with a Failure whose text is this message."""
