"""`[[chambers]]` entries are checked against the chamber's own vocabulary: §6 event names,
telemetry channels, and the telemetry rate the history is sized for."""

from __future__ import annotations

import pytest

from backend.app.settings import SettingsError, default_text, parse, with_changes


@pytest.mark.parametrize(("entry", "problem"), [
    ({"name": "XO", "event_names": {"load_recipe": "xo_load"}}, "'load_recipe' is not an undocumented event"),
    ({"name": "XO", "event_names": {"telemetry": "alarm"}}, "share the wire name"),
    ({"name": "XO", "limits": {"preasure": {"alarm_high": 1.0}}}, "'preasure' is not a chamber channel"),
    ({"name": "XO", "telemetry_hz": 50}, "telemetry_hz must be a number of Hz within 0.2–10"),
    ({"name": "XO", "recipe_duration_unit": "days"}, "recipe_duration_unit must be one of s, min, h"),
    ({"name": "XO", "recipe_duration_is": "ramp"}, "recipe_duration_is must be one of hold, total"),
])
def test_chamber_entries_are_refused_with_the_reason(entry: dict, problem: str) -> None:
    with pytest.raises(SettingsError) as raised:
        with_changes(parse(default_text()), chambers=[entry])
    assert problem in str(raised.value)


def test_a_valid_chamber_entry_keeps_its_renames_limits_and_rate() -> None:
    entry = {"name": "XO", "url": "http://10.0.0.5:8080", "event_names": {"telemetry": "xo_telemetry"},
             "limits": {"tec1_power": {"warning_high": 90.0}}, "telemetry_hz": 5}
    chamber = with_changes(parse(default_text()), chambers=[entry]).chambers[0]
    assert (chamber.event_names, chamber.limits, chamber.telemetry_hz) == (
        {"telemetry": "xo_telemetry"}, {"tec1_power": {"warning_high": 90.0}}, 5)
