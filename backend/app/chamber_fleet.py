"""Every configured XO-VAC+ chamber: clients, models, bus Calls, live status, audited actions.

The panel and bus Calls both act through this fleet, so every world-changing command
(load & run, cancel, pump, vent, set-point) lands in the audit log with its outcome, and
every refusal or failure reaches the event log as a sentence naming the chamber.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.app.device_fleet import DeviceFleet
from backend.app.device_settings import ChamberSettings
from backend.app.switchboard_service import SwitchboardService
from backend.bus.errors import CallRefused
from backend.chamber.chamber_client import ChamberClient
from backend.chamber.chamber_model import ChamberModel
from backend.chamber.errors import ChamberError
from backend.chamber.payload import Reply
from backend.chamber.recipe import InvalidRecipe, Recipe, make_recipe
from backend.chamber.telemetry_history import capacity_for
from backend.observable import Signal

log = logging.getLogger(__name__)
SOURCE = {"source": "Chamber"}


@dataclass(frozen=True)
class Chamber:
    """One configured chamber: its settings, what we know of it, and its link."""

    settings: ChamberSettings
    model: ChamberModel
    client: ChamberClient

    @property
    def name(self) -> str:
        return self.settings.name


class ChamberFleet(DeviceFleet):
    family = "chambers"
    state_section = "Chambers"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chambers: dict[str, Chamber] = {}
        self.changed: Signal[[]] = Signal("chamber_fleet.changed")
        """The set of chambers was replaced (start, stop, new settings): panels rebuild."""
        self._unobserve: list[Callable[[], None]] = []

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self, entries: Sequence[ChamberSettings]) -> None:
        await super().start(entries)
        for entry in entries:
            model = ChamberModel(entry.name, capacity_for(rate_hz=entry.telemetry_hz))
            client = ChamberClient(model, entry.url, entry.event_names, duration_unit=entry.recipe_duration_unit,
                                   load_autostarts=entry.load_autostarts)
            self.chambers[entry.name] = Chamber(entry, model, client)
            self._unobserve.append(model.observe(self._publish_status))
            await client.start()
        self._publish_status()
        self.changed.emit()

    async def stop(self) -> None:
        for unobserve in self._unobserve:
            unobserve()
        self._unobserve = []
        chambers, self.chambers = self.chambers, {}
        for chamber in chambers.values():
            await chamber.client.stop()
        self._publish_status()
        self.changed.emit()

    def bind(self, service: SwitchboardService) -> None:
        service.methods.add("LoadRecipe", self.call_load_recipe, changes_world=True,
                            summary="Load a recipe on a chamber and run it: Chamber, Name, Steps as [[targetC, holdS], …].")
        service.methods.add("CancelRecipe", self.call_cancel_recipe, changes_world=True,
                            summary="Cancel the recipe running on a chamber: Chamber.")
        super().bind(service)

    def _publish_status(self) -> None:
        self.publish_live({name: chamber.model.summary() for name, chamber in self.chambers.items()})

    # -- actions (audited) ---------------------------------------------------------------------

    def chamber(self, name: str) -> Chamber:
        found = self.chambers.get(name) if isinstance(name, str) else None  # a bus Call may send any JSON here
        if found is None:
            known = ", ".join(self.chambers) or "none is configured"
            raise ChamberError(f"There is no chamber named '{name}' ({known}).")
        return found

    async def _act(self, name: str, action: str, params: dict[str, Any], send: Callable[[ChamberClient], Awaitable[Reply]],
                   by: str) -> Reply:
        chamber = self.chamber(name)
        try:
            reply = await send(chamber.client)
        except ChamberError as error:
            log.warning("%s", error, extra=SOURCE)
            await self.audit.record(f"Chamber '{name}'", action, {**params, "By": by}, {"Error": str(error)})
            raise
        await self.audit.record(f"Chamber '{name}'", action, {**params, "By": by},
                                {"result": reply.result.value, "message": reply.message})
        if not reply.ok:
            log.warning("Chamber '%s' refused %s (%s): %s", name, action, reply.result.value,
                        reply.message or "no reason given", extra=SOURCE)
        return reply

    async def run_recipe(self, name: str, recipe: Recipe, by: str = "operator") -> Reply:
        """Load & run (vacuum.md §4: a successful load starts the run)."""
        return await self._act(name, "Load & run recipe", {"Name": recipe.name, "Steps": recipe.pairs()},
                               lambda c: c.load_recipe(recipe), by)

    async def cancel_recipe(self, name: str, by: str = "operator") -> Reply:
        return await self._act(name, "Cancel recipe", {}, lambda c: c.cancel_recipe(), by)

    async def set_pump(self, name: str, on: bool, by: str = "operator") -> Reply:
        return await self._act(name, "Pump on" if on else "Pump off", {}, lambda c: c.set_pump(on), by)

    async def set_vent(self, name: str, open_: bool, by: str = "operator") -> Reply:
        return await self._act(name, "Vent open" if open_ else "Vent close", {}, lambda c: c.set_vent(open_), by)

    async def set_temperature(self, name: str, target_c: float, by: str = "operator") -> Reply:
        return await self._act(name, "Set temperature", {"TargetC": target_c}, lambda c: c.set_temperature(target_c), by)

    # -- bus Calls -----------------------------------------------------------------------------

    async def call_load_recipe(self, Chamber: str, Name: str, Steps: list) -> dict[str, Any]:  # noqa: N803 (wire names)
        """Bus Call LoadRecipe: refused with the reason if the recipe is invalid or the chamber refuses."""
        try:
            recipe = make_recipe(Name, Steps)
        except InvalidRecipe as error:
            raise CallRefused(f"Recipe not sent to chamber '{Chamber}': {error}") from None
        return _answer(Chamber, "LoadRecipe", await self._called(lambda: self.run_recipe(Chamber, recipe, by="bus")))

    async def call_cancel_recipe(self, Chamber: str) -> dict[str, Any]:  # noqa: N803 (wire names)
        """Bus Call CancelRecipe."""
        return _answer(Chamber, "CancelRecipe", await self._called(lambda: self.cancel_recipe(Chamber, by="bus")))

    @staticmethod
    async def _called(act: Callable[[], Awaitable[Reply]]) -> Reply:
        try:
            return await act()
        except ChamberError as error:
            raise CallRefused(str(error)) from None


def _answer(chamber: str, call: str, reply: Reply) -> dict[str, Any]:
    if not reply.ok:
        raise CallRefused(f"Chamber '{chamber}' refused {call} ({reply.result.value}): {reply.message or 'no reason given'}")
    return {"Chamber": chamber, "Result": reply.result.value}
