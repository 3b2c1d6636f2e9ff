"""The run's progress as the chamber reports it (vacuum.md §6 `recipe_status`)."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

from backend.chamber.payload import number, read_enum

MAX_COUNT = 2**31 - 1


class RunState(enum.Enum):
    """`recipe_status.state`; a value the table does not list reads as UNKNOWN (shown, never fatal)."""

    IDLE = "idle"
    LOADED = "loaded"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    ERROR = "error"
    UNKNOWN = "unknown"

    @classmethod
    def read(cls, value: Any) -> RunState:
        return read_enum(cls, value, cls.UNKNOWN)


@dataclass(frozen=True)
class RecipeStatus:
    state: RunState = RunState.IDLE
    name: str = ""
    step_index: int = 0
    n_steps: int = 0
    phase: str = ""
    step_elapsed_s: float = math.nan
    remaining_s: float = math.nan

    @classmethod
    def read(cls, payload: dict[str, Any]) -> RecipeStatus:
        index, steps = number(payload, "stepIndex"), number(payload, "nSteps")
        name, phase = payload.get("name"), payload.get("phase")
        return cls(
            RunState.read(payload.get("state")),
            name if isinstance(name, str) else "",
            _count(index),
            _count(steps),
            phase if isinstance(phase, str) else "",
            number(payload, "stepElapsedS"),
            number(payload, "remainingS"),
        )

    @property
    def active(self) -> bool:
        return self.state in (RunState.RUNNING, RunState.PAUSED)

    def as_dict(self) -> dict[str, Any]:
        def clean(v: float) -> float | None:
            return None if math.isnan(v) else round(v, 1)
        return {"State": self.state.value, "Name": self.name, "Step": self.step_index + 1 if self.n_steps else 0,
                "Steps": self.n_steps, "Phase": self.phase, "StepElapsedS": clean(self.step_elapsed_s),
                "RemainingS": clean(self.remaining_s)}


def _count(value: float) -> int:
    """A step index or count; NaN, negative or beyond any recipe (Qt's progress bar takes 32-bit ints) reads as 0."""
    return int(value) if 0 <= value < MAX_COUNT else 0
