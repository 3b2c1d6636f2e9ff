"""The chamber's physics (vacuum.md §9.5), stepped in simulated seconds.

Deliberately simple first-order models with the documented shape: exponential pump-down
to 0.01 kPa (τ 30 s) with a slow leak-up, venting to 101.3 kPa (τ 7 s), a shroud driven
by two TECs under a PI loop whose set-point moves at a slew limit (1.5 °C/min, standing in
for the server-computed gradient), a part lagging the shroud (minutes under vacuum,
faster near atmosphere), TEC external sides and coolant warming with |power|.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

ATMOSPHERE_KPA = 101.3
BASE_KPA = 0.01
PUMP_TAU_S = 30.0
VENT_TAU_S = 7.0
LEAK_UP_KPA_S = 0.0005
FAULT_LEAK_KPA_S = 0.05
SLEW_C_PER_S = 1.5 / 60
MIN_C, MAX_C = -40.0, 120.0
HEAT_GAIN_C_S = 0.2          # shroud °C/s at 100 % TEC power
LOSS_TAU_S = 1200.0
KP, KI = 20.0, 0.2           # %/°C, %/(°C·s)
MAX_STEP_S = 0.5             # integration step: stable for the fastest time constant (7 s)


@dataclass
class Faults:
    """Physical effects of injected faults."""

    leak: bool = False
    pump_fault: bool = False
    coolant_hot: bool = False
    frozen: bool = False      # MODBUS_TIMEOUT: the sensors stop updating


class ChamberPhysics:
    """State of the simulated chamber; `advance(dt)` moves it on by dt simulated seconds."""

    def __init__(self, seed: int = 0, ambient_c: float = 22.0) -> None:
        self.rng = random.Random(seed)
        self.ambient = ambient_c
        self.pressure = ATMOSPHERE_KPA
        self.shroud = self.part = self.setpoint = self.target = ambient_c
        self.coolant = ambient_c + 3.0
        self.power = 0.0
        self.integral = 0.0
        self.pump_on = False
        self.vent_open = False
        self.faults = Faults()
        self.sim_time_s = 0.0
        self._frozen_reading: dict | None = None

    def set_target(self, target_c: float) -> None:
        self.target = min(MAX_C, max(MIN_C, target_c))

    def hold_here(self) -> None:
        """Stop ramping: the set-point stays where it is now (pause, cancel)."""
        self.target = self.setpoint

    @property
    def at_target(self) -> bool:
        return self.setpoint == self.target and abs(self.shroud - self.target) < 1.0

    def advance(self, dt: float) -> None:
        steps = max(1, math.ceil(dt / MAX_STEP_S))
        for _ in range(min(steps, 20_000)):
            self._step(dt / steps)
        self.sim_time_s += dt

    def _step(self, dt: float) -> None:
        # set-point slews toward the target
        gap = self.target - self.setpoint
        self.setpoint += max(-SLEW_C_PER_S * dt, min(SLEW_C_PER_S * dt, gap))
        # PI loop with anti-windup: integrate only while unsaturated
        error = self.setpoint - self.shroud
        raw = KP * error + KI * self.integral
        if -100 < raw < 100:
            self.integral += error * dt
        self.power = max(-100.0, min(100.0, raw))
        self.shroud += (HEAT_GAIN_C_S * self.power / 100 - (self.shroud - self.ambient) / LOSS_TAU_S) * dt
        part_tau = 60.0 + 540.0 * (1 - min(self.pressure / ATMOSPHERE_KPA, 1.0))
        self.part += (self.shroud - self.part) / part_tau * dt
        coolant_goal = self.ambient + 3.0 + 0.1 * abs(self.power) + (30.0 if self.faults.coolant_hot else 0.0)
        self.coolant += (coolant_goal - self.coolant) / 180.0 * dt
        self._step_pressure(dt)

    def _step_pressure(self, dt: float) -> None:
        leak = FAULT_LEAK_KPA_S if self.faults.leak else LEAK_UP_KPA_S
        if self.vent_open:
            self.pressure += (ATMOSPHERE_KPA - self.pressure) / VENT_TAU_S * dt
        elif self.pump_on and not self.faults.pump_fault:
            self.pressure += (-(self.pressure - BASE_KPA) / PUMP_TAU_S + leak) * dt
        else:
            self.pressure += leak * dt
        self.pressure = min(ATMOSPHERE_KPA, max(BASE_KPA * 0.5, self.pressure))

    def reading(self) -> dict:
        """The sensor values (noisy); frozen while a Modbus timeout is injected."""
        if self.faults.frozen and self._frozen_reading is not None:
            return self._frozen_reading
        noise = self.rng.gauss
        tecs = []
        for tec_id, share in ((1, 1.0), (2, 0.97)):
            power = self.power * share
            tecs.append({"id": tec_id, "intT": round(self.shroud + 0.015 * power + noise(0, 0.05), 3),
                         "extT": round(self.coolant + 0.12 * abs(power) + noise(0, 0.05), 3), "powerPct": round(power, 2)})
        self._frozen_reading = {
            "pressureKPa": round(self.pressure * (1 + noise(0, 0.015)), 5),
            "shroudT": round(self.shroud + noise(0, 0.05), 3),
            "partT": round(self.part + noise(0, 0.03), 3),
            "setpointT": round(self.setpoint, 3),
            "tec": tecs,
            "coolantT": round(self.coolant + noise(0, 0.05), 3),
            "ambientT": round(self.ambient + noise(0, 0.05), 3),
        }
        return self._frozen_reading
