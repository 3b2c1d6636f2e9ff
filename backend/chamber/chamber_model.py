"""What Switchboard knows about one chamber: readings, run, alarms, link; observable.

The client writes into it; panels and the bus read it and connect to its signals. It
holds no protocol knowledge (the client parses) and no Qt (the GUI adapts the signals).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

from backend.chamber.alarms import Alarm, AlarmList
from backend.chamber.payload import Reply
from backend.chamber.recipe_status import RecipeStatus
from backend.chamber.telemetry import CHANNEL_KEYS, Telemetry
from backend.chamber.telemetry_history import TelemetryHistory, capacity_for
from backend.observable import Signal


class LinkState(enum.Enum):
    """What the operator must know about the data: fresh, late, or gone (vacuum.md §8)."""

    CONNECTING = "connecting"   # no telemetry yet since start
    LIVE = "live"               # telemetry within the stale threshold (3 s)
    STALE = "stale"             # none for 3 s
    LOST = "lost"               # none for 10 s


class ChamberModel:
    """One chamber's state and history, with a signal per kind of change."""

    def __init__(self, name: str, history_capacity: int | None = None) -> None:
        self.name = name
        self.history = TelemetryHistory(CHANNEL_KEYS, history_capacity or capacity_for())
        self.latest: Telemetry | None = None
        self.recipe = RecipeStatus()
        self.last_completion: Reply | None = None
        self.alarms = AlarmList()
        self.link = LinkState.CONNECTING
        self.connected = False
        self.link_problem = ""
        self.malformed_count = 0
        self.unsolicited_acks = 0
        self.telemetry_received: Signal[[Telemetry]] = Signal("chamber.telemetry_received")
        self.recipe_changed: Signal[[RecipeStatus]] = Signal("chamber.recipe_changed")
        self.recipe_completed: Signal[[Reply]] = Signal("chamber.recipe_completed")
        self.alarms_changed: Signal[[list[Alarm]]] = Signal("chamber.alarms_changed")
        self.link_changed: Signal[[LinkState]] = Signal("chamber.link_changed")
        self.connection_changed: Signal[[bool]] = Signal("chamber.connection_changed")

    def add_telemetry(self, sample: Telemetry) -> int:
        """Keep a sample; one at the newest time (a status snapshot repeating it) is dropped.

        One dated by the chamber but older than the newest means the chamber's clock went
        back, or the newest held came with an absurd time: the held samples later than it
        are forgotten, so the history stays ordered and live instead of refusing every
        sample from now on. An undated one (the PC's time) is only kept if it is newer.
        Returns how many held samples were forgotten."""
        forgotten = 0
        if self.latest is not None and sample.t <= self.latest.t:
            if sample.t == self.latest.t or not sample.dated:
                return 0
            forgotten = self.history.drop_after(sample.t)
        self.latest = sample
        self.history.append(sample.t, sample.values)
        self.telemetry_received.emit(sample)
        return forgotten

    def set_recipe(self, status: RecipeStatus) -> None:
        if status != self.recipe:
            self.recipe = status
            self.recipe_changed.emit(status)

    def complete_recipe(self, reply: Reply) -> None:
        self.last_completion = reply
        self.recipe_completed.emit(reply)

    def update_alarm(self, payload: dict) -> Alarm:
        alarm = self.alarms.update(payload)
        self.alarms_changed.emit(self.alarms.listed())
        return alarm

    def acknowledge_alarm(self, code: str) -> bool:
        """The operator has seen alarm `code`; a cleared and acknowledged alarm leaves the list."""
        changed = self.alarms.acknowledge(code)
        if changed:
            self.alarms_changed.emit(self.alarms.listed())
        return changed

    def set_link(self, link: LinkState) -> None:
        if link is not self.link:
            self.link = link
            self.link_changed.emit(link)

    def set_connected(self, connected: bool, problem: str = "") -> None:
        self.link_problem = problem
        if connected is not self.connected:
            self.connected = connected
            self.connection_changed.emit(connected)

    def reading(self, key: str) -> float:
        return self.latest.values.get(key, math.nan) if self.latest else math.nan

    def observe(self, on_change: Callable[[], object]) -> Callable[[], None]:
        """Call `on_change()` on any change; returns the function that stops observing."""
        signals = (self.telemetry_received, self.recipe_changed, self.recipe_completed, self.alarms_changed,
                   self.link_changed, self.connection_changed)
        handler = lambda *_: on_change()  # noqa: E731
        for signal in signals:
            signal.connect(handler)
        return lambda: [signal.disconnect(handler) for signal in signals] and None

    def summary(self) -> dict:
        """JSON-able snapshot for the bus State: latest readings, the run, alarms and the link."""
        return {
            "Link": self.link.value,
            "Connected": self.connected,
            "Readings": self.latest.as_dict() if self.latest else {},
            "Recipe": self.recipe.as_dict(),
            "Alarms": [{"Code": a.code, "Message": a.message, "Active": a.active, "Acknowledged": a.acknowledged}
                       for a in self.alarms.listed()],
        }
