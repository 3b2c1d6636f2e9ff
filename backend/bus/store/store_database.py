"""The Store's SQLite file: shows, the current show, and every service's State per show.

- WAL journal, one transaction per persisted write: a write the Store has been told is
  done survives `kill -9` of the Store at any moment (`synchronous=NORMAL` is enough for
  a process crash; `FULL` also survives a power cut, at the cost of an fsync per write).
- All SQLite work runs on one worker thread that owns the connection, in the order it
  was asked for, so the event loop never waits on the disk and a read queued after a
  write sees it.
- States are stored as rows of leaves (`state_rows.py`), so an Update of one path
  rewrites only that path's rows.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from backend.bus.store.show_names import DEFAULT_SHOW
from backend.bus.store.state_rows import ancestors, assemble, rows_of, subtree_bounds

T = TypeVar("T")
SCHEMA_VERSION = 1
SYNCHRONOUS = ("NORMAL", "FULL")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shows (name TEXT PRIMARY KEY, created TEXT NOT NULL, project TEXT);
CREATE TABLE IF NOT EXISTS state_rows (
    show TEXT NOT NULL, service TEXT NOT NULL, path TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (show, service, path)
) WITHOUT ROWID;
"""


@dataclass
class StoredShows:
    """Everything in the file, as the Store holds it in memory."""

    current: str
    shows: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Show name → service name → State."""


class StoreDatabase:
    """One SQLite file, used only from its own worker thread."""

    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}")
        self.path = path
        self.synchronous = synchronous
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-db")
        self._connection: sqlite3.Connection | None = None

    # ------------------------------------------------------------------ plumbing

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue `work` as one transaction now; the future is done once it is committed.

        Queued at the call, not at the first await, so writes reach the disk in the order
        they were asked for.
        """
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, self._in_transaction, work)

    def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection
        assert connection is not None, "the database is not open"
        with connection:  # one transaction: committed on success, rolled back on error
            return work(connection)

    async def open(self) -> StoredShows:
        """Open (or create) the file; a fresh one has one show, `Default`, and it is current."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._connect)
        return await self._run(self._load)

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={self.synchronous}")
        connection.executescript(_SCHEMA)
        connection.isolation_level = "DEFERRED"  # `with connection:` is then one transaction
        with connection:
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            if connection.execute("SELECT COUNT(*) FROM shows").fetchone()[0] == 0:
                connection.execute("INSERT INTO shows VALUES (?, ?, NULL)", (DEFAULT_SHOW, _now()))
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('current_show', ?)", (DEFAULT_SHOW,))
        self._connection = connection

    @staticmethod
    def _load(connection: sqlite3.Connection) -> StoredShows:
        current_row = connection.execute("SELECT value FROM meta WHERE key = 'current_show'").fetchone()
        # Creation order (rowid), as the Store lists them while running; `created` ties within a millisecond.
        names = [row[0] for row in connection.execute("SELECT name FROM shows ORDER BY rowid")]
        if not names:  # every show deleted by hand: start again from an empty Default
            connection.execute("INSERT INTO shows VALUES (?, ?, NULL)", (DEFAULT_SHOW, _now()))
            names = [DEFAULT_SHOW]
        current = current_row[0] if current_row and current_row[0] in names else names[0]
        rows: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for show, service, path, value in connection.execute("SELECT show, service, path, value FROM state_rows"):
            rows.setdefault((show, service), []).append((path, value))
        stored = StoredShows(current=current, shows={name: {} for name in names})
        for (show, service), service_rows in rows.items():
            if show in stored.shows:
                stored.shows[show][service] = assemble(service_rows)
        return stored

    async def close(self) -> None:
        def close_connection() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, close_connection)
        self._executor.shutdown(wait=True)

    # ------------------------------------------------------------------ states

    def write_state(self, show: str, service: str, path: str, value: Any) -> asyncio.Future[Any]:
        """Replace the value at `path` ("" for the whole State) of `service` in `show`."""
        rows = list(rows_of(value, path))

        def work(connection: sqlite3.Connection) -> None:
            _delete_subtree(connection, show, service, path)
            connection.executemany(
                "INSERT OR REPLACE INTO state_rows VALUES (?, ?, ?, ?)", [(show, service, p, v) for p, v in rows]
            )

        return self._run(work)

    def remove_state(self, show: str, service: str, path: str = "") -> asyncio.Future[Any]:
        """Remove the value at `path` ("" removes the service's whole State from `show`)."""
        return self._run(lambda connection: _delete_subtree(connection, show, service, path))

    # ------------------------------------------------------------------ shows

    def set_current_show(self, name: str) -> asyncio.Future[Any]:
        return self._run(lambda c: c.execute("INSERT OR REPLACE INTO meta VALUES ('current_show', ?)", (name,)))

    def create_show(self, name: str, project: str | None = None, copy_from: str | None = None) -> asyncio.Future[Any]:
        def work(connection: sqlite3.Connection) -> None:
            connection.execute("INSERT INTO shows VALUES (?, ?, ?)", (name, _now(), project))
            if copy_from is not None:
                connection.execute(
                    "INSERT INTO state_rows SELECT ?, service, path, value FROM state_rows WHERE show = ?", (name, copy_from)
                )

        return self._run(work)

    def rename_show(self, old: str, new: str) -> asyncio.Future[Any]:
        def work(connection: sqlite3.Connection) -> None:
            connection.execute("UPDATE shows SET name = ? WHERE name = ?", (new, old))
            connection.execute("UPDATE state_rows SET show = ? WHERE show = ?", (new, old))
            connection.execute("UPDATE meta SET value = ? WHERE key = 'current_show' AND value = ?", (new, old))

        return self._run(work)

    def delete_show(self, name: str) -> asyncio.Future[Any]:
        def work(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM state_rows WHERE show = ?", (name,))
            connection.execute("DELETE FROM shows WHERE name = ?", (name,))

        return self._run(work)

    def replace_show(self, name: str, states: dict[str, Any], project: str | None = None) -> asyncio.Future[Any]:
        """Create `name` if needed and make its States exactly `states` (an import)."""
        rows = [(name, service, path, value) for service, state in states.items() for path, value in rows_of(state)]

        def work(connection: sqlite3.Connection) -> None:
            connection.execute("INSERT OR IGNORE INTO shows VALUES (?, ?, ?)", (name, _now(), project))
            connection.execute("DELETE FROM state_rows WHERE show = ?", (name,))
            connection.executemany("INSERT INTO state_rows VALUES (?, ?, ?, ?)", rows)

        return self._run(work)


def _delete_subtree(connection: sqlite3.Connection, show: str, service: str, path: str) -> None:
    """Delete the rows at `path`, below it, and any leaf above it that it would sit inside."""
    low, high = subtree_bounds(path)
    connection.execute(
        "DELETE FROM state_rows WHERE show = ? AND service = ? AND path >= ? AND path < ?", (show, service, low, high)
    )
    if path:
        connection.execute("DELETE FROM state_rows WHERE show = ? AND service = ? AND path = ?", (show, service, path))
        connection.executemany(
            "DELETE FROM state_rows WHERE show = ? AND service = ? AND path = ?",
            [(show, service, ancestor) for ancestor in ancestors(path)],
        )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
