"""What the Store panel shows and does, without Qt: shows, States, and edits with their fate.

- Shows, the current show and who is online come from the Store (watched, so they stay
  current). Operations on shows are Calls to the Store, audited.
- A State is read **live** from its owner when the owner is online in the current show
  (then followed, change by change), and **stored** from the Store otherwise (offline
  services, other shows).
- An edit of a live State is a Set to its owner: pending until the owner's Update
  confirms it, "not confirmed" after 2 s, "refused" with the value the owner kept. An edit
  of a stored State is a Call to the Store. Either way the outcome is an `Edit`, and the
  value the operator asked for stays in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from backend.app.operator_actions import OperatorActions
from backend.bus import value_paths
from backend.bus.errors import BusError, CallFailed, ValueMissing
from backend.bus.message import is_null
from backend.bus.service import STORE, BusService, Follower, Watch
from backend.observable import Signal

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 3.0


class EditStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    NOT_CONFIRMED = "not confirmed"
    FAILED = "failed"


@dataclass(eq=False)
class StateSource:
    """One service's State in one show, live from its owner or stored in the Store."""

    service: str
    show: str
    live: bool
    role: str = ""
    state: Any = None
    loaded: bool = False
    problem: str | None = None
    follower: Follower | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.show, self.service)

    @property
    def kind(self) -> str:
        return "live" if self.live else "stored"


@dataclass(eq=False)
class Edit:
    """One change the operator asked for, and what became of it."""

    source: StateSource
    path: str
    """Relative to State ("" is the whole State)."""
    requested: Any
    removal: bool = False
    status: EditStatus = EditStatus.PENDING
    kept: Any = None
    message: str = ""

    @property
    def name(self) -> str:
        return state_name(self.path)


def state_name(path: str) -> str:
    """The bus Name of a path relative to State."""
    return f"State.{path}" if path else "State"


