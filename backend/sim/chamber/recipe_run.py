"""A recipe run in the simulator: each step ramps to its target, then holds (vacuum.md §9.5).

`duration` is seconds of hold after the target is reached (the §4 Product decision).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.sim.chamber.physics import SLEW_C_PER_S, ChamberPhysics

ACTIVE = ("running", "paused")


@dataclass
class RecipeRun:
    name: str = ""
    steps: list[tuple[float, float]] = field(default_factory=list)
    state: str = "idle"
    step_index: int = 0
    phase: str = "ramp"
    step_elapsed_s: float = 0.0
    held_s: float = 0.0

    def start(self, physics: ChamberPhysics) -> None:
        self.state, self.step_index, self.phase, self.step_elapsed_s, self.held_s = "running", 0, "ramp", 0.0, 0.0
        physics.set_target(self.steps[0][0])

    def advance(self, physics: ChamberPhysics, dt: float) -> bool:
        """Move the run on by dt; True when the last step has just finished."""
        if self.state != "running":
            return False
        self.step_elapsed_s += dt
        target, hold = self.steps[self.step_index]
        if self.phase == "ramp" and physics.at_target:
            self.phase = "hold"
        if self.phase == "hold":
            self.held_s += dt
            if self.held_s >= hold:
                if self.step_index + 1 == len(self.steps):
                    self.state = "complete"
                    return True
                self.step_index += 1
                self.phase, self.step_elapsed_s, self.held_s = "ramp", 0.0, 0.0
                physics.set_target(self.steps[self.step_index][0])
        return False

    def remaining_s(self, physics: ChamberPhysics) -> float:
        """An estimate: ramps at the slew limit plus the holds still to do."""
        if self.state not in ACTIVE:
            return 0.0
        target, hold = self.steps[self.step_index]
        remaining = hold - self.held_s
        if self.phase == "ramp":
            remaining += abs(target - physics.setpoint) / SLEW_C_PER_S
        previous = target
        for next_target, next_hold in self.steps[self.step_index + 1:]:
            remaining += abs(next_target - previous) / SLEW_C_PER_S + next_hold
            previous = next_target
        return max(0.0, remaining)

    def status(self, physics: ChamberPhysics) -> dict:
        return {"state": self.state, "name": self.name, "stepIndex": self.step_index, "nSteps": len(self.steps),
                "phase": self.phase, "stepElapsedS": round(self.step_elapsed_s, 1),
                "remainingS": round(self.remaining_s(physics), 1)}
