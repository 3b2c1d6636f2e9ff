"""Acks matched by event name (vacuum.md §8): at most one outstanding command per name.

The protocol has no correlation id, so the answer to `pump_on` is simply the next
`pump_on_ack`. A second `pump_on` while the first waits is refused rather than guessed
at; an ack nobody waits for (late, duplicated, or meant for the vendor's UI connected at
the same time) is counted and logged, never fatal.
"""

from __future__ import annotations

import asyncio

from backend.chamber.errors import ChamberError


class AckWaiter:
    """Futures of the outstanding commands, keyed by wire command name."""

    def __init__(self) -> None:
        self._pending: dict[str, asyncio.Future] = {}

    def expect(self, command: str, chamber: str) -> asyncio.Future:
        if command in self._pending:
            raise ChamberError(f"Chamber '{chamber}' is still waiting for the answer to {command}; try again when it arrives.")
        future = asyncio.get_running_loop().create_future()
        self._pending[command] = future
        return future

    def forget(self, command: str, future: asyncio.Future) -> None:
        if self._pending.get(command) is future:
            del self._pending[command]

    def resolve(self, command: str, payload: object) -> bool:
        """Deliver an ack; False if nobody waits for it (unsolicited)."""
        future = self._pending.pop(command, None)
        if future is None or future.done():
            return False
        future.set_result(payload)
        return True

    def fail_all(self, error: ChamberError) -> None:
        """The link dropped: every waiting command learns it now, not at its timeout."""
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
