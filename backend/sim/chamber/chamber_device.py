"""The simulated XO-VAC+ firmware without its transport: commands, run, alarms (vacuum.md §4, §6, §9).

The socket.io server (chamber_server.py) decodes, routes by the name table and encodes;
this class decides. It outlives server restarts, so a run continues while the link is
down, as on the real unit.
"""

from __future__ import annotations

import math
import time
from typing import Any

from backend.sim.chamber.physics import MAX_C, MIN_C, ChamberPhysics
from backend.sim.chamber.recipe_run import ACTIVE, RecipeRun

# Documented texts (vacuum.md §4, §9.2)
SUCCESS = {"result": "success", "message": ""}
CANCEL_IDLE = "Could not cancel server running as server is not running."
LOAD_RUNNING = "Could not load recipe as the server is already running."
# Texts of undocumented refusals (Product decision, in the documented style)
PAUSE_IDLE = "Could not pause recipe as the server is not running."
RESUME_NOT_PAUSED = "Could not resume recipe as the recipe is not paused."
START_NOT_LOADED = "Could not start recipe as no recipe is loaded."
PUMP_VENT_OPEN = "Could not start the pump as the vent is open."
VENT_PUMP_ON = "Could not open the vent as the pump is on."
SETPOINT_RUNNING = "Could not set the temperature as a recipe is running."

ALARMS = {
    "OVER_TEMP": ("error", "Shroud over-temperature"),
    "COOLANT_HOT": ("warning", "Coolant too hot"),
    "LEAK": ("error", "Leak: pressure rising while pumping"),
    "PUMP_FAULT": ("error", "Vacuum pump fault"),
    "MODBUS_TIMEOUT": ("warning", "Modbus timeout: sensor values frozen"),
}
OVER_TEMP_C = MAX_C + 5.0
RUN_STEP_S = 1.0


def warning(message: str) -> dict:
    return {"result": "warning", "message": message}


def error(message: str) -> dict:
    return {"result": "error", "message": message}


def parse_steps(recipe: Any) -> tuple[list[tuple[float, float]] | None, str]:
    """Steps `[[targetT, duration, gradient], …]` → (target, hold) pairs, or None and the reason."""
    if not isinstance(recipe, list) or not recipe:
        return None, "recipe must be a non-empty array of steps"
    steps = []
    for number, step in enumerate(recipe, start=1):
        if not isinstance(step, list) or len(step) != 3 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in step):
            return None, f"step {number} must be exactly three numbers [targetT, duration, gradient]"
        target, duration, _gradient = step
        if not MIN_C <= target <= MAX_C:
            return None, f"step {number}: targetT {target} is outside {MIN_C}…{MAX_C} °C"
        if duration <= 0:
            return None, f"step {number}: duration must be more than 0"
        steps.append((float(target), float(duration)))
    return steps, ""


