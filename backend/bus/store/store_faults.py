"""Faults the Store simulator can be told to have, switched at run time (bus.md §10.6).

They are set over the bus through a separate control service, `StoreFaults`, so a test
or an operator can make the Store misbehave and see how everything else copes — even
while the Store itself is silent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallRefused
from backend.bus.service import BusService

STARTUP_ANSWERS = ("Normal", "Late", "Never")
CALL_RESULTS = ("Normal", "Failure", "NoID", "Never")
LATE_STARTUP_S = 3.5
"""Later than a service's 3 s Startup retry (bus.md §6 step 7)."""


@dataclass
class StoreFaults:
    Silent: bool = False
    """No Identify and no answers at all (everything the Store would send is dropped)."""
    StartupAnswer: str = "Normal"
    """Normal, Late (after 3.5 s) or Never."""
    CallResult: str = "Normal"
    """Normal, Failure (every Call refused), NoID (answers lack the ID) or Never."""
    MalformedOutput: bool = False
    """Each Identify round also sends a malformed message, and topics go out in non-canonical key order."""

    def set(self, name: str, value: Any) -> None:
        if name not in {f.name for f in fields(self)}:
            raise CallRefused(f"Unknown fault {name}; known: {', '.join(f.name for f in fields(self))}")
        if name in ("Silent", "MalformedOutput") and not isinstance(value, bool):
            raise CallRefused(f"{name} must be true or false")
        if name == "StartupAnswer" and value not in STARTUP_ANSWERS:
            raise CallRefused(f"StartupAnswer must be one of {', '.join(STARTUP_ANSWERS)}")
        if name == "CallResult" and value not in CALL_RESULTS:
            raise CallRefused(f"CallResult must be one of {', '.join(CALL_RESULTS)}")
        setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StoreFaultControl(BusService):
    """The `StoreFaults` service: SetFault, ClearFaults, GetFaults and Restart for one Store."""

    NAME = "StoreFaults"

    def __init__(self, endpoints: HubEndpoints, store: Any) -> None:
        super().__init__(self.NAME, "Simulator", endpoints, stateful=False)
        self.store = store
        self.methods.add("SetFault", self.set_fault, summary="Switch one Store fault: Name, Value.")
        self.methods.add("ClearFaults", self.clear_faults, summary="Back to a well-behaved Store.")
        self.methods.add("GetFaults", self.get_faults, summary="The faults now in effect.")
        self.methods.add("Restart", self.restart, summary="Restart the Store: clients forgotten, Identify paused PauseS seconds.")

    def set_fault(self, Name: str, Value: Any) -> dict[str, Any]:
        self.store.faults.set(Name, Value)
        return self.store.faults.as_dict()

    def clear_faults(self) -> dict[str, Any]:
        self.store.faults = StoreFaults()
        return self.store.faults.as_dict()

    def get_faults(self) -> dict[str, Any]:
        return self.store.faults.as_dict()

    def restart(self, PauseS: float = 8.0) -> None:
        if not isinstance(PauseS, (int, float)) or isinstance(PauseS, bool) or not 0 <= PauseS <= 600:
            raise CallRefused("PauseS must be a number of seconds from 0 to 600")
        self.store.simulate_restart(float(PauseS))
