"""A service on the bus: answers heartbeats, keeps a State, serves Get/Set/Reset/Call.

This is the base every participant builds on: Switchboard itself, the simulated
services of the demo stack and, later, the Store. It follows `protocols/bus.md`:

- subscriptions by byte prefix, each ending with the closing quote of the Target (§5);
- Identify answered with Self; Startup after the first Identify or 500 ms, resent every
  3 s up to 5 times, then "Store not answering" and defaults (§6 steps 1–7);
- Startup again when Identify resumes after 6 s or the hub link comes back (§6.8, §9),
  and every watched value read again;
- Get/Set/Reset/Update of its own State at dotted paths, a refused Set answered with
  the value kept and a Log Warning (§4);
- Calls dispatched to registered PascalCase methods, answered with Result or Failure;
- `call()`, `get()`, `set()` and `watch()` of other services' values, with timeouts.

Timeouts use `asyncio.timeout()`, never `asyncio.wait_for()`: on Python 3.11 a task
cancelled while inside `wait_for(event.wait(), …)` can wait forever for the inner task
(seen as a demo stack that would not stop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.bus import value_paths
from backend.bus.codec import MalformedMessage, encode_json
from backend.bus.connection import BusConnection
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import (
    CallFailed,
    CallRefused,
    CallTimeout,
    GetTimeout,
    HubLost,
    ValueMissing,
)
from backend.bus.message import (
    BROADCAST,
    BusMessage,
    LogLevel,
    MessageType,
    call_message,
    call_result_message,
    get_message,
    is_null,
    log_message,
    reset_message,
    self_message,
    set_message,
    startup_message,
    update_message,
)
from backend.bus.methods import MethodRegistry
from backend.bus.pending import PendingRequests, next_call_id
from backend.observable import Signal
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)

STORE = "Store"
MISSING: Any = object()
"""What `read_value` returns for a name the service has no value at (a JSON null is a value)."""
IDENTIFY_WAIT_S = 0.5
STARTUP_RETRY_S = 3.0
STARTUP_ATTEMPTS = 5
IDENTIFY_GAP_S = 6.0
CALL_TIMEOUT_S = 5.0
GET_TIMEOUT_S = 2.0
SET_CONFIRM_S = 2.0


class StoreLink(StrEnum):
    """What this service knows of the Store, for the status bar."""

    UNKNOWN = "none seen"
    WAITING = "waiting"
    ANSWERED = "connected"
    NOT_ANSWERING = "not answering"
    SILENT = "silent"


@dataclass(frozen=True, slots=True)
class SetOutcome:
    """What became of a Set: confirmed by an Update within the time limit, and what was kept."""

    target: str
    name: str
    requested: Any
    confirmed: bool
    kept: Any = None

    @property
    def accepted(self) -> bool:
        return self.confirmed and self.kept == self.requested


@dataclass(slots=True)
class Watch:
    """A value of another service kept current from its Updates."""

    target: str
    name: str
    callback: Callable[[Any], None]
    value: Any = None
    version: int = 0
    """Counts the values delivered, so a slow re-read never overwrites a newer Update."""


@dataclass(slots=True)
class Follower:
    """Told of every change another service announces at or below a path of its values."""

    target: str
    name: str
    callback: Callable[[str, Any], None]
    """Called with (the Update's Name, its Value): the change, not the whole value."""


def subscription_prefix(message_type: MessageType | str, target: str | None = None) -> str:
    """The byte prefix of §5: `{"Type":"Get","Target":"NAME"` (never ending with `}`)."""
    prefix = f'{{"Type":"{message_type}"'
    if target is not None:
        prefix += f',"Target":"{target}"'
    return prefix


class BusService:
    """One named participant on the bus. Subclasses add State validation and Calls."""

    def __init__(
        self,
        name: str,
        role: str,
        endpoints: HubEndpoints,
        *,
        default_state: dict[str, Any] | None = None,
        stateful: bool = True,
        announce: bool = True,
        extra_subscriptions: tuple[str, ...] = (),
        identify_wait: float = IDENTIFY_WAIT_S,
        startup_retry: float = STARTUP_RETRY_S,
        startup_attempts: int = STARTUP_ATTEMPTS,
    ) -> None:
        self.name = name
        self.role = role
        self.stateful = stateful
        self.announce = announce
        """False for short-lived tools: no Identify answers, no Startup or Self."""
        self.connection = BusConnection(endpoints, label=name)
        self.methods = MethodRegistry()
        self.defaults: dict[str, Any] = value_paths.deep_copy(default_state or {})
        self.state: dict[str, Any] = value_paths.deep_copy(self.defaults)
        self.non_state: dict[str, Callable[[], Any]] = {"Role": lambda: self.role}
        """Getters of values outside State that a Get may ask for."""
        self.store_link = StoreLink.UNKNOWN
        self.last_identify: float | None = None

        self.status_changed: Signal[[]] = Signal(f"{name}.status_changed")
        self.state_changed: Signal[[str]] = Signal(f"{name}.state_changed")
        """Emitted with the path that changed (`State` for the whole tree)."""
        self.bus_log: Signal[[BusMessage]] = Signal(f"{name}.bus_log")
        self.call_served: Signal[[BusMessage, Any, Any]] = Signal(f"{name}.call_served")
        """Emitted with (call, result, failure) after each Call this service answered."""
        self.renamed: Signal[[str]] = Signal(f"{name}.renamed")

        self._extra_subscriptions = extra_subscriptions
        self._identify_wait = identify_wait
        self._startup_retry = startup_retry
        self._startup_attempts = startup_attempts
        self._pending = PendingRequests()
        self._watches: list[Watch] = []
        self._followers: list[Follower] = []
        self._watched_sources: set[str] = set()
        """Services some watch or follower listens to: the only Updates worth a closer look."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._startup_task: asyncio.Task[None] | None = None
        self._first_identify: asyncio.Event | None = None
        self._state_arrived: asyncio.Event | None = None
        self._ever_linked = False
        self._running = False
        self._handlers: dict[MessageType, Callable[[BusMessage], None]] = {
            MessageType.IDENTIFY: self._on_identify,
            MessageType.GET: self._on_get,
            MessageType.SET: self._on_set,
            MessageType.RESET: self._on_reset,
            MessageType.UPDATE: self._on_update,
            MessageType.CALL: self._on_call,
            MessageType.CALL_RESULT: self._on_call_result,
            MessageType.LOG: self.bus_log.emit,
        }
        self.methods.add("ListMethods", self._list_methods, summary="The Calls this service answers, with their parameters.")

    # ----------------------------------------------------------------- life cycle

    @property
    def hub_linked(self) -> bool:
        return self.connection.linked

    def subscriptions(self) -> list[str]:
        """The prefixes this service listens to (§5)."""
        prefixes = [subscription_prefix(MessageType.IDENTIFY)] if self.announce else []
        for kind in (MessageType.GET, MessageType.SET, MessageType.RESET, MessageType.CALL, MessageType.UPDATE, MessageType.CALL_RESULT):
            prefixes.append(subscription_prefix(kind, self.name))
        prefixes.append(subscription_prefix(MessageType.UPDATE, BROADCAST))
        prefixes.extend(self._extra_subscriptions)
        return prefixes

    async def start(self) -> None:
        """Connect, subscribe, and come online (Startup or Self). Returns at once."""
        self._first_identify = asyncio.Event()
        self._state_arrived = asyncio.Event()
        self.connection.received.connect(self._dispatch)
        self.connection.link_changed.connect(self._on_link_changed)
        self.connection.subscribe(self.subscriptions())
        await self.connection.start()
        self._running = True
        if self.announce:
            self._come_online(first_time=True)
            self._spawn(self._watch_identify_gap(), "identify-watchdog")

    async def stop(self) -> None:
        """Cancel every task this service owns and close its sockets."""
        self._running = False
        tasks = list(self._tasks)
        await cancel_and_wait(tasks)
        self._pending.fail_all(HubLost("a reply: the service stopped"))
        self.connection.received.disconnect(self._dispatch)
        self.connection.link_changed.disconnect(self._on_link_changed)
        await self.connection.stop()

    async def __aenter__(self) -> BusService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _spawn(self, coro: Any, label: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"{self.name}-{label}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: task %s failed", self.name, task.get_name(), exc_info=task.exception())

    def _set_store_link(self, link: StoreLink) -> None:
        if link != self.store_link:
            self.store_link = link
            self.status_changed.emit()

    # ----------------------------------------------------------------- coming online

    def _come_online(self, *, first_time: bool, fresh_link: bool = False) -> None:
        """(Re)start the Startup sequence, and re-read every watched value.

        After a fresh link the subscriptions must reach the hub again, so the slow-joiner
        wait (first Identify or 500 ms) starts over.
        """
        if fresh_link and self._first_identify is not None:
            self._first_identify.clear()
        if self._startup_task is not None:
            self._startup_task.cancel()
        self._startup_task = self._spawn(self._announce(first_time), "startup")

    async def _announce(self, first_time: bool) -> None:
        assert self._first_identify is not None and self._state_arrived is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._identify_wait):
                await self._first_identify.wait()
        if first_time:
            await self.before_first_startup()
        self._refresh_watches()
        if not self.stateful:
            self.publish(self_message(STORE, self.name, self.role))
            return
        self._state_arrived.clear()
        self._set_store_link(StoreLink.WAITING)
        for attempt in range(1, self._startup_attempts + 1):
            self.publish(startup_message(STORE, self.name, self.role))
            try:
                async with asyncio.timeout(self._startup_retry):
                    await self._state_arrived.wait()
            except TimeoutError:
                log.debug("%s: Startup %d unanswered", self.name, attempt)
                continue
            self._set_store_link(StoreLink.ANSWERED)
            return
        self._set_store_link(StoreLink.NOT_ANSWERING)
        log.warning(
            "%s: the Store did not answer %d Startups; running on defaults",
            self.name,
            self._startup_attempts,
            extra={"source": "Bus"},
        )
        self.publish_state("State")

    async def before_first_startup(self) -> None:
        """Hook run once, before the first Startup (Switchboard claims a unique name here)."""

    async def rename(self, new_name: str) -> None:
        """Take another name: new subscriptions, then let them reach the hub before going on."""
        old_prefixes = self.subscriptions()
        old = self.name
        self.name = new_name
        self.connection.subscribe(self.subscriptions())
        self.connection.unsubscribe(set(old_prefixes) - set(self.subscriptions()))
        log.warning("%s is taken on this bus; joining as %s", old, new_name, extra={"source": "Bus"})
        self.renamed.emit(new_name)
        self.status_changed.emit()
        await asyncio.sleep(self._identify_wait)

    def _on_link_changed(self, linked: bool) -> None:
        if linked:
            log.info("%s: connected to the hub at %s", self.name, self.connection.endpoints, extra={"source": "Bus"})
            if self._ever_linked and self._running and self.announce:
                self._come_online(first_time=False, fresh_link=True)
            elif self._ever_linked and self._running:
                self._refresh_watches()
            self._ever_linked = True
        else:
            log.warning("%s: lost the hub at %s", self.name, self.connection.endpoints, extra={"source": "Bus"})
            self._pending.fail_all(HubLost("a reply"))
        self.status_changed.emit()

    async def _watch_identify_gap(self) -> None:
        """Mark the Store silent when its heartbeat stops for the gap of §6.8."""
        while True:
            await asyncio.sleep(1.0)
            if self.last_identify is None:
                continue
            if time.monotonic() - self.last_identify >= IDENTIFY_GAP_S:
                self._set_store_link(StoreLink.SILENT)

    # ----------------------------------------------------------------- dispatch

    def _dispatch(self, batch: list[BusMessage]) -> None:
        handlers = self._handlers  # keyed by MessageType, which hashes like its wire text
        for message in batch:
            handler = handlers.get(message.topic.get("Type"))
            if handler is None:
                continue
            try:
                handler(message)
            except MalformedMessage as error:
                self.connection.count_malformed(error, encode_json(message.topic).encode("utf-8"))
            except Exception:
                log.exception("%s: failed to handle %s", self.name, message.topic)

    def _addressed_to_me(self, message: BusMessage) -> bool:
        return message.target == self.name

    def _on_identify(self, message: BusMessage) -> None:
        now = time.monotonic()
        previous = self.last_identify
        self.last_identify = now
        if self._first_identify is not None:
            self._first_identify.set()
        self.publish(self_message(message.respond_to or STORE, self.name, self.role))
        if not self.stateful:
            self._set_store_link(StoreLink.ANSWERED)
        if previous is not None and now - previous >= IDENTIFY_GAP_S:
            log.info("%s: the Store's heartbeat is back; announcing again", self.name, extra={"source": "Bus"})
            self._come_online(first_time=False)
        elif previous is None and self.stateful and self._startup_task is not None and self._startup_task.done():
            if self.store_link != StoreLink.ANSWERED:
                self._come_online(first_time=False)

    def _on_get(self, message: BusMessage) -> None:
        if not self._addressed_to_me(message) or message.name is None:
            return
        name = message.name
        reply_to = message.respond_to or BROADCAST
        value = self.read_value(name)
        if value is MISSING:
            self.publish(update_message(reply_to, self.name, name, "null"))
            self.log(LogLevel.WARNING, f"No value at {name}", code="NotFound")
            return
        self.publish(update_message(reply_to, self.name, name, value))

    def read_value(self, name: str) -> Any:
        """This service's value at `name` (State path or non-state name), or `MISSING`."""
        if value_paths.is_within(name, "State"):
            try:
                return value_paths.get_at(self.state, value_paths.relative(name, "State"))
            except value_paths.PathNotFound:
                return MISSING
        getter = self.non_state.get(name)
        return getter() if getter is not None else MISSING

    def _on_set(self, message: BusMessage) -> None:
        if not self._addressed_to_me(message) or message.name is None:
            return
        name, value = message.name, message.value
        if name == "State":
            self._apply_whole_state(value)
            return
        refusal = self.refuse_set(name, value)
        if refusal is None:
            try:
                value_paths.set_at(self.state, value_paths.relative(name, "State"), value_paths.deep_copy(value))
            except value_paths.PathNotFound:
                refusal = f"there is no place for {name} in {self.name}'s State"
            else:
                self.state_changed.emit(name)
        if refusal is not None:
            self.log(LogLevel.WARNING, f"Refused Set of {name}: {refusal}", code="SetRefused")
        self.publish_state(name)

    def refuse_set(self, name: str, value: Any) -> str | None:
        """Why a Set of `name` to `value` is refused, or None to accept it.

        The base accepts any path inside State and refuses everything else.
        """
        if not value_paths.is_within(name, "State") or name == "State":
            return f"{name} is not part of {self.name}'s State"
        return None

    def _apply_whole_state(self, value: Any) -> None:
        """The Store's answer to Startup (or a ChangeShow): adopt the stored State."""
        if not isinstance(value, dict):
            self.log(LogLevel.WARNING, "Refused a State that is not an object; keeping defaults", code="SetRefused")
            value = {}
        self.state = self.adopt_state(value)
        self.state_changed.emit("State")
        if self._state_arrived is not None:
            self._state_arrived.set()
        self.publish_state("State")

    def adopt_state(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The State to run with, given one the Store kept (possibly from an older version).

        The base keeps it as it is; Switchboard overlays it on its defaults and drops
        values it would refuse, so an old or hand-edited State never breaks it.
        """
        return value_paths.deep_copy(stored)

    def _on_reset(self, message: BusMessage) -> None:
        if not self._addressed_to_me(message):
            return
        self.state = value_paths.deep_copy(self.defaults)
        self.state_changed.emit("State")
        if self._state_arrived is not None:
            self._state_arrived.set()
        self.publish_state("State")

    def _on_update(self, message: BusMessage) -> None:
        # Runs for every Update on the bus: the common case (nobody waiting, nothing
        # watched from that source) is two cheap checks.
        self._pending.match_update(message)
        topic = message.topic
        if topic.get("Source") in self._watched_sources and topic.get("Target") != self.name:
            # Answers to our own Gets reach watches through the Get that asked, once.
            self._feed_watches(message)
            if self._followers:
                self._feed_followers(message)

    def _on_call_result(self, message: BusMessage) -> None:
        if message.target in (self.name, None):
            self._pending.match_call_result(message)

    def _on_call(self, message: BusMessage) -> None:
        if not self._addressed_to_me(message) or message.method is None:
            return
        self._spawn(self._serve_call(message), f"call-{message.method}")

    async def _serve_call(self, call: BusMessage) -> None:
        method = call.method or ""
        result: Any = None
        failure: Any = None
        try:
            result = await self.methods.invoke(method, call.body.get("Params"))
        except CallRefused as refusal:
            failure = str(refusal)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("%s: Call %s failed", self.name, method)
            failure = f"{method} failed: {error}"
        reply_to = call.respond_to or BROADCAST
        try:
            self.publish(call_result_message(reply_to, self.name, method, call.call_id, result=result, failure=failure))
        except (TypeError, ValueError) as error:  # a result JSON cannot carry (a set, NaN…): answer anyway
            log.error("%s: the result of %s cannot be sent: %s", self.name, method, error)
            result, failure = None, f"{method} failed: its result cannot be sent as JSON ({error})"
            self.publish(call_result_message(reply_to, self.name, method, call.call_id, failure=failure))
        self.call_served.emit(call, result, failure)

    async def _list_methods(self) -> list[dict[str, Any]]:
        return self.methods.describe()

    # ----------------------------------------------------------------- own State

    def publish(self, message: BusMessage) -> bool:
        return self.connection.publish(message)

    def publish_state(self, name: str) -> None:
        """Broadcast an Update of this service's value at `name` (State or a State path)."""
        value = self.read_value(name)
        self.publish(update_message(BROADCAST, self.name, name, "null" if value is MISSING else value))

    def update_state(self, name: str, value: Any) -> None:
        """Change this service's own State from inside (the app, a device) and announce it.

        Raises ValueError for a value JSON cannot carry, before anything is changed.
        """
        try:
            encode_json(value)
        except TypeError as error:
            raise ValueError(f"{name} cannot hold {value!r}: {error}") from None
        if name == "State":
            self.state = value_paths.deep_copy(value)
        else:
            value_paths.set_at(self.state, value_paths.relative(name, "State"), value_paths.deep_copy(value))
        self.state_changed.emit(name)
        self.publish_state(name)

    def log(self, level: LogLevel, text: str, code: str | None = None) -> None:
        """Log over the bus (a Log message to BROADCAST)."""
        self.publish(log_message(self.name, level, text, code))

    # ----------------------------------------------------------------- other services

    async def call(self, target: str, method: str, params: Any = None, timeout: float = CALL_TIMEOUT_S) -> Any:
        """Call `method` on `target` and return its Result; raise CallFailed or CallTimeout."""
        call_id = next_call_id()
        future = self._pending.add_call(call_id, target, method)
        self.publish(call_message(target, self.name, method, call_id, params))
        try:
            async with asyncio.timeout(timeout):
                reply = await future
        except TimeoutError:
            raise CallTimeout(target, method, timeout) from None
        finally:
            self._pending.drop_call(call_id)
        if "Failure" in reply.body:
            raise CallFailed(target, method, reply.body["Failure"])
        return reply.body.get("Result")

    async def get(self, target: str, name: str, timeout: float = GET_TIMEOUT_S) -> Any:
        """Read `name` from `target`; raise ValueMissing on "null", GetTimeout on silence."""
        pending = self._pending.add_value(target, name)
        self.publish(get_message(target, name, self.name))
        try:
            async with asyncio.timeout(timeout):
                value = await pending.future
        except TimeoutError:
            raise GetTimeout(target, name, timeout) from None
        finally:
            self._pending.drop_value(pending)
        if is_null(value):
            raise ValueMissing(target, name)
        return value

    async def set(self, target: str, name: str, value: Any, confirm_timeout: float = SET_CONFIRM_S) -> SetOutcome:
        """Ask `target` to set `name`; the outcome says whether an Update confirmed it and what was kept."""
        pending = self._pending.add_value(target, name)
        self.publish(set_message(target, name, value))
        try:
            async with asyncio.timeout(confirm_timeout):
                kept = await pending.future
        except TimeoutError:
            return SetOutcome(target, name, value, confirmed=False)
        finally:
            self._pending.drop_value(pending)
        return SetOutcome(target, name, value, confirmed=True, kept=None if is_null(kept) else kept)

    def reset(self, target: str) -> None:
        self.publish(reset_message(target))

    def watch(self, target: str, name: str, callback: Callable[[Any], None]) -> Watch:
        """Keep `callback` told of `name` on `target`: read now, then on every Update and resync."""
        watch = Watch(target, name, callback)
        self._watches.append(watch)
        self._watched_sources.add(target)
        if self._running:
            self._spawn(self._refresh_watch(watch), f"watch-{name}")
        return watch

    def unwatch(self, watch: Watch) -> None:
        with contextlib.suppress(ValueError):
            self._watches.remove(watch)
        self._update_watched_sources()

    def follow(self, target: str, name: str, callback: Callable[[str, Any], None]) -> Follower:
        """Be told of each change `target` announces at `name`, below it, or above it.

        Unlike `watch`, nothing is read: the caller reads the value once itself and then
        applies each change (Name, Value) as it comes (the Store panel's live States).
        """
        follower = Follower(target, name, callback)
        self._followers.append(follower)
        self._watched_sources.add(target)
        return follower

    def unfollow(self, follower: Follower) -> None:
        with contextlib.suppress(ValueError):
            self._followers.remove(follower)
        self._update_watched_sources()

    def _update_watched_sources(self) -> None:
        self._watched_sources = {w.target for w in self._watches} | {f.target for f in self._followers}

    def _feed_followers(self, message: BusMessage) -> None:
        source, name = message.source, message.name
        if source is None or name is None:
            return
        for follower in tuple(self._followers):
            if follower.target != source:
                continue
            if value_paths.is_within(name, follower.name) or value_paths.is_within(follower.name, name):
                try:
                    follower.callback(name, message.value)
                except MalformedMessage:
                    raise
                except Exception:
                    log.exception("%s: follower of %s.%s failed", self.name, follower.target, follower.name)

    def _feed_watches(self, message: BusMessage) -> None:
        source, name = message.source, message.name
        if source is None or name is None:
            return
        for watch in self._watches:
            if watch.target != source or not value_paths.is_within(watch.name, name):
                continue
            try:
                value = value_paths.get_at(message.value, value_paths.relative(watch.name, name))
            except value_paths.PathNotFound:
                value = None
            self._deliver(watch, None if is_null(value) else value)

    def _deliver(self, watch: Watch, value: Any) -> None:
        if watch not in self._watches:  # unwatched while a read was on its way
            return
        watch.version += 1
        watch.value = value
        try:
            watch.callback(value)
        except Exception:
            log.exception("%s: watcher of %s.%s failed", self.name, watch.target, watch.name)

    def _refresh_watches(self) -> None:
        for watch in self._watches:
            self._spawn(self._refresh_watch(watch), f"watch-{watch.name}")

    async def _refresh_watch(self, watch: Watch) -> None:
        version = watch.version
        try:
            value = await self.get(watch.target, watch.name)
        except ValueMissing:
            value = None
        except (GetTimeout, HubLost):
            return
        if watch.version == version:  # an Update that came meanwhile is newer than this answer
            self._deliver(watch, value)
