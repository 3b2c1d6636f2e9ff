"""A recipe: a name and steps of (target °C, hold seconds), validated before it is sent.

vacuum.md §4: each wire step is `[targetT, duration, gradient]`; the gradient is
ignored on input (the server computes it), so Switchboard sends 0.0. `targetT` is °C and
`duration` is seconds of hold after the target is reached (Product decisions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_MIN_C = -40.0
DEFAULT_MAX_C = 120.0
DURATION_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}
"""Seconds per unit of `duration` on the wire; which one the chamber uses is a setting (§4, §8)."""
DURATION_MEANINGS = ("hold", "total")
"""What the chamber counts in `duration`: the hold after the target is reached, or the whole step."""


@dataclass(frozen=True)
class Step:
    """Target °C and the step's `duration` in seconds: the hold, or the whole step where the chamber counts so."""

    target_c: float
    hold_s: float


@dataclass(frozen=True)
class Recipe:
    name: str
    steps: tuple[Step, ...]

    def wire(self, duration_unit: str = "s") -> dict[str, Any]:
        """The `load_recipe` payload object (sent as a JSON string), `duration` in the chamber's unit."""
        per_unit = DURATION_UNITS[duration_unit]
        return {"name": self.name, "recipe": [[s.target_c, s.hold_s / per_unit, 0.0] for s in self.steps]}

    def pairs(self) -> list[list[float]]:
        """Steps as `[[targetC, holdS], …]`: the bus Call's and the recipe file's form."""
        return [[s.target_c, s.hold_s] for s in self.steps]


class InvalidRecipe(ValueError):
    """A recipe the chamber must not be sent; the message is a sentence for the operator."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def recipe_problems(name: Any, steps: Any, min_c: float = DEFAULT_MIN_C, max_c: float = DEFAULT_MAX_C) -> list[str]:
    """Every reason `name`/`steps` (`[[targetC, holdS], …]`) is not a valid recipe, as sentences."""
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append("The recipe needs a name.")
    if not isinstance(steps, Sequence) or isinstance(steps, str) or not steps:
        problems.append("The recipe needs at least one step.")
        return problems
    for number, step in enumerate(steps, start=1):
        if isinstance(step, str) or not isinstance(step, Sequence) or len(step) != 2 or not all(map(_is_number, step)):
            problems.append(f"Step {number} must be two numbers: target °C and hold seconds.")
            continue
        target, hold = step
        if not min_c <= target <= max_c:
            problems.append(f"Step {number}: target {target:g} °C is outside {min_c:g}…{max_c:g} °C.")
        if hold <= 0:
            problems.append(f"Step {number}: hold must be more than 0 s.")
    return problems


def make_recipe(name: Any, steps: Any, min_c: float = DEFAULT_MIN_C, max_c: float = DEFAULT_MAX_C) -> Recipe:
    """A validated Recipe, or InvalidRecipe naming every problem."""
    problems = recipe_problems(name, steps, min_c, max_c)
    if problems:
        raise InvalidRecipe(" ".join(problems))
    return Recipe(name.strip(), tuple(Step(float(t), float(h)) for t, h in steps))
