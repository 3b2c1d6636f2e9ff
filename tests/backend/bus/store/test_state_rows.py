"""A State as rows of (path, JSON): split at object keys, put back together unchanged."""

from __future__ import annotations

import json

from backend.bus.store.state_rows import ancestors, assemble, row_root, rows_of, subtree_bounds


def round_trip(state: object) -> object:
    return assemble(list(rows_of(state)))


def test_a_nested_state_is_split_into_one_row_per_leaf_and_assembled_back_unchanged() -> None:
    state = {"General": {"FrameRate": "50", "Syncing": False}, "Gain": 3.5, "Name": None}

    rows = dict(rows_of(state))

    assert rows == {"General.FrameRate": '"50"', "General.Syncing": "false", "Gain": "3.5", "Name": "null"}
    assert round_trip(state) == state


def test_lists_and_empty_objects_are_kept_whole_as_one_row_each() -> None:
    state = {"ActiveCameras": ["A", {"Id": 2}], "Cameras": {}, "Deep": {"Empty": {}, "List": []}}

    rows = dict(rows_of(state))

    assert rows == {"ActiveCameras": '["A",{"Id":2}]', "Cameras": "{}", "Deep.Empty": "{}", "Deep.List": "[]"}
    assert round_trip(state) == state


def test_an_object_whose_keys_hold_dots_or_are_empty_is_one_row_so_its_keys_survive() -> None:
    state = {"Files": {"scene.usd": 1, "take.2": {"a": 1}}, "Odd": {"": 5}, "Plain": {"X": 1}}

    rows = dict(rows_of(state))

    assert rows["Files"] == '{"scene.usd":1,"take.2":{"a":1}}'
    assert rows["Odd"] == '{"":5}'
    assert rows["Plain.X"] == "1"
    assert round_trip(state) == state


def test_a_root_with_dotted_keys_is_a_single_row_at_the_empty_path() -> None:
    state = {"a.b": 1}

    assert list(rows_of(state)) == [("", '{"a.b":1}')]
    assert round_trip(state) == state


def test_rows_of_a_value_below_a_path_carry_that_path_as_prefix() -> None:
    assert dict(rows_of({"X": 1, "Y": [2]}, "Cameras.Cam1")) == {"Cameras.Cam1.X": "1", "Cameras.Cam1.Y": "[2]"}
    assert list(rows_of(7, "Gain")) == [("Gain", "7")]


def test_no_rows_assemble_to_an_empty_state_and_unicode_text_survives() -> None:
    assert assemble([]) == {}
    state = {"Notes": "Ünïcode ✓ 日本", "Keys": {"Ä": "ß"}}
    assert round_trip(state) == state
    assert "✓" in dict(rows_of(state))["Notes"]  # kept as text, not \u escapes


def test_assemble_does_not_depend_on_row_order() -> None:
    state = {"B": {"Z": 1, "A": 2}, "A": [1], "C": {"D": {"E": "x"}}}
    rows = list(rows_of(state))

    assert assemble(reversed(rows)) == state


def test_ancestors_name_every_proper_ancestor_including_the_root() -> None:
    assert ancestors("") == [""]
    assert ancestors("A") == [""]
    assert ancestors("A.B.C") == ["", "A", "A.B"]


def test_subtree_bounds_hold_exactly_the_paths_strictly_below() -> None:
    low, high = subtree_bounds("A")
    inside = ["A.B", "A.B.C", "A.~", "A.zzz"]
    outside = ["A", "A-b", "AB", "A/", "B", "A0"]

    assert all(low <= path < high for path in inside)
    assert not any(low <= path < high for path in outside)
    low, high = subtree_bounds("")
    assert all(low <= path < high for path in ["", "A", "zz.top", "日本"])


def test_row_root_is_the_path_itself_through_split_objects() -> None:
    state = {"General": {"FrameRate": "50"}}

    assert row_root(state, "General.FrameRate") == "General.FrameRate"
    assert row_root(state, "General") == "General"
    assert row_root(state, "") == ""
    assert row_root(state, "New.Path") == "New.Path"


def test_row_root_stops_at_a_list_or_an_unsplittable_object_on_the_way_down() -> None:
    state = {"Cams": [{"Name": "A"}, {"Name": "B"}], "Files": {"a.b": {"c": 1}}, "Top": {"Mid": {"": 1}}}

    assert row_root(state, "Cams.1.Name") == "Cams"
    assert row_root(state, "Files.x") == "Files"
    assert row_root(state, "Top.Mid.q") == "Top.Mid"
    assert row_root({"a.b": 1, "c": 2}, "c") == ""


def test_rewriting_the_row_root_of_a_changed_path_keeps_the_rows_consistent() -> None:
    """What the Store does for each Update: write rows_of(value at row_root) in place of that subtree."""
    state = {"Cams": [{"Name": "A"}], "General": {"Rate": 1}}
    rows = dict(rows_of(state))
    state["Cams"][0]["Name"] = "Z"
    root = row_root(state, "Cams.0.Name")
    rows = {p: v for p, v in rows.items() if not (p == root or p.startswith(root + "."))}
    rows.update(rows_of(state["Cams"], root))

    assert assemble(rows.items()) == {"Cams": [{"Name": "Z"}], "General": {"Rate": 1}}
    assert json.loads(rows["Cams"]) == [{"Name": "Z"}]
