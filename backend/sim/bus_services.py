"""Simulated services of the kinds a real Pixotope-style bus carries.

Each is a real `BusService`: stateful (Startup to the Store, Get/Set/Reset of its
State), with Calls, periodic `SystemInfo` Updates and occasional Logs, so the Bus panel
and the Store have realistic company. Each refuses something (a Set out of range, a
Call with a bad argument) the way a real service would, so refusals can be seen too.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import Any

from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallRefused
from backend.bus.message import BROADCAST, LogLevel, update_message
from backend.bus.service import BusService


class SimulatedService(BusService):
    """A BusService that also publishes live values and logs on its own schedule."""

    telemetry_period_s = 1.0

    def __init__(self, name: str, role: str, endpoints: HubEndpoints, state: dict[str, Any], seed: int = 1) -> None:
        super().__init__(name, role, endpoints, default_state=state)
        self.random = random.Random(seed)
        self.started = time.monotonic()

    async def start(self) -> None:
        await super().start()
        self._spawn(self._publish_forever(), "telemetry")

    async def _publish_forever(self) -> None:
        while True:
            await asyncio.sleep(self.telemetry_period_s)
            self.tick(time.monotonic() - self.started)

    def tick(self, elapsed: float) -> None:
        """Publish whatever this service reports continuously."""

    def publish_info(self, value: dict[str, Any]) -> None:
        self.publish(update_message(BROADCAST, self.name, "SystemInfo", value))


class TrackingService(SimulatedService):
    """A camera-tracking service: a moving camera pose at 10 Hz, recalibration on request."""

    telemetry_period_s = 0.1

    def __init__(self, machine: str, endpoints: HubEndpoints) -> None:
        state = {
            "Protocol": "FreeD",
            "Port": 6301,
            "Enabled": True,
            "Smoothing": 0.2,
            "Offset": {"X": 0.0, "Y": 0.0, "Z": 0.0},
        }
        super().__init__(f"{machine}-Tracking", "Tracking", endpoints, state, seed=11)
        self.methods.add("Recalibrate", self.recalibrate, summary="Re-run lens and origin calibration (takes 1 s).")
        self.methods.add("SetOrigin", self.set_origin, summary="Move the tracking origin to X, Y, Z (metres).")

    def refuse_set(self, name: str, value: Any) -> str | None:
        if name == "State.Port" and not (isinstance(value, int) and 1024 <= value <= 65535):
            return "Port must be a whole number from 1024 to 65535"
        if name == "State.Smoothing" and not (isinstance(value, (int, float)) and 0 <= value <= 1):
            return "Smoothing must be between 0 and 1"
        return super().refuse_set(name, value)

    def tick(self, elapsed: float) -> None:
        if not self.state.get("Enabled", True):
            return
        self.publish_info(
            {
                "Camera": {
                    "X": round(2.0 * math.sin(elapsed / 7), 4),
                    "Y": round(1.6 + 0.05 * math.sin(elapsed), 4),
                    "Z": round(4.0 + 1.5 * math.cos(elapsed / 9), 4),
                    "Pan": round(15 * math.sin(elapsed / 5), 3),
                    "Tilt": round(-3 + 2 * math.sin(elapsed / 3), 3),
                    "Zoom": round(0.5 + 0.4 * math.sin(elapsed / 11), 3),
                },
                "PacketsPerSecond": 50,
            }
        )

    async def recalibrate(self) -> dict[str, float]:
        await asyncio.sleep(1.0)
        residual = round(self.random.uniform(0.2, 0.9), 2)
        self.log(LogLevel.INFO, f"Recalibrated; residual {residual} mm")
        return {"ResidualMm": residual}

    def set_origin(self, X: float, Y: float, Z: float) -> None:
        for axis, value in (("X", X), ("Y", Y), ("Z", Z)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise CallRefused(f"{axis} must be a number of metres")
        self.update_state("State.Offset", {"X": X, "Y": Y, "Z": Z})


class EngineService(SimulatedService):
    """A render engine: frame rate and load every second, properties by object path."""

    def __init__(self, machine: str, endpoints: HubEndpoints) -> None:
        state = {"Level": "Studio_A", "FrameRate": 50, "Genlock": True}
        super().__init__(f"{machine}-Engine", "Engine", endpoints, state, seed=23)
        self.properties: dict[str, str] = {
            "SpotLight_1.LightComponent0.Intensity": "10.000000",
            "SpotLight_1.LightComponent0.Color": "(R=1.0,G=0.9,B=0.8)",
            "Floor.Material": "M_Concrete",
        }
        self.methods.add("GetProperty", self.get_property, summary="Read an object's property (as a string).")
        self.methods.add("SetProperty", self.set_property, summary="Write an object's property.", changes_world=True)
        self.methods.add("LoadLevel", self.load_level, summary="Load a level by name.", changes_world=True)

    def refuse_set(self, name: str, value: Any) -> str | None:
        if name == "State.FrameRate" and value not in (24, 25, 30, 50, 60):
            return "FrameRate must be one of 24, 25, 30, 50, 60"
        return super().refuse_set(name, value)

    def tick(self, elapsed: float) -> None:
        rate = self.state.get("FrameRate", 50)
        dropped = 1 if self.random.random() < 0.05 else 0
        self.publish_info({"FPS": rate - dropped, "GpuLoad": round(self.random.uniform(0.55, 0.8), 2)})
        if dropped:
            self.log(LogLevel.WARNING, f"Dropped a frame at {rate} fps", code="FrameDrop")

    def get_property(self, ObjectSearch: str, PropertyPath: str) -> str:
        key = f"{ObjectSearch}.{PropertyPath}"
        if key not in self.properties:
            raise CallRefused(f"No property {PropertyPath} on {ObjectSearch}")
        return self.properties[key]

    def set_property(self, ObjectSearch: str, PropertyPath: str, Value: Any) -> None:
        self.properties[f"{ObjectSearch}.{PropertyPath}"] = str(Value)

    async def load_level(self, Level: str) -> None:
        if not isinstance(Level, str) or not Level:
            raise CallRefused("Level must be a level name")
        await asyncio.sleep(0.5)
        self.update_state("State.Level", Level)
        self.log(LogLevel.INFO, f"Loaded level {Level}")


class VideoIOService(SimulatedService):
    """Video inputs and outputs; an input loses and regains its signal now and then."""

    telemetry_period_s = 5.0

    def __init__(self, machine: str, endpoints: HubEndpoints) -> None:
        state = {
            "Inputs": {
                "SDI1": {"Format": "1080p50", "Enabled": True},
                "SDI2": {"Format": "1080p50", "Enabled": True},
            },
            "Outputs": {"SDI3": {"Format": "1080p50", "Key": True}},
        }
        super().__init__(f"{machine}-VideoIO", "VideoIO", endpoints, state, seed=37)
        self.signal_ok = True
        self.methods.add("RestartPipeline", self.restart_pipeline, summary="Restart the video pipeline.", changes_world=True)

    def tick(self, elapsed: float) -> None:
        if self.random.random() < 0.3:
            self.signal_ok = not self.signal_ok
            if self.signal_ok:
                self.log(LogLevel.INFO, "SDI2: signal back", code="SignalBack")
            else:
                self.log(LogLevel.WARNING, "SDI2: signal lost", code="SignalLost")
        self.publish_info({"SDI1": "locked", "SDI2": "locked" if self.signal_ok else "no signal"})

    async def restart_pipeline(self) -> str:
        await asyncio.sleep(0.3)
        self.log(LogLevel.INFO, "Pipeline restarted")
        return "restarted"


def demo_services(endpoints: HubEndpoints) -> list[SimulatedService]:
    """The services of the demo floor, spread over two machines as a real studio would be."""
    return [
        TrackingService("STUDIO1", endpoints),
        EngineService("RENDER1", endpoints),
        VideoIOService("RENDER1", endpoints),
    ]
