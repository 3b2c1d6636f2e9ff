"""The Store's SQLite file: shows, the current show and States as rows, on a real file in tmp_path."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.bus.store.store_database import StoreDatabase, StoredShows


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "store.sqlite"


@pytest.fixture
async def db(path: Path) -> AsyncIterator[StoreDatabase]:
    database = StoreDatabase(path)
    await database.open()
    try:
        yield database
    finally:
        await database.close()


async def reopened(path: Path) -> StoredShows:
    """What a Store starting on this file afterwards sees (a second connection, as after a restart)."""
    database = StoreDatabase(path)
    try:
        return await database.open()
    finally:
        await database.close()


def rows(path: Path, show: str, service: str) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        query = "SELECT path, value FROM state_rows WHERE show = ? AND service = ?"
        return dict(connection.execute(query, (show, service)).fetchall())


async def test_a_fresh_file_has_one_show_default_and_it_is_current(path: Path) -> None:
    database = StoreDatabase(path)
    try:
        stored = await database.open()
    finally:
        await database.close()

    assert path.exists()
    assert stored.current == "Default"
    assert stored.shows == {"Default": {}}


async def test_the_file_is_in_wal_mode(path: Path, db: StoreDatabase) -> None:
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert path.with_name(path.name + "-wal").exists()


def test_only_normal_or_full_synchronous_is_accepted(path: Path) -> None:
    with pytest.raises(ValueError, match="NORMAL, FULL"):
        StoreDatabase(path, "OFF")


async def test_a_written_state_comes_back_after_reopening(path: Path, db: StoreDatabase) -> None:
    state = {"Mode": "Live", "Gain": {"Left": 1, "Right": 2}, "Inputs": [1, 2], "Files": {"a.b": 1}, "Empty": {}}
    await db.write_state("Default", "LAB1-Engine", "", state)

    assert (await reopened(path)).shows["Default"]["LAB1-Engine"] == state


async def test_writing_a_path_replaces_that_subtree_and_leaves_siblings_alone(path: Path, db: StoreDatabase) -> None:
    await db.write_state("Default", "S", "", {"Gain": {"Left": 1, "Right": 2, "Extra": {"X": 1}}, "Mode": "Idle"})
    await db.write_state("Default", "S", "Gain", {"Left": 5})

    assert (await reopened(path)).shows["Default"]["S"] == {"Gain": {"Left": 5}, "Mode": "Idle"}
    assert rows(path, "Default", "S") == {"Gain.Left": "5", "Mode": '"Idle"'}


async def test_a_leaf_above_a_written_path_is_replaced_by_the_object_that_now_holds_it(path: Path, db: StoreDatabase) -> None:
    await db.write_state("Default", "S", "", {"Gain": 3, "Cams": [1, 2], "Mode": "Idle"})
    await db.write_state("Default", "S", "Gain.Left", 7)
    await db.write_state("Default", "S", "Cams.Main.Id", "A")

    assert (await reopened(path)).shows["Default"]["S"] == {"Gain": {"Left": 7}, "Cams": {"Main": {"Id": "A"}}, "Mode": "Idle"}
    assert "Gain" not in rows(path, "Default", "S")


async def test_a_whole_state_replaces_every_row_of_that_service_and_no_other(path: Path, db: StoreDatabase) -> None:
    await db.write_state("Default", "S", "", {"A": 1, "B": {"C": 2}})
    await db.write_state("Default", "T", "", {"A": "other"})
    await db.write_state("Default", "S", "", {"Z": 9})

    shows = (await reopened(path)).shows
    assert shows["Default"] == {"S": {"Z": 9}, "T": {"A": "other"}}


async def test_removing_a_path_or_a_whole_state(path: Path, db: StoreDatabase) -> None:
    await db.write_state("Default", "S", "", {"A": 1, "B": {"C": 2, "D": 3}})
    await db.write_state("Default", "T", "", {"A": 1})
    await db.remove_state("Default", "S", "B.C")
    await db.remove_state("Default", "T")

    assert (await reopened(path)).shows["Default"] == {"S": {"A": 1, "B": {"D": 3}}}


async def test_states_of_the_same_service_in_two_shows_are_separate(path: Path, db: StoreDatabase) -> None:
    await db.create_show("Evening")
    await db.write_state("Default", "S", "", {"Mode": "Day"})
    await db.write_state("Evening", "S", "", {"Mode": "Night"})
    await db.write_state("Evening", "S", "Mode", "Late")

    shows = (await reopened(path)).shows
    assert shows["Default"]["S"] == {"Mode": "Day"}
    assert shows["Evening"]["S"] == {"Mode": "Late"}


async def test_create_show_empty_and_as_a_copy_of_another(path: Path, db: StoreDatabase) -> None:
    await db.write_state("Default", "S", "", {"Mode": "Day", "Gain": {"L": 1}})
    await db.create_show("Empty", project="P1")
    await db.create_show("Copy", copy_from="Default")
    await db.write_state("Copy", "S", "Gain.L", 2)

    stored = await reopened(path)
    assert list(stored.shows) == ["Default", "Empty", "Copy"]
    assert stored.shows["Empty"] == {}
    assert stored.shows["Copy"]["S"] == {"Mode": "Day", "Gain": {"L": 2}}
    assert stored.shows["Default"]["S"] == {"Mode": "Day", "Gain": {"L": 1}}, "the copy shares no rows with its template"


async def test_creating_a_show_that_exists_fails_and_changes_nothing(path: Path, db: StoreDatabase) -> None:
    await db.write_state("Default", "S", "", {"Mode": "Day"})
    with pytest.raises(sqlite3.IntegrityError):
        await db.create_show("Default", copy_from="Default")

    assert (await reopened(path)).shows == {"Default": {"S": {"Mode": "Day"}}}


async def test_the_current_show_is_kept_and_follows_a_rename(path: Path, db: StoreDatabase) -> None:
    await db.create_show("Evening")
    await db.write_state("Evening", "S", "", {"Mode": "Night"})
    await db.set_current_show("Evening")
    assert (await reopened(path)).current == "Evening"

    await db.rename_show("Evening", "Late Night")

    stored = await reopened(path)
    assert stored.current == "Late Night"
    assert stored.shows["Late Night"] == {"S": {"Mode": "Night"}}
    assert "Evening" not in stored.shows


async def test_renaming_a_show_that_is_not_current_leaves_the_current_show(path: Path, db: StoreDatabase) -> None:
    await db.create_show("Evening")
    await db.rename_show("Evening", "Night")

    stored = await reopened(path)
    assert stored.current == "Default"
    assert list(stored.shows) == ["Default", "Night"]


async def test_deleting_a_show_removes_its_states_with_it(path: Path, db: StoreDatabase) -> None:
    await db.create_show("Evening")
    await db.write_state("Evening", "S", "", {"Mode": "Night"})
    await db.delete_show("Evening")

    assert (await reopened(path)).shows == {"Default": {}}
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM state_rows WHERE show = 'Evening'").fetchone()[0] == 0
    await db.create_show("Evening")
    assert (await reopened(path)).shows["Evening"] == {}, "a new show of the same name starts empty"


async def test_replace_show_creates_or_overwrites_a_show_with_exactly_the_given_states(path: Path, db: StoreDatabase) -> None:
    await db.create_show("Evening")
    await db.write_state("Evening", "Old", "", {"Gone": True})
    await db.replace_show("Evening", {"S": {"Mode": "Night", "L": [1]}, "T": {}})
    await db.replace_show("Imported", {"S": {"Mode": "Imported"}})

    shows = (await reopened(path)).shows
    assert shows["Evening"] == {"S": {"Mode": "Night", "L": [1]}, "T": {}}
    assert shows["Imported"] == {"S": {"Mode": "Imported"}}


async def test_a_deleted_current_show_falls_back_to_the_first_show_on_opening(path: Path, db: StoreDatabase) -> None:
    await db.create_show("Evening")
    await db.set_current_show("Evening")
    await db.delete_show("Evening")  # the Store refuses this; the file must still open sensibly

    assert (await reopened(path)).current == "Default"


async def test_reopening_an_existing_file_does_not_add_default_again(path: Path, db: StoreDatabase) -> None:
    await db.rename_show("Default", "Main")

    stored = await reopened(path)
    assert list(stored.shows) == ["Main"]
    assert stored.current == "Main"


async def test_every_write_is_committed_when_its_future_is_done(path: Path, db: StoreDatabase) -> None:
    """A second connection (another process, after a crash) sees each write as soon as it is acknowledged."""
    with sqlite3.connect(path) as reader:
        for index in range(20):
            await db.write_state("Default", "S", f"K{index}", index)
            seen = reader.execute("SELECT value FROM state_rows WHERE path = ?", (f"K{index}",)).fetchone()
            assert seen == (str(index),)


async def test_writes_queued_without_awaiting_reach_the_file_in_the_order_asked(path: Path, db: StoreDatabase) -> None:
    futures = [db.write_state("Default", "S", "Gain", value) for value in range(50)]
    futures.append(db.write_state("Default", "S", "Gain.Left", "last"))
    for future in futures:
        await future

    assert (await reopened(path)).shows["Default"]["S"] == {"Gain": {"Left": "last"}}


async def test_a_file_whose_shows_were_all_deleted_by_hand_opens_with_an_empty_default(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    database = StoreDatabase(path)
    await database.open()
    await database.close()
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM shows")
    again = StoreDatabase(path)
    stored = await again.open()
    await again.close()
    assert (stored.current, list(stored.shows)) == ("Default", ["Default"])
