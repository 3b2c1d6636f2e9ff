"""Requests waiting for their answer: Calls by ID, Gets and Sets by (owner, name).

The bus has no request IDs except on Calls, so Gets and Sets are matched on the
Update that comes back from the owner for the same name or a parent path (§4, §9).
A CallResult without an ID (a §8 variant) goes to the oldest pending Call with the
same method and callee.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backend.bus import value_paths
from backend.bus.errors import BusError
from backend.bus.message import BusMessage

_PROCESS_PREFIX = secrets.token_hex(4)
_counter = itertools.count(1)


def next_call_id() -> str:
    """`<8 random hex chars per process>-<counter>` (§4, Product decision)."""
    return f"{_PROCESS_PREFIX}-{next(_counter)}"


@dataclass(slots=True)
class PendingCall:
    target: str
    method: str
    future: asyncio.Future[BusMessage]


@dataclass(slots=True)
class PendingValue:
    """A Get or a Set waiting for an Update of `name` from `target`."""

    target: str
    name: str
    future: asyncio.Future[Any]


class PendingRequests:
    """Everything this service is waiting for, and the matching of answers to it."""

    def __init__(self) -> None:
        self._calls: dict[str, PendingCall] = {}
        self._values: list[PendingValue] = []

    def add_call(self, call_id: str, target: str, method: str) -> asyncio.Future[BusMessage]:
        future: asyncio.Future[BusMessage] = asyncio.get_running_loop().create_future()
        self._calls[call_id] = PendingCall(target, method, future)
        return future

    def drop_call(self, call_id: str) -> None:
        self._calls.pop(call_id, None)

    def add_value(self, target: str, name: str) -> PendingValue:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        pending = PendingValue(target, name, future)
        self._values.append(pending)
        return pending

    def drop_value(self, pending: PendingValue) -> None:
        try:
            self._values.remove(pending)
        except ValueError:
            pass

    def match_call_result(self, message: BusMessage) -> bool:
        """Resolve the Call `message` answers; False if none was waiting for it."""
        call_id = message.call_id
        pending = self._calls.pop(call_id, None) if call_id else self._oldest_call_like(message)
        if pending is None:
            return False
        if not pending.future.done():
            pending.future.set_result(message)
        return True

    def _oldest_call_like(self, message: BusMessage) -> PendingCall | None:
        callee = message.executed_on or message.source
        for call_id, pending in self._calls.items():  # dicts keep insertion order: oldest first
            if pending.method == message.method and (callee is None or pending.target == callee):
                return self._calls.pop(call_id)
        return None

    def match_update(self, message: BusMessage) -> None:
        """Resolve every Get or Set whose value this Update carries."""
        if not self._values:
            return
        source, name = message.source, message.name
        if source is None or name is None:
            return
        for pending in list(self._values):
            if pending.target != source or not value_paths.is_within(pending.name, name):
                continue
            self._values.remove(pending)
            if pending.future.done():
                continue
            try:
                value = value_paths.get_at(message.value, value_paths.relative(pending.name, name))
            except value_paths.PathNotFound:
                value = "null"
            pending.future.set_result(value)

    def fail_all(self, error: BusError) -> None:
        """End every wait at once (the hub went away: no answer can come)."""
        for pending in self._iter_futures():
            if not pending.done():
                pending.set_exception(error)
        self._calls.clear()
        self._values.clear()

    def _iter_futures(self) -> Iterator[asyncio.Future[Any]]:
        for call in self._calls.values():
            yield call.future
        for value in self._values:
            yield value.future
