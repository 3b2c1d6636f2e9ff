"""Plain-callback notification for backend models (DESIGN.md: models notify observers).

The GUI adapts these to Qt signals; headless code and tests connect plain functions.
A failing observer is logged and never stops the model or the other observers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")
log = logging.getLogger(__name__)


class Signal(Generic[P]):
    """A list of callbacks called in order with the same arguments."""

    __slots__ = ("_callbacks", "_name")

    def __init__(self, name: str = "signal") -> None:
        self._callbacks: list[Callable[P, object]] = []
        self._name = name

    def connect(self, callback: Callable[P, object]) -> Callable[P, object]:
        """Add `callback`; returns it, so this can be used as a decorator."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[P, object]) -> None:
        """Remove `callback` if connected (silently otherwise, so teardown never fails)."""
        try:
            self._callbacks.remove(callback)
        except ValueError:
            pass

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for callback in tuple(self._callbacks):
            try:
                callback(*args, **kwargs)
            except Exception:
                log.exception("Observer %r of %s failed", callback, self._name)

    def __len__(self) -> int:
        return len(self._callbacks)
