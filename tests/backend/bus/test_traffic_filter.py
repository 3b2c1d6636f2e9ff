"""Which messages the traffic view shows: by type, by service, by text."""

from __future__ import annotations

import pytest

from backend.bus.codec import decode
from backend.bus.message import (
    BROADCAST,
    LogLevel,
    call_message,
    call_result_message,
    get_message,
    identify_message,
    log_message,
    set_message,
    update_message,
)
from backend.bus.traffic_filter import TrafficFilter

ME = "STUDIO1-Switchboard"
ENGINE = "RenderMachine1-Engine"

TRAFFIC = {
    "identify": identify_message("Store"),
    "get": get_message("Store", "State.General.FrameRate", ME),
    "set": set_message(ENGINE, "State.Exposure", 1.5),
    "update": update_message(BROADCAST, "Store", "CurrentShow", "Morning Show"),
    "call": call_message("Store", ME, "ChangeShow", "id-1", {"ShowName": "Évening"}),
    "result": call_result_message(ME, ENGINE, "GetProperty", "id-2", result="10.000000"),
    "log": log_message(ENGINE, LogLevel.WARNING, "Lens data missing", "NoLens"),
}


def shown(traffic_filter: TrafficFilter) -> set[str]:
    return {key for key, message in TRAFFIC.items() if traffic_filter.accepts(message)}


def test_an_empty_filter_shows_everything_and_is_not_active() -> None:
    everything = TrafficFilter()
    assert not everything.active
    assert shown(everything) == set(TRAFFIC)


def test_filtering_by_type_shows_only_those_types() -> None:
    by_type = TrafficFilter(types=frozenset({"Call", "CallResult"}))
    assert by_type.active
    assert shown(by_type) == {"call", "result"}
    assert shown(TrafficFilter(types=frozenset({"Update"}))) == {"update"}


def test_filtering_by_type_uses_the_wire_name_so_unknown_types_can_be_chosen() -> None:
    odd = decode([b'{"Type":"Telemetry","Source":"Tracker"}', b"{}"])
    assert TrafficFilter(types=frozenset({"Telemetry"})).accepts(odd)
    assert not TrafficFilter(types=frozenset({"Update"})).accepts(odd)


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("Store", {"identify", "get", "update", "call"}),  # RespondTo, Target, Source, Target
        (ME, {"get", "call", "result"}),  # RespondTo, RespondTo, Target
        (ENGINE, {"set", "result", "log"}),  # Target, ExecutedOn, Source
        (BROADCAST, {"identify", "update", "log"}),
        ("Nobody", set()),
    ],
)
def test_filtering_by_service_shows_what_it_sent_and_what_was_addressed_to_it(service: str, expected: set[str]) -> None:
    assert shown(TrafficFilter(service=service)) == expected


def test_a_service_filter_matches_whole_names_only() -> None:
    assert shown(TrafficFilter(service="STUDIO1-Switch")) == set()
    assert shown(TrafficFilter(service="store")) == set()


def test_a_service_filter_matches_update_variants_without_a_target() -> None:
    daemon = decode([b'{"Type":"Update","Source":"RenderMachine1-Daemon","Name":"Role"}', b'{"Value":"SERVER"}'])
    assert TrafficFilter(service="RenderMachine1-Daemon").accepts(daemon)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("framerate", {"get"}),  # topic, any case
        ("MORNING show", {"update"}),  # message value, any case
        ("évening", {"call"}),  # non-ASCII text in the message, any case
        ("lens DATA", {"log"}),
        ('"Method":"ChangeShow"', {"call"}),  # the JSON as it travels
        ("10.000000", {"result"}),
        ("no such text", set()),
    ],
)
def test_filtering_by_text_looks_in_topic_and_message_in_any_case(text: str, expected: set[str]) -> None:
    assert shown(TrafficFilter(text=text)) == expected


def test_all_conditions_must_hold_together() -> None:
    combined = TrafficFilter(types=frozenset({"Update", "Log"}), service=ENGINE, text="lens")
    assert shown(combined) == {"log"}
    assert shown(TrafficFilter(types=frozenset({"Update"}), service=ENGINE)) == set()


def test_a_filter_is_a_value_that_can_be_compared_and_not_changed() -> None:
    assert TrafficFilter(text="a") == TrafficFilter(text="a")
    with pytest.raises(AttributeError):
        TrafficFilter().text = "x"  # type: ignore[misc]
