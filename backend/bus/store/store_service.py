"""The Store service: shows, ConnectedClients, and every service's State per show (bus.md §6, §10.2).

What it does, in the reference's words and where the reference is silent
(docs/store-decisions.md):

- Identify to BROADCAST every `identify_period` seconds; ConnectedClients from Self and
  Startup, dropped after 3 unanswered rounds, every change broadcast as an Update.
- Startup answered with a Set of `State` for the current show, or a Reset.
- Every `State` / `State.*` Update from a service persisted at its path for the current show.
- Gets of its own State, `Shows`, `CurrentShow`, `ConnectedClients`, `CameraTypes`.
- Calls `ChangeShow`, `CreateShow`, `CreateShowWithTemplate`, `RenameShow`, and ours for
  stored States of any service in any show, show export/import and deletion.

Durability: nothing leaves the Store carrying a stored value before the write that made
that value is committed (`_committed()`), so whatever the Store answered with survives
`kill -9` at any moment. What goes out is taken (encoded or copied) *before* that wait:
Updates arriving meanwhile change the live States, and their writes are not covered by it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any

from backend.bus import value_paths
from backend.bus.codec import encode, encode_json
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallRefused
from backend.bus.message import (
    BROADCAST,
    BusMessage,
    LogLevel,
    MessageType,
    call_result_message,
    identify_message,
    is_null,
    log_message,
    reset_message,
    set_message,
    update_message,
)
from backend.bus.service import MISSING, BusService, subscription_prefix
from backend.bus.store.connected_clients import ConnectedClients
from backend.bus.store.show_names import show_name_problem
from backend.bus.store.state_rows import row_root
from backend.bus.store.store_database import StoreDatabase, StoredShows
from backend.bus.store.store_faults import LATE_STARTUP_S, StoreFaults

log = logging.getLogger(__name__)

NAME = "Store"
IDENTIFY_PERIOD_S = 2.0
EXPORT_FORMAT = "switchboard-show"
EXPORT_VERSION = 1
CAMERA_TYPES = ["Static", "Tracked", "Virtual", "Drone"]
DEFAULT_STATE: dict[str, Any] = {
    "General": {"FrameRate": "50", "MultimachineSyncing": False},
    "Defaults": {"Type": "AJA", "Units": "Metric"},
    "Cameras": {},
    "ActiveCameras": [],
    "Machines": {},
}


class StoreService(BusService):
    """The one Store of a bus, backed by a `StoreDatabase`."""

    def __init__(
        self,
        endpoints: HubEndpoints,
        database: StoreDatabase,
        *,
        identify_period: float = IDENTIFY_PERIOD_S,
        faults: StoreFaults | None = None,
    ) -> None:
        super().__init__(NAME, NAME, endpoints, default_state=DEFAULT_STATE, stateful=False, announce=False)
        self.database = database
        self.identify_period = identify_period
        self.faults = faults or StoreFaults()
        self.clients = ConnectedClients()
        self.shows: dict[str, dict[str, Any]] = {}
        self.current_show = ""
        self._last_write: asyncio.Future[Any] | None = None
        self._identify_paused_until = 0.0
        self._malformed_turn = 0
        self._handlers[MessageType.SELF] = self._on_self
        self._handlers[MessageType.STARTUP] = self._on_startup
        self._handlers[MessageType.UPDATE] = self._on_any_update
        self.non_state.update(
            {
                "Shows": lambda: list(self.shows),
                "CurrentShow": lambda: self.current_show,
                "ConnectedClients": self.clients.listing,
                "CameraTypes": lambda: list(CAMERA_TYPES),
            }
        )
        for name, handler, summary in (
            ("ChangeShow", self.change_show, "Switch every service to another show."),
            ("CreateShow", self.create_show, "Add an empty show."),
            ("CreateShowWithTemplate", self.create_show_with_template, "Add a show copied from another."),
            ("RenameShow", self.rename_show, "Rename a show."),
            ("DeleteShow", self.delete_show, "Delete a show that is not the current one."),
            ("ListStoredStates", self.list_stored_states, "The services with a stored State in a show."),
            ("GetStoredState", self.get_stored_state, "A service's stored State (or a path in it) in any show."),
            ("SetStoredState", self.set_stored_state, "Write a stored State of an offline service or another show."),
            ("RemoveStoredState", self.remove_stored_state, "Remove a stored State, or a path in it."),
            ("ExportShow", self.export_show, "One show as a JSON document."),
            ("ImportShow", self.import_show, "Create or replace a show from an exported document."),
        ):
            self.methods.add(name, handler, summary=summary, changes_world=name not in _READ_ONLY_CALLS)

    # ------------------------------------------------------------------ life cycle

    def subscriptions(self) -> list[str]:
        prefixes = [
            subscription_prefix(MessageType.SELF),
            subscription_prefix(MessageType.STARTUP),
            subscription_prefix(MessageType.UPDATE),
        ]
        for kind in (MessageType.GET, MessageType.SET, MessageType.RESET, MessageType.CALL, MessageType.CALL_RESULT):
            prefixes.append(subscription_prefix(kind, NAME))
        return prefixes

    async def start(self) -> None:
        stored = await self.database.open()
        self._adopt(stored)
        await super().start()
        self._spawn(self._identify_forever(), "identify")
        log.info("Store serving %d show(s); current show %r", len(self.shows), self.current_show, extra={"source": "Store"})

    async def stop(self) -> None:
        await super().stop()
        await self._committed()
        await self.database.close()

    def _adopt(self, stored: StoredShows) -> None:
        self.shows = stored.shows
        self.current_show = stored.current
        self._load_own_state()

    def _load_own_state(self) -> None:
        own = self.shows[self.current_show].get(NAME)
        self.state = value_paths.deep_copy(own) if isinstance(own, dict) else value_paths.deep_copy(self.defaults)
        self.shows[self.current_show][NAME] = self.state
        if not isinstance(own, dict):
            # Stored whole now: a later Set writes only its own path, and the rest of the
            # defaults must be in the file too, or a restarted Store would come back without them.
            self._persist(self.current_show, NAME, "")

    # ------------------------------------------------------------------ output and faults

    def publish(self, message: BusMessage) -> bool:
        """Everything the Store sends passes here, so the output faults apply to all of it."""
        if self.faults.Silent:
            return False
        return self.connection.publish_frames(self._frames(message))

    def _frames(self, message: BusMessage) -> list[bytes]:
        if self.faults.MalformedOutput and len(message.topic) > 2:
            reordered = dict(reversed(list(message.topic.items())))  # same keys, non-canonical order
            message = BusMessage(reordered, message.body, message.attachment)
        return encode(message)

    async def _identify_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if loop.time() >= self._identify_paused_until and not self.faults.Silent:
                if self.clients.new_round():
                    self._announce_clients()
                self.publish(identify_message(NAME))
                if self.faults.MalformedOutput:
                    self._publish_malformed()
            await asyncio.sleep(self.identify_period)

    def _publish_malformed(self) -> None:
        samples = [
            [b"{not json", b"{}"],
            [b'{"Type":"Update","Target":"BROADCAST","Source":"Store","Name":"Shows"}', b"{broken"],
            [b'{"Type":"Update","Target":"BROADCAST","Source":"Store","Name":"Shows"}'],
            [b'["Update"]', b"{}"],
        ]
        self.connection.publish_frames(samples[self._malformed_turn % len(samples)])
        self._malformed_turn += 1

    def simulate_restart(self, pause_s: float) -> None:
        """A restart as services see one: clients forgotten and no Identify for `pause_s` seconds."""
        self.clients.clear()
        self._identify_paused_until = asyncio.get_running_loop().time() + pause_s
        log.warning("Store restarting: Identify paused for %g s", pause_s, extra={"source": "Store"})

    def _announce_clients(self) -> None:
        self.publish(update_message(BROADCAST, NAME, "ConnectedClients", self.clients.listing()))

    # ------------------------------------------------------------------ durability

    def _remember(self, write: asyncio.Future[Any]) -> asyncio.Future[Any]:
        """Keep the newest write: the database commits in order, so awaiting it awaits them all."""
        self._last_write = write
        write.add_done_callback(_report_write_failure)
        return write

    async def _committed(self) -> None:
        """Return once every write asked for so far is on disk (at once, without yielding, if all are)."""
        last = self._last_write
        if last is not None and not last.done():
            await asyncio.shield(last)

    def _snapshot(self, *messages: BusMessage) -> list[list[bytes]]:
        """The frames of `messages` as they are now, to send once committed (`_send_committed`)."""
        return [self._frames(message) for message in messages]

    async def _send_committed(self, snapshot: list[list[bytes]]) -> None:
        """Send frames taken by `_snapshot` once every write queued when they were taken is on disk."""
        await self._committed()
        if not self.faults.Silent:
            for frames in snapshot:
                self.connection.publish_frames(frames)

    async def _publish_committed(self, *messages: BusMessage) -> None:
        await self._send_committed(self._snapshot(*messages))

    async def _announce_written(self, write: asyncio.Future[Any], *messages: BusMessage) -> None:
        """Send `messages` (as they are now) once `write` is committed; raise its error if it failed.

        For show Calls: memory changes together with queueing the write, so an Update that
        arrives meanwhile lands where the file will have it; the Call fails if the file did not take it.
        """
        snapshot = self._snapshot(*messages)
        await asyncio.shield(write)
        await self._send_committed(snapshot)

    async def _as_committed(self, value: Any) -> Any:
        """`value` as it is now (a Call's result), returned once every write that made it is on disk."""
        last = self._last_write
        if last is None or last.done():
            return value  # nothing to wait for: the CallResult is encoded before anything can change it
        copy = json.loads(encode_json(value))  # a JSON round trip copies faster than deepcopy
        await asyncio.shield(last)
        return copy

    def _persist(self, show: str, service: str, path: str) -> asyncio.Future[Any]:
        """Write what `service`'s State in `show` now holds at `path` (relative; "" for all)."""
        state = self.shows[show].get(service)
        if state is None:
            return self._remember(self.database.remove_state(show, service, ""))
        root = row_root(state, path)
        try:
            value = state if root == "" else value_paths.get_at(state, root)
        except value_paths.PathNotFound:
            return self._remember(self.database.remove_state(show, service, root))
        return self._remember(self.database.write_state(show, service, root, value))

    # ------------------------------------------------------------------ services coming online

    def _on_self(self, message: BusMessage) -> None:
        name = message.source
        if not name:
            return
        # A service first seen by its Self (the Store restarted within the services' 6 s
        # gap, so they did not send Startup again) keeps State if the Store keeps some for it.
        known = name in self.clients
        stateful = None if known else (any(name in states for states in self.shows.values()) or None)
        if self.clients.answered(name, _role(message), stateful=stateful):
            self._announce_clients()

    def _on_startup(self, message: BusMessage) -> None:
        name = message.source
        if not name:
            return
        if self.clients.answered(name, _role(message), stateful=True):
            self._announce_clients()
        if self.faults.StartupAnswer == "Never":
            return
        delay = LATE_STARTUP_S if self.faults.StartupAnswer == "Late" else 0.0
        self._spawn(self._answer_startup(name, delay), f"startup-{name}")

    async def _answer_startup(self, name: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        await self._publish_committed(self._state_message(name))

    def _state_message(self, name: str) -> BusMessage:
        """Set of State (§6 step 3), or Reset when the current show holds none for `name`."""
        state = self.shows[self.current_show].get(name)
        return reset_message(name) if state is None else set_message(name, "State", state)

    # ------------------------------------------------------------------ Updates: persisted

    def _on_any_update(self, message: BusMessage) -> None:
        self._on_update(message)  # pending Gets, watches
        name, source = message.name, message.source
        if not name or not source or source == NAME or not value_paths.is_within(name, "State"):
            return
        self._store_update(source, name, message.value)

    def _store_update(self, service: str, name: str, value: Any) -> None:
        """Write the value at `name` in `service`'s State for the current show (§6 step 5)."""
        show = self.current_show
        states = self.shows[show]
        path = value_paths.relative(name, "State")
        if is_null(value):  # the owner says there is nothing there
            if path == "":
                states.pop(service, None)
            else:
                try:
                    value_paths.delete_at(states.get(service, {}), path)
                except value_paths.PathNotFound:
                    return
            self._persist(show, service, path)
            return
        if path == "":
            if not isinstance(value, dict):
                log.warning("Ignored a State of %s that is not an object", service, extra={"source": "Store"})
                return
            states[service] = value_paths.deep_copy(value)
        else:
            state = states.setdefault(service, {})
            try:
                value_paths.set_at(state, path, value_paths.deep_copy(value))
            except value_paths.PathNotFound:
                log.warning("Ignored an Update of %s.%s: no such place in its State", service, name, extra={"source": "Store"})
                return
        self._persist(show, service, path)

    # ------------------------------------------------------------------ its own State, Gets

    def _on_get(self, message: BusMessage) -> None:
        """Answered with the value as it is now, sent once the writes that made it are committed."""
        name = message.name
        if message.target != NAME or name is None:
            return
        reply_to = message.respond_to or BROADCAST
        value = self.read_value(name)
        if value is MISSING:
            replies = [
                update_message(reply_to, NAME, name, "null"),
                log_message(NAME, LogLevel.WARNING, f"No value at {name}", "NotFound"),
            ]
        else:
            replies = [update_message(reply_to, NAME, name, value)]
        self._spawn(self._send_committed(self._snapshot(*replies)), "get")

    def _on_set(self, message: BusMessage) -> None:
        if message.target == NAME and message.name:
            self._spawn(self._set_own(message.name, message.value), "set")

    async def _set_own(self, name: str, value: Any) -> None:
        """A Set of the Store's own State at any path: kept, committed, then confirmed."""
        path = value_paths.relative(name, "State") if value_paths.is_within(name, "State") else None
        if path is None:
            self.log(LogLevel.WARNING, f"Refused Set of {name}: only the Store's State can be set", code="SetRefused")
        elif path == "" and not isinstance(value, dict):
            self.log(LogLevel.WARNING, "Refused Set of State: it must be an object", code="SetRefused")
        else:
            try:
                if path == "":
                    self.state.clear()
                    self.state.update(value_paths.deep_copy(value))
                else:
                    value_paths.set_at(self.state, path, value_paths.deep_copy(value))
            except value_paths.PathNotFound:
                self.log(LogLevel.WARNING, f"Refused Set of {name}: no such place in the State", code="SetRefused")
            else:
                self.state_changed.emit(name)
                self._persist(self.current_show, NAME, path)
        await self._publish_committed(self._state_update(name))

    def _state_update(self, name: str) -> BusMessage:
        value = self.read_value(name)
        return update_message(BROADCAST, NAME, name, "null" if value is MISSING else value)

    def _on_reset(self, message: BusMessage) -> None:
        if message.target == NAME:
            self._spawn(self._reset_own(), "reset")

    async def _reset_own(self) -> None:
        self.state.clear()
        self.state.update(value_paths.deep_copy(self.defaults))
        self._persist(self.current_show, NAME, "")
        self.state_changed.emit("State")
        await self._publish_committed(self._state_update("State"))

    async def _serve_call(self, call: BusMessage) -> None:
        """Calls, with the CallResult faults applied."""
        fault = self.faults.CallResult
        if fault == "Failure":
            reply_to = call.respond_to or BROADCAST
            self.publish(call_result_message(reply_to, NAME, call.method or "", call.call_id, failure="Injected failure"))
            return
        if fault == "NoID":
            call = BusMessage({k: v for k, v in call.topic.items() if k != "ID"}, call.body)
        elif fault == "Never":
            try:
                await self.methods.invoke(call.method or "", call.body.get("Params"))
            except CallRefused:
                pass
            return
        await super()._serve_call(call)

    # ------------------------------------------------------------------ show Calls (§6)

    def _show(self, name: Any) -> str:
        if not isinstance(name, str) or name not in self.shows:
            raise CallRefused(f"Show not found: {name}")
        return name

    def _new_show_name(self, name: Any) -> str:
        problem = show_name_problem(name)
        if problem:
            raise CallRefused(f"{problem}: {name!r}")
        if name in self.shows:
            raise CallRefused(f"A show called {name} already exists")
        return name

    async def change_show(self, ShowName: str) -> None:
        """Save the current show, switch, announce, and push every stateful service its State."""
        show = self._show(ShowName)
        if show != self.current_show:
            self.current_show = show
            self._remember(self.database.set_current_show(show))
            self._load_own_state()
            self.state_changed.emit("State")
        await self._publish_committed(
            update_message(BROADCAST, NAME, "CurrentShow", show),
            self._state_update("State"),
            *(self._state_message(name) for name in self.clients.stateful_names()),
        )
        log.info("Show changed to %s", show, extra={"source": "Store"})

    async def create_show(self, ShowName: str, Project: Any = None, AutoPull: Any = None, Push: Any = None) -> None:
        name = self._new_show_name(ShowName)
        write = self._remember(self.database.create_show(name, _text(Project)))
        self.shows[name] = {}
        await self._announce_written(write, self._shows_update())

    async def create_show_with_template(
        self, ShowName: str, Template: str, Project: Any = None, AutoPull: Any = None, Push: Any = None, Move: Any = None
    ) -> None:
        template = self._show(Template)
        name = self._new_show_name(ShowName)
        write = self._remember(self.database.create_show(name, _text(Project), copy_from=template))
        self.shows[name] = value_paths.deep_copy(self.shows[template])  # the template as the copy in the file will be
        await self._announce_written(write, self._shows_update())

    async def rename_show(self, ShowName: str, NewShowName: str) -> None:
        old = self._show(ShowName)
        new = self._new_show_name(NewShowName)
        write = self._remember(self.database.rename_show(old, new))
        # At once, with the write: an Update arriving meanwhile must be stored under the new name.
        self.shows = {new if name == old else name: states for name, states in self.shows.items()}
        if self.current_show != old:
            await self._announce_written(write, self._shows_update())
            return
        self.current_show = new
        await self._announce_written(write, self._shows_update(), update_message(BROADCAST, NAME, "CurrentShow", new))

    async def delete_show(self, ShowName: str) -> None:
        show = self._show(ShowName)
        if show == self.current_show:
            raise CallRefused(f"{show} is the current show; change to another show first")
        write = self._remember(self.database.delete_show(show))
        del self.shows[show]
        await self._announce_written(write, self._shows_update())

    def _shows_update(self) -> BusMessage:
        return update_message(BROADCAST, NAME, "Shows", list(self.shows))

    # ------------------------------------------------------------------ stored States (ours)

    def _show_or_current(self, ShowName: Any) -> str:
        return self.current_show if ShowName is None else self._show(ShowName)

    def _refuse_if_owner_online(self, service: str, show: str) -> None:
        if show == self.current_show and (service in self.clients or service == NAME):
            raise CallRefused(
                f"{service} is online and owns its State in the current show; send it a Set instead (bus.md §6)"
            )

    async def list_stored_states(self, ShowName: Any = None) -> list[dict[str, Any]]:
        show = self._show_or_current(ShowName)
        listing = [
            {"Service": service, "Online": show == self.current_show and (service in self.clients or service == NAME), "Keys": _count(state)}
            for service, state in sorted(self.shows[show].items())
        ]
        await self._committed()
        return listing

    async def get_stored_state(self, Service: str, ShowName: Any = None, Path: str = "State") -> Any:
        show = self._show_or_current(ShowName)
        state = self.shows[show].get(Service)
        if state is None:
            raise CallRefused(f"No stored State for {Service} in show {show}")
        value = _at(state, Path)
        if value is MISSING:
            raise CallRefused(f"No value at {Path} in {Service}'s stored State in show {show}")
        return await self._as_committed(value)

    async def set_stored_state(self, Service: str, Value: Any, ShowName: Any = None, Path: str = "State") -> None:
        show = self._show_or_current(ShowName)
        self._refuse_if_owner_online(Service, show)
        if not isinstance(Service, str) or not Service:
            raise CallRefused("Service must be a service name")
        path = _relative(Path)
        if path == "":
            if not isinstance(Value, dict):
                raise CallRefused("A whole State must be an object")
            self.shows[show][Service] = value_paths.deep_copy(Value)
        else:
            try:
                value_paths.set_at(self.shows[show].setdefault(Service, {}), path, value_paths.deep_copy(Value))
            except value_paths.PathNotFound:
                raise CallRefused(f"No place for {Path} in {Service}'s stored State") from None
        await self._persist(show, Service, path)

    async def remove_stored_state(self, Service: str, ShowName: Any = None, Path: str = "State") -> None:
        show = self._show_or_current(ShowName)
        self._refuse_if_owner_online(Service, show)
        path = _relative(Path)
        states = self.shows[show]
        if Service not in states:
            raise CallRefused(f"No stored State for {Service} in show {show}")
        if path == "":
            del states[Service]
        else:
            try:
                value_paths.delete_at(states[Service], path)
            except value_paths.PathNotFound:
                raise CallRefused(f"No value at {Path} in {Service}'s stored State in show {show}") from None
        await self._persist(show, Service, path)

    async def export_show(self, ShowName: Any = None) -> dict[str, Any]:
        show = self._show_or_current(ShowName)
        document = {
            "Format": EXPORT_FORMAT,
            "Version": EXPORT_VERSION,
            "Show": show,
            "Exported": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "States": value_paths.deep_copy(self.shows[show]),
        }
        await self._committed()
        return document

    async def import_show(self, ShowName: str, Content: Any, Replace: bool = False) -> None:
        """Create (or with Replace, overwrite) a show from an `ExportShow` document."""
        states = _states_of_export(Content)
        if ShowName in self.shows:
            if not Replace:
                raise CallRefused(f"A show called {ShowName} already exists; import with Replace to overwrite it")
            if ShowName == self.current_show:
                raise CallRefused(f"{ShowName} is the current show; change to another show before replacing it")
        else:
            self._new_show_name(ShowName)
        write = self._remember(self.database.replace_show(ShowName, states))
        self.shows[ShowName] = value_paths.deep_copy(states)
        await self._announce_written(write, self._shows_update())


_READ_ONLY_CALLS = {"ListStoredStates", "GetStoredState", "ExportShow", "ListMethods"}


def _role(message: BusMessage) -> str:
    role = message.readable_body().get("Role")
    return role if isinstance(role, str) else ""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _relative(name: Any) -> str:
    if not isinstance(name, str) or not value_paths.is_within(name, "State"):
        raise CallRefused(f"Path must be State or a path inside it, not {name!r}")
    return value_paths.relative(name, "State")


def _at(state: Any, name: Any) -> Any:
    try:
        return value_paths.get_at(state, _relative(name))
    except value_paths.PathNotFound:
        return MISSING


def _count(value: Any) -> int:
    """How many leaf values a State holds (a size an operator can compare)."""
    if isinstance(value, dict):
        return sum(_count(child) for child in value.values()) if value else 0
    return 1


def _states_of_export(content: Any) -> dict[str, Any]:
    if isinstance(content, dict) and content.get("Format") == EXPORT_FORMAT:
        if content.get("Version") != EXPORT_VERSION:
            raise CallRefused(f"This Store reads show exports of version {EXPORT_VERSION}, not {content.get('Version')}")
        content = content.get("States")
    if not isinstance(content, dict) or not all(isinstance(state, dict) for state in content.values()):
        raise CallRefused("Content must be an exported show: an object of service names to State objects")
    return content


def _report_write_failure(write: asyncio.Future[Any]) -> None:
    if not write.cancelled() and write.exception() is not None:
        log.error("The Store could not write its database: %s", write.exception(), extra={"source": "Store"})