class ChamberDevice:
    """Decides every command and produces every push; time moves only through `advance`."""

    def __init__(self, seed: int = 0, load_autostarts: bool = True) -> None:
        self.physics = ChamberPhysics(seed)
        self.run = RecipeRun()
        self.load_autostarts = load_autostarts
        self.alarms: dict[str, dict] = {}
        self.forced_alarms: set[str] = set()
        self.clock_ms = time.time() * 1000
        self.client_utc_offset_ms: int | None = None
        self.client_epoch_ms: float | None = None

    # -- commands ----------------------------------------------------------------------------

    def load_recipe(self, payload: dict) -> dict:
        if self.run.state in ACTIVE:
            return warning(LOAD_RUNNING)
        name = payload.get("name")
        if not isinstance(name, str) or not name.strip():
            return error("name must be a non-empty string")
        steps, reason = parse_steps(payload.get("recipe"))
        if steps is None:
            return error(reason)
        self.run = RecipeRun(name=name, steps=steps)
        if self.load_autostarts:
            self.run.start(self.physics)
        else:
            self.run.state = "loaded"
        return SUCCESS

    def cancel_recipe(self) -> dict:
        if self.run.state not in ACTIVE:
            return warning(CANCEL_IDLE)
        self.run.state = "cancelled"
        self.physics.hold_here()
        return SUCCESS

    def pause_recipe(self) -> dict:
        if self.run.state != "running":
            return warning(PAUSE_IDLE)
        self.run.state = "paused"
        self.physics.hold_here()
        return SUCCESS

    def resume_recipe(self) -> dict:
        if self.run.state != "paused":
            return warning(RESUME_NOT_PAUSED)
        self.run.state = "running"
        self.physics.set_target(self.run.steps[self.run.step_index][0])
        return SUCCESS

    def start_recipe(self) -> dict:
        if self.run.state != "loaded":
            return warning(START_NOT_LOADED)
        self.run.start(self.physics)
        return SUCCESS

    def pump(self, on: bool) -> dict:
        if on and self.physics.vent_open:
            return warning(PUMP_VENT_OPEN)
        self.physics.pump_on = on
        return SUCCESS

    def vent(self, open_: bool) -> dict:
        if open_ and self.physics.pump_on:
            return warning(VENT_PUMP_ON)
        self.physics.vent_open = open_
        return SUCCESS

    def set_temperature(self, payload: dict) -> dict:
        if self.run.state in ACTIVE:
            return warning(SETPOINT_RUNNING)
        target = payload.get("targetT")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not MIN_C <= target <= MAX_C:
            return error(f"targetT must be a number within {MIN_C}…{MAX_C} °C")
        self.physics.set_target(float(target))
        return SUCCESS

    def status(self) -> dict:
        return {**SUCCESS, "status": {"telemetry": self.telemetry(), "recipe_status": self.run.status(self.physics),
                                      "alarms": [a for a in self.alarms.values() if a["active"]]}}

    def sync_time(self, payload: dict) -> None:
        """`sync_xovac_time`: accepts `epoch` or `msSinceEpoch` (§7); only the log clock changes."""
        offset = payload.get("utcOffset")
        self.client_utc_offset_ms = offset if isinstance(offset, int) else None
        epoch = payload.get("epoch", payload.get("msSinceEpoch"))  # the sample's key, or the parameter table's (§4)
        self.client_epoch_ms = epoch if isinstance(epoch, int | float) and not isinstance(epoch, bool) else None

    # -- time and pushes ------------------------------------------------------------------------

    def advance(self, dt: float) -> list[tuple[str, dict]]:
        """Move on by dt simulated seconds, in steps of at most 1 s so no phase is skipped even
        at a large time scale; returns the pushes this caused (§6 names)."""
        pushes: list[tuple[str, dict]] = []
        steps = max(1, math.ceil(dt / RUN_STEP_S))
        for _ in range(steps):
            pushes += self._advance_step(dt / steps)
        return pushes

    def _advance_step(self, dt: float) -> list[tuple[str, dict]]:
        before = self.run.state, self.run.step_index, self.run.phase
        self.physics.advance(dt)
        self.clock_ms += dt * 1000
        pushes: list[tuple[str, dict]] = []
        finished = self.run.advance(self.physics, dt)
        if (self.run.state, self.run.step_index, self.run.phase) != before:
            pushes.append(("recipe_status", self.run.status(self.physics)))
        if finished:
            pushes.append(("recipe_complete", {**SUCCESS, "name": self.run.name}))
        hot = self.physics.shroud > OVER_TEMP_C
        pushes += self.set_alarm("OVER_TEMP", hot or "OVER_TEMP" in self.forced_alarms)
        return pushes

    def telemetry(self) -> dict:
        return {"t": int(self.clock_ms), **self.physics.reading(), "pumpOn": self.physics.pump_on,
                "ventOpen": self.physics.vent_open}

    def set_alarm(self, code: str, active: bool) -> list[tuple[str, dict]]:
        """Raise or clear `code`; the alarm push if that changed anything."""
        known = self.alarms.get(code)
        if bool(known and known["active"]) == active:
            return []
        result, message = ALARMS[code]
        self.alarms[code] = {"result": result, "message": message, "code": code, "active": active}
        return [("alarm", dict(self.alarms[code]))]

    def force_alarm(self, code: str, active: bool) -> list[tuple[str, dict]]:
        """Fault injection: an alarm with its physical effect (LEAK leaks, PUMP_FAULT stops pumping…)."""
        if code not in ALARMS:
            raise ValueError(f"unknown alarm code {code!r} (known: {', '.join(ALARMS)})")
        (self.forced_alarms.add if active else self.forced_alarms.discard)(code)
        faults = self.physics.faults
        faults.leak = "LEAK" in self.forced_alarms
        faults.pump_fault = "PUMP_FAULT" in self.forced_alarms
        faults.coolant_hot = "COOLANT_HOT" in self.forced_alarms
        faults.frozen = "MODBUS_TIMEOUT" in self.forced_alarms
        return self.set_alarm(code, active or (code == "OVER_TEMP" and self.physics.shroud > OVER_TEMP_C))
