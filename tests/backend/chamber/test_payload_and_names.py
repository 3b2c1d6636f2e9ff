"""Lenient in, strict out: payload decoding, replies, the §6 name table and its overrides."""

from __future__ import annotations

import json
import math

import pytest

from backend.chamber.event_names import XOVAC_EVENT_NAMES, EventNames, override_problems
from backend.chamber.payload import MalformedPayload, Reply, Result, decode, encode
from backend.chamber.telemetry import Telemetry


def test_a_json_string_and_an_object_decode_to_the_same_dict() -> None:
    payload = {"result": "success", "message": ""}
    assert decode(json.dumps(payload)) == decode(payload) == payload
    assert decode(json.dumps(json.dumps(payload))) == payload  # a string holding a JSON string
    assert decode(b'{"a": 1}') == {"a": 1}
    assert decode("") == decode(None) == {}


@pytest.mark.parametrize("raw", ['{"t": 1, "pressureKPa": ', "not json", "[1, 2]", 42, "\"text\""])
def test_malformed_payloads_raise_a_sentence_not_a_crash(raw: object) -> None:
    with pytest.raises(MalformedPayload) as caught:
        decode(raw)
    assert "payload" in str(caught.value)


def test_a_reply_tolerates_a_missing_message_and_reads_an_unknown_result_as_error() -> None:
    assert Reply.read({"result": "success"}) == Reply(Result.SUCCESS, "")
    assert Reply.read({"result": "maybe", "message": "x"}).result is Result.ERROR
    warning = Reply.read({"result": "warning", "message": "busy", "extra": 1})
    assert (warning.ok, warning.message, warning.extra) == (False, "busy", {"extra": 1})


def test_switchboard_sends_objects_as_json_strings() -> None:
    assert isinstance(encode({"name": "a"}), str)


def test_overrides_rename_only_their_entry_in_both_directions() -> None:
    names = EventNames({"telemetry": "xo_telemetry"})
    assert names.wire("telemetry") == "xo_telemetry"
    assert names.ours("xo_telemetry") == "telemetry"
    assert names.ours("telemetry") is None
    assert names.wire("alarm") == XOVAC_EVENT_NAMES["alarm"]


@pytest.mark.parametrize("overrides, phrase", [
    ({"load_recipe": "x"}, "not an undocumented event"),
    ({"telemetry": ""}, "non-empty"),
    ({"telemetry": "alarm"}, "share the wire name"),
    ({"alarm": "pump_on_ack"}, "collides"),
])
def test_bad_overrides_are_refused_with_the_reason(overrides: dict, phrase: str) -> None:
    assert any(phrase in problem for problem in override_problems(overrides))
    with pytest.raises(ValueError):
        EventNames(overrides)


@pytest.mark.parametrize("raw, phrase", [
    ('{"result": "success", "big": %s}' % ("9" * 5000), "4300 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_json_python_cannot_convert_is_malformed_not_a_stray_error(raw: str, phrase: str) -> None:
    with pytest.raises(MalformedPayload, match=phrase):
        decode(raw)


def test_odd_numbers_in_telemetry_are_gaps_not_infinities() -> None:
    raw = ('{"t": 1732190400000, "pressureKPa": 1e400, "shroudT": -1e400, "partT": %s, "setpointT": 1e300, '
           '"coolantT": "27.5", "ambientT": 22.0, "tec": [{"id": 1, "intT": 1e39, "powerPct": 40}]}' % ("9" * 400))
    values = Telemetry.read(decode(raw)).values
    assert all(math.isnan(values[key]) for key in ("pressure", "shroud", "part", "setpoint", "coolant", "tec1_int"))
    assert (values["ambient"], values["tec1_power"]) == (22.0, 40.0)
