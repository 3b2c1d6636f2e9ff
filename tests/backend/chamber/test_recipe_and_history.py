"""Recipes are validated before they are sent; the history is bounded and reads as contiguous views."""

from __future__ import annotations

import time

import numpy as np
import pytest

from backend.chamber.chamber_model import ChamberModel
from backend.chamber.pushes import apply_push
from backend.chamber.recipe import InvalidRecipe, make_recipe, recipe_problems
from backend.chamber.recipe_library import RecipeLibrary
from backend.chamber.ring_buffer import RingBuffer
from backend.chamber.telemetry_history import TelemetryHistory


def test_a_recipe_goes_on_the_wire_as_target_hold_and_a_zero_gradient() -> None:
    recipe = make_recipe(" bakeout-1 ", [[80, 3600], [25.0, 600]])
    assert recipe.wire() == {"name": "bakeout-1", "recipe": [[80.0, 3600.0, 0.0], [25.0, 600.0, 0.0]]}


@pytest.mark.parametrize("name, steps, phrase", [
    ("", [[20, 1]], "needs a name"),
    ("r", [], "at least one step"),
    ("r", [[20]], "two numbers"),
    ("r", [[20, "x"]], "two numbers"),
    ("r", [[20, 0]], "hold must be more than 0"),
    ("r", [[121, 10]], "outside -40…120"),
    ("r", [[-41, 10]], "outside"),
])
def test_invalid_recipes_are_refused_with_a_sentence(name: str, steps: list, phrase: str) -> None:
    assert any(phrase in problem for problem in recipe_problems(name, steps))
    with pytest.raises(InvalidRecipe):
        make_recipe(name, steps)


async def test_the_library_saves_recipes_as_files_and_skips_a_broken_one(tmp_path) -> None:
    library = RecipeLibrary(tmp_path / "recipes")
    path = await library.save(make_recipe("cycle / 1", [[60, 10], [20, 5]]))
    assert path.exists() and "/" not in path.name.removesuffix(".recipe.json")
    (tmp_path / "recipes" / "broken.recipe.json").write_text("{nope", "utf-8")
    loaded = await library.load_all()
    assert [(r.name, r.pairs()) for r in loaded] == [("cycle / 1", [[60.0, 10.0], [20.0, 5.0]])]
    await library.delete("cycle / 1")
    assert not path.exists()


async def test_recipes_whose_names_differ_only_in_replaced_characters_keep_their_own_files(tmp_path) -> None:
    library = RecipeLibrary(tmp_path / "recipes")
    for name, target in (("bake out", 60), ("bake_out", 80), ("bake/out", 100)):
        await library.save(make_recipe(name, [[target, 10]]))
    loaded = {r.name: r.pairs() for r in await library.load_all()}
    assert loaded == {"bake out": [[60.0, 10.0]], "bake_out": [[80.0, 10.0]], "bake/out": [[100.0, 10.0]]}
    assert library.path_of("bake_out").name == "bake_out.recipe.json"  # a plain name keeps a plain file name
    await library.delete("bake out")
    assert {r.name for r in await library.load_all()} == {"bake_out", "bake/out"}


def test_a_ring_buffer_keeps_the_newest_values_as_one_contiguous_view() -> None:
    ring = RingBuffer(5)
    for value in range(12):
        ring.append(value)
    assert list(ring.tail()) == [7, 8, 9, 10, 11]
    assert ring.tail().base is not None  # a view, not a copy
    ring.extend(np.arange(100, 103))
    assert list(ring.tail()) == [10, 11, 100, 101, 102]
    ring.extend(np.arange(1000))
    assert list(ring.tail(3)) == [997, 998, 999]


def test_history_memory_is_fixed_and_windows_select_by_time() -> None:
    history = TelemetryHistory(["a", "b"], capacity=100)
    size = history.nbytes
    for t in range(1000):
        history.append(float(t), {"a": t * 2.0})
    assert history.nbytes == size and len(history) == 100
    times, values = history.window("a", 990.0)
    assert list(times) == [990.0 + i for i in range(10)] and values[0] == 1980.0
    assert np.isnan(history.window("b", 995.0)[1]).all()


def test_a_sample_with_an_absurd_time_does_not_stop_the_history_from_taking_new_ones(caplog) -> None:
    """One push dated a century ahead used to make every later sample 'not newer' and dropped, for good."""
    model = ChamberModel("Clock", 100)
    t0 = 1_800_000_000.0
    for t in (t0, t0 + 1, t0 + 2, t0 + 3_000_000_000, t0 + 3):
        apply_push(model, "telemetry", {"t": t * 1000, "shroudT": 20.0})
    apply_push(model, "telemetry", {"t": (t0 + 3) * 1000, "shroudT": 99.0})   # a repeat of the newest: dropped
    assert model.latest.t == t0 + 3 and list(model.history.times.tail()) == [t0, t0 + 1, t0 + 2, t0 + 3]
    assert list(model.history.window("shroud", t0)[1]) == [20.0] * 4
    assert "telemetry time went back" in caplog.text


def test_a_sample_without_a_time_of_its_own_forgets_nothing() -> None:
    model = ChamberModel("Clock", 100)
    ahead = time.time() + 30 * 24 * 3600  # a time-scaled chamber runs ahead of the PC
    for t in (ahead, ahead + 1):
        apply_push(model, "telemetry", {"t": t * 1000, "shroudT": 20.0})
    apply_push(model, "telemetry", {"t": "soon", "shroudT": 99.0})
    assert len(model.history) == 2 and model.latest.t == ahead + 1


def test_a_ring_buffer_forgets_its_newest_values_across_the_wrap() -> None:
    ring = RingBuffer(5)
    ring.extend(np.arange(7))
    ring.drop_newest(2)
    assert list(ring.tail()) == [2, 3, 4]
    ring.append(9)
    assert list(ring.tail()) == [2, 3, 4, 9]
