"""Values at dotted paths (bus.md §2 `Name`, §9 "Partial updates")."""

from __future__ import annotations

import pytest

from backend.bus import value_paths
from backend.bus.value_paths import PathNotFound, delete_at, get_at, has_at, is_within, relative, set_at, split


def show_state() -> dict:
    return {
        "General": {"FrameRate": 50, "MultimachineSyncing": False},
        "Cameras": {"cam-1": {"Name": "Main", "Lens": {"Focal": 35}}},
        "ActiveCameras": ["cam-1", "cam-2"],
        "Machines": [{"Name": "Render1"}, {"Name": "Render2"}],
    }


def test_a_dotted_name_splits_into_its_segments_and_an_empty_name_has_none() -> None:
    assert split("State.General.FrameRate") == ["State", "General", "FrameRate"]
    assert split("State") == ["State"]
    assert split("") == []


def test_reading_a_value_deep_inside_the_state() -> None:
    state = show_state()
    assert get_at(state, "General.FrameRate") == 50
    assert get_at(state, "Cameras.cam-1.Lens") == {"Focal": 35}
    assert get_at(state, "") is state


def test_numeric_segments_index_lists() -> None:
    state = show_state()
    assert get_at(state, "ActiveCameras.1") == "cam-2"
    assert get_at(state, "Machines.0.Name") == "Render1"


@pytest.mark.parametrize(
    "path",
    ["General.Missing", "Nope", "General.FrameRate.Deeper", "ActiveCameras.2", "ActiveCameras.-1", "ActiveCameras.first"],
)
def test_reading_where_there_is_no_value_raises_path_not_found(path: str) -> None:
    state = show_state()
    with pytest.raises(PathNotFound):
        get_at(state, path)
    assert not has_at(state, path)


def test_a_stored_null_is_a_value_not_a_missing_one() -> None:
    state = {"General": {"Comment": None}}
    assert has_at(state, "General.Comment")
    assert get_at(state, "General.Comment") is None


def test_writing_a_leaf_changes_only_that_leaf() -> None:
    state = show_state()
    returned = set_at(state, "General.FrameRate", 60)
    assert returned is state
    assert state["General"] == {"FrameRate": 60, "MultimachineSyncing": False}
    assert state["Cameras"] == show_state()["Cameras"]


def test_writing_an_object_replaces_it_instead_of_merging_into_it() -> None:
    state = show_state()
    set_at(state, "Cameras.cam-1", {"Name": "Wide"})
    assert state["Cameras"]["cam-1"] == {"Name": "Wide"}
    assert "Lens" not in state["Cameras"]["cam-1"]


def test_writing_below_missing_parents_creates_them_as_objects() -> None:
    state: dict = {}
    set_at(state, "ThirdParty.Tracker.Offset.X", 1.5)
    assert state == {"ThirdParty": {"Tracker": {"Offset": {"X": 1.5}}}}


def test_writing_below_a_scalar_replaces_the_scalar_with_an_object() -> None:
    state = show_state()
    set_at(state, "General.FrameRate.Numerator", 50)
    assert state["General"]["FrameRate"] == {"Numerator": 50}


def test_writing_at_a_list_index_replaces_that_element_and_can_go_inside_it() -> None:
    state = show_state()
    set_at(state, "ActiveCameras.0", "cam-9")
    set_at(state, "Machines.1.Name", "Render9")
    assert state["ActiveCameras"] == ["cam-9", "cam-2"]
    assert state["Machines"] == [{"Name": "Render1"}, {"Name": "Render9"}]


def test_writing_below_a_scalar_list_element_turns_it_into_an_object() -> None:
    state = {"Slots": [1, 2]}
    set_at(state, "Slots.1.Label", "B")
    assert state == {"Slots": [1, {"Label": "B"}]}


@pytest.mark.parametrize("path", ["ActiveCameras.5", "ActiveCameras.first", "ActiveCameras.5.Name", "Machines.Name.X"])
def test_writing_into_a_list_at_something_that_is_not_one_of_its_indices_is_path_not_found(path: str) -> None:
    state = show_state()
    with pytest.raises(PathNotFound):
        set_at(state, path, "x")
    assert state == show_state()


def test_an_empty_path_is_refused_because_it_names_the_whole_tree() -> None:
    with pytest.raises(ValueError):
        set_at({}, "", 1)


def test_deleting_removes_just_that_value() -> None:
    state = show_state()
    delete_at(state, "Cameras.cam-1.Lens")
    delete_at(state, "ActiveCameras.0")
    delete_at(state, "Machines")
    assert state["Cameras"] == {"cam-1": {"Name": "Main"}}
    assert state["ActiveCameras"] == ["cam-2"]
    assert "Machines" not in state


@pytest.mark.parametrize("path", ["General.Missing", "Missing.Deeper", "ActiveCameras.7", "", "General.FrameRate.X"])
def test_deleting_what_is_not_there_raises_path_not_found(path: str) -> None:
    state = show_state()
    with pytest.raises(PathNotFound):
        delete_at(state, path)
    assert state == show_state()


@pytest.mark.parametrize(
    ("path", "ancestor", "within"),
    [
        ("State", "State", True),
        ("State.General", "State", True),
        ("State.General.FrameRate", "State.General", True),
        ("StateOfTheArt", "State", False),
        ("State.GeneralX", "State.General", False),
        ("State", "State.General", False),
        ("Shows", "State", False),
    ],
)
def test_a_path_is_within_an_ancestor_only_at_a_dot_boundary(path: str, ancestor: str, within: bool) -> None:
    assert is_within(path, ancestor) is within


def test_a_path_seen_from_an_ancestor() -> None:
    assert relative("State.General.FrameRate", "State") == "General.FrameRate"
    assert relative("State.General.FrameRate", "State.General") == "FrameRate"
    assert relative("State", "State") == ""
    with pytest.raises(ValueError):
        relative("StateOfTheArt.X", "State")


def test_a_deep_copy_cannot_change_the_original() -> None:
    state = show_state()
    copy = value_paths.deep_copy(state)
    set_at(copy, "Cameras.cam-1.Lens.Focal", 85)
    copy["ActiveCameras"].append("cam-3")
    assert state == show_state()
