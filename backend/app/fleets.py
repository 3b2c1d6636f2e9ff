"""Every device family Switchboard drives: the runtime builds one fleet of each."""

from __future__ import annotations

from backend.app.device_fleet import DeviceFleet
from backend.app.trainer_fleet import TrainerFleet

FLEET_TYPES: list[type[DeviceFleet]] = [TrainerFleet]