class StoreModel:
    """The Store panel's model; `start()` once the service runs, `stop()` when detached."""

    def __init__(self, service: BusService, actions: OperatorActions) -> None:
        self.service = service
        self.actions = actions
        self.shows: list[str] = []
        self.current_show: str | None = None
        self.clients: list[dict[str, str]] = []
        self.sources: dict[tuple[str, str], StateSource] = {}
        self.shows_changed: Signal[[]] = Signal("store_model.shows_changed")
        self.clients_changed: Signal[[]] = Signal("store_model.clients_changed")
        self.state_changed: Signal[[StateSource, str]] = Signal("store_model.state_changed")
        """A loaded State changed at a path (relative to State)."""
        self.edit_changed: Signal[[Edit]] = Signal("store_model.edit_changed")
        self._watches: list[Watch] = []

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        self._watches = [
            self.service.watch(STORE, "Shows", self._on_shows),
            self.service.watch(STORE, "CurrentShow", self._on_current_show),
            self.service.watch(STORE, "ConnectedClients", self._on_clients),
        ]

    def stop(self) -> None:
        for watch in self._watches:
            self.service.unwatch(watch)
        self._watches = []
        for source in self.sources.values():
            self._unfollow(source)
        self.sources.clear()

    def _on_shows(self, value: Any) -> None:
        self.shows = [name for name in value if isinstance(name, str)] if isinstance(value, list) else []
        self.shows_changed.emit()

    def _on_current_show(self, value: Any) -> None:
        self.current_show = value if isinstance(value, str) else None
        self.shows_changed.emit()

    def _on_clients(self, value: Any) -> None:
        self.clients = [c for c in value if isinstance(c, dict) and isinstance(c.get("Name"), str)] if isinstance(value, list) else []
        self.clients_changed.emit()

    @property
    def online(self) -> dict[str, str]:
        """Online services by name, with their roles."""
        return {c["Name"]: str(c.get("Role", "")) for c in self.clients}

    # ------------------------------------------------------------------ sources

    async def list_sources(self, show: str) -> list[StateSource]:
        """Every State there is for `show`: the Store's own, each online service's, each stored one."""
        stored: list[dict[str, Any]] = []
        try:
            stored = await self.service.call(STORE, "ListStoredStates", {"ShowName": show}, timeout=READ_TIMEOUT_S)
        except BusError as error:
            log.warning("Could not list the stored States of %s: %s", show, error, extra={"source": "Store"})
        is_current = show == self.current_show
        online = self.online if is_current else {}
        names = {STORE} if is_current else set()
        names |= set(online)
        names |= {entry["Service"] for entry in stored if isinstance(entry, dict) and isinstance(entry.get("Service"), str)}
        sources = []
        for name in sorted(names, key=lambda n: (n != STORE, n.lower())):
            live = is_current and (name in online or name == STORE)
            source = self.sources.get((show, name))
            if source is None or source.live != live:
                if source is not None:
                    self._unfollow(source)
                source = StateSource(name, show, live, role=online.get(name, "Store" if name == STORE else ""))
                self.sources[source.key] = source
            sources.append(source)
        return sources

    async def load(self, source: StateSource) -> Any:
        """Read a source's State (from its owner, or from the Store) and keep it current."""
        source.problem = None
        try:
            if source.live:
                self._follow(source)
                source.state = await self.service.get(source.service, "State", timeout=READ_TIMEOUT_S)
            else:
                source.state = await self.service.call(
                    STORE, "GetStoredState", {"Service": source.service, "ShowName": source.show}, timeout=READ_TIMEOUT_S
                )
        except ValueMissing:
            source.state, source.problem = None, f"{source.service} keeps no State"
        except BusError as error:
            source.state, source.problem = None, str(error)
        source.loaded = source.problem is None
        self.state_changed.emit(source, "")
        return source.state

    def _follow(self, source: StateSource) -> None:
        if source.follower is None:
            source.follower = self.service.follow(source.service, "State", lambda name, value: self._apply(source, name, value))

    def _unfollow(self, source: StateSource) -> None:
        if source.follower is not None:
            self.service.unfollow(source.follower)
            source.follower = None

    def _apply(self, source: StateSource, name: str, value: Any) -> None:
        """Put an owner's announced change into the State the panel shows."""
        if not source.loaded:
            return
        path = value_paths.relative(name, "State")
        try:
            if path == "":
                source.state = value_paths.deep_copy(value)
            elif is_null(value):
                value_paths.delete_at(source.state, path)
            else:
                value_paths.set_at(source.state, path, value_paths.deep_copy(value))
        except (value_paths.PathNotFound, TypeError, AttributeError):
            return
        self.state_changed.emit(source, path)

    async def shown_states(self, show: str) -> dict[str, Any]:
        """Every State of `show` as the panel shows it: live where the owner is online, stored elsewhere."""
        trees: dict[str, Any] = {}
        for source in await self.list_sources(show):
            state = source.state if source.loaded else await self.load(source)
            if source.loaded:
                trees[source.service] = state
        return trees

    async def stored_states(self, show: str) -> dict[str, Any]:
        """Every stored State of `show`, as the Store holds them (offline or not)."""
        trees: dict[str, Any] = {}
        for source in await self.list_sources(show):
            try:
                trees[source.service] = await self.service.call(
                    STORE, "GetStoredState", {"Service": source.service, "ShowName": show}, timeout=READ_TIMEOUT_S
                )
            except CallFailed:
                continue  # online, but nothing stored yet
        return trees

    # ------------------------------------------------------------------ edits

    async def edit(self, source: StateSource, path: str, value: Any) -> Edit:
        """Change the value at `path` of a State; the returned Edit says how it ended."""
        edit = Edit(source, path, value)
        self.edit_changed.emit(edit)
        if source.live:
            outcome = await self.actions.set(source.service, edit.name, value)
            if not outcome.confirmed:
                edit.status, edit.message = EditStatus.NOT_CONFIRMED, f"{source.service} sent no Update within 2 s"
            elif outcome.accepted:
                edit.status, edit.kept = EditStatus.CONFIRMED, outcome.kept
            else:
                edit.status, edit.kept = EditStatus.REFUSED, outcome.kept
                edit.message = f"{source.service} refused it and kept the value shown"
        else:
            params = {"Service": source.service, "ShowName": source.show, "Path": edit.name, "Value": value}
            await self._stored_call(edit, "SetStoredState", params)
            if edit.status == EditStatus.CONFIRMED:
                self._apply_locally(source, path, value)
        self.edit_changed.emit(edit)
        return edit

    async def remove(self, source: StateSource, path: str) -> Edit:
        """Remove the key at `path` (live: a Set of its parent without it)."""
        edit = Edit(source, path, None, removal=True)
        self.edit_changed.emit(edit)
        if source.live:
            parent_path, _, key = path.rpartition(".")
            parent = value_paths.deep_copy(value_paths.get_at(source.state, parent_path))
            if isinstance(parent, dict):
                parent.pop(key, None)
            elif isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
                del parent[int(key)]
            outcome = await self.actions.set(source.service, state_name(parent_path), parent)
            edit.kept = outcome.kept
            if not outcome.confirmed:
                edit.status, edit.message = EditStatus.NOT_CONFIRMED, f"{source.service} sent no Update within 2 s"
            elif outcome.accepted:
                edit.status = EditStatus.CONFIRMED
            else:
                edit.status, edit.message = EditStatus.REFUSED, f"{source.service} refused to remove it"
        else:
            await self._stored_call(edit, "RemoveStoredState", {"Service": source.service, "ShowName": source.show, "Path": edit.name})
            if edit.status == EditStatus.CONFIRMED:
                try:
                    value_paths.delete_at(source.state, path)
                except value_paths.PathNotFound:
                    pass
                self.state_changed.emit(source, path.rpartition(".")[0])
        self.edit_changed.emit(edit)
        return edit

    async def _stored_call(self, edit: Edit, method: str, params: dict[str, Any]) -> None:
        try:
            await self.actions.call(STORE, method, params)
        except CallFailed as failure:
            edit.status, edit.message = EditStatus.FAILED, str(failure.failure)
        except BusError as error:
            edit.status, edit.message = EditStatus.FAILED, str(error)
        else:
            edit.status = EditStatus.CONFIRMED

    def _apply_locally(self, source: StateSource, path: str, value: Any) -> None:
        if path == "":
            source.state = value_paths.deep_copy(value)
        else:
            if not isinstance(source.state, dict):
                source.state = {}
            value_paths.set_at(source.state, path, value_paths.deep_copy(value))
        self.state_changed.emit(source, path)

    # ------------------------------------------------------------------ shows

    async def change_show(self, name: str) -> None:
        await self.actions.call(STORE, "ChangeShow", {"ShowName": name})

    async def create_show(self, name: str, template: str | None = None) -> None:
        if template:
            await self.actions.call(STORE, "CreateShowWithTemplate", {"ShowName": name, "Template": template, "Project": ""})
        else:
            await self.actions.call(STORE, "CreateShow", {"ShowName": name, "Project": ""})

    async def rename_show(self, name: str, new_name: str) -> None:
        await self.actions.call(STORE, "RenameShow", {"ShowName": name, "NewShowName": new_name})
        for key in [key for key in self.sources if key[0] == name]:
            self._unfollow(self.sources.pop(key))

    async def delete_show(self, name: str) -> None:
        await self.actions.call(STORE, "DeleteShow", {"ShowName": name})

    async def export_show(self, name: str) -> dict[str, Any]:
        return await self.service.call(STORE, "ExportShow", {"ShowName": name}, timeout=10.0)

    async def import_show(self, name: str, content: Any, replace: bool = False) -> None:
        await self.actions.call(STORE, "ImportShow", {"ShowName": name, "Content": content, "Replace": replace}, timeout=10.0)
