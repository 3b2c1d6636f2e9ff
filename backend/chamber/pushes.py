"""Applying decoded pushes (vacuum.md §6) and the `get_status` snapshot to the model."""

from __future__ import annotations

import logging
from typing import Any

from backend.chamber.chamber_model import ChamberModel
from backend.chamber.payload import MalformedPayload, Reply, Result
from backend.chamber.recipe_status import RecipeStatus
from backend.chamber.telemetry import Telemetry

log = logging.getLogger(__name__)


def apply_push(model: ChamberModel, push: str, payload: dict[str, Any]) -> None:
    """Apply one push named by its §6 key (`telemetry`, `recipe_status`, `recipe_complete`, `alarm`)."""
    if push == "telemetry":
        add_telemetry(model, Telemetry.read(payload))
    elif push == "recipe_status":
        model.set_recipe(RecipeStatus.read(payload))
    elif push == "recipe_complete":
        reply = Reply.read(payload)
        model.complete_recipe(reply)
        level = logging.INFO if reply.result is Result.SUCCESS else logging.WARNING
        name = payload.get("name") or model.recipe.name
        log.log(level, "Chamber '%s': recipe '%s' finished (%s)%s", model.name, name, reply.result.value,
                f": {reply.message}" if reply.message else "", extra={"source": "Chamber"})
    elif push == "alarm":
        alarm = model.update_alarm(payload)
        level = logging.ERROR if alarm.active and alarm.severity is Result.ERROR else logging.WARNING
        state = "raised" if alarm.active else "cleared"
        log.log(level, "Chamber '%s': alarm %s %s: %s", model.name, alarm.code, state, alarm.message, extra={"source": "Chamber"})


def add_telemetry(model: ChamberModel, sample: Telemetry) -> None:
    """Keep a sample; say so when the chamber's time went back and newer samples were forgotten."""
    newest = model.latest.t if model.latest else sample.t
    forgotten = model.add_telemetry(sample)
    if forgotten:
        log.warning("Chamber '%s': telemetry time went back by %.0f s (the chamber's clock changed, or a sample came "
                    "with an absurd time); the %d later samples were taken out of the history", model.name,
                    newest - sample.t, forgotten, extra={"source": "Chamber"})


def apply_status(model: ChamberModel, status: Any) -> None:
    """Apply `get_status_ack`'s `status` object: the snapshot taken after every connect.

    Alarms listed active here are raised; alarms we hold as active that the chamber no
    longer lists were cleared while the link was down, and are cleared here.
    """
    if not isinstance(status, dict):
        raise MalformedPayload("get_status_ack has no 'status' object")
    telemetry = status.get("telemetry")
    if isinstance(telemetry, dict):
        add_telemetry(model, Telemetry.read(telemetry))
    recipe = status.get("recipe_status", status.get("recipeStatus"))
    if isinstance(recipe, dict):
        model.set_recipe(RecipeStatus.read(recipe))
    alarms = status.get("alarms")
    if isinstance(alarms, list):
        listed = {str(a.get("code")) for a in alarms if isinstance(a, dict) and a.get("active") is not False}
        for alarm in alarms:
            if isinstance(alarm, dict):
                model.update_alarm(alarm)
        for held in model.alarms.listed():
            if held.active and held.code not in listed:
                model.update_alarm({"code": held.code, "active": False})
