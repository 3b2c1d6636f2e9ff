"""The XO-VAC+ socket.io client, supervised by Switchboard (vacuum.md §2, §8).

- One `socketio.AsyncClient` per connection attempt, with the library's own reconnection
  off: python-socketio's reconnect has crash and half-open reports (#1004, #940), and a
  server-side disconnect ends it for good. Switchboard's loop retries every connect, the
  first one too, backing off from 1 s to 30 s.
- A telemetry watchdog marks the data stale after 3 s and lost after 10 s; when lost on
  a connection that looks alive, a `get_status` probe decides whether to drop it.
- After every connect: `sync_xovac_time` (no ack), then `get_status` (a fresh snapshot).
- Commands wait for `<name>_ack` with a short timeout, one outstanding per name. A
  `warning` or `error` answer is returned as a Reply, not raised: it is a refusal by a
  working chamber. ChamberError means the chamber could not be asked or did not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

import socketio

from backend.chamber import event_names as names_table
from backend.chamber.ack_waiter import AckWaiter
from backend.chamber.chamber_model import ChamberModel, LinkState
from backend.chamber.errors import ChamberError
from backend.chamber.event_names import ACK_SUFFIX, EventNames, ack_name
from backend.chamber.payload import MalformedPayload, Reply, decode, encode
from backend.chamber.pushes import apply_push, apply_status
from backend.chamber.recipe import Recipe
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)
SOURCE = {"source": "Chamber"}

ACK_TIMEOUT_S = 5.0
STALE_AFTER_S = 3.0
LOST_AFTER_S = 10.0
BACKOFF_S = (1.0, 30.0)
CONNECT_TIMEOUT_S = 5.0
_NOISY_LIMIT = 20
_FOREIGN_HANDSHAKE = ("OPEN packet not returned", "no OPEN packet", "Unexpected response from server")
"""python-engineio's words for a handshake it cannot read, as from an Engine.IO 3 server."""


def utc_offset_ms() -> int:
    """Local time minus UTC in ms: positive east of Greenwich (vacuum.md §4 Product decision)."""
    offset = time.localtime().tm_gmtoff
    return int(offset * 1000)


class ChamberClient:
    """Keeps one chamber connected and its model current; sends the operator's commands."""

    def __init__(self, model: ChamberModel, url: str, event_names: Mapping[str, str] | None = None, *,
                 ack_timeout: float = ACK_TIMEOUT_S, stale_after: float = STALE_AFTER_S,
                 lost_after: float = LOST_AFTER_S, backoff: tuple[float, float] = BACKOFF_S,
                 duration_unit: str = "s", load_autostarts: bool = True) -> None:
        self.model = model
        self.duration_unit = duration_unit
        self.load_autostarts = load_autostarts
        self.url = url
        self.names = EventNames(event_names)
        self.ack_timeout = ack_timeout
        self.stale_after = stale_after
        self.lost_after = lost_after
        self.backoff = backoff
        self.connects = 0
        self._acks = AckWaiter()
        self._sio: socketio.AsyncClient | None = None
        self._dropped: asyncio.Event | None = None
        self._emit_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []
        self._last_telemetry = time.monotonic()
        self._started_at = time.monotonic()
        self._seen_unknown: set[str] = set()
        self._probes: set[asyncio.Task] = set()
        self._had_telemetry = False

    @property
    def name(self) -> str:
        return self.model.name

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._started_at = time.monotonic()
        self._tasks = [asyncio.create_task(self._supervise(), name=f"chamber {self.name} link"),
                       asyncio.create_task(self._watch(), name=f"chamber {self.name} watchdog")]

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._probes]
        await cancel_and_wait(tasks)
        self._tasks = []
        self._acks.fail_all(ChamberError(f"Chamber '{self.name}': Switchboard stopped its client."))
        self.model.set_connected(False)

    async def _supervise(self) -> None:
        delay = self.backoff[0]
        while True:
            sio, dropped = self._new_connection()
            problem = await self._connect(sio)
            if problem:
                if problem != self.model.link_problem:
                    log.warning("Chamber '%s': %s; retrying every %g–%g s", self.name, problem, *self.backoff, extra=SOURCE)
                self.model.set_connected(False, problem)
                await _close(sio)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            delay = self.backoff[0]
            self.connects += 1
            self._sio, self._dropped = sio, dropped
            log.info("Chamber '%s' connected at %s", self.name, self.url, extra=SOURCE)
            self.model.set_connected(True)
            try:
                await self._after_connect()
                await dropped.wait()
            finally:
                self._sio = self._dropped = None
                self._acks.fail_all(ChamberError(f"Chamber '{self.name}': the connection dropped before the answer came."))
                await _close(sio)
            problem = "the connection dropped"
            log.warning("Chamber '%s': %s; reconnecting", self.name, problem, extra=SOURCE)
            self.model.set_connected(False, problem)
            await asyncio.sleep(self.backoff[0])

    def _new_connection(self) -> tuple[socketio.AsyncClient, asyncio.Event]:
        # handle_sigint=False: engineio would otherwise take over SIGINT from the app (its Ctrl+C handling)
        sio = socketio.AsyncClient(reconnection=False, logger=False, engineio_logger=False, handle_sigint=False)
        dropped = asyncio.Event()
        sio.on("disconnect", lambda *_: dropped.set())
        sio.on("*", self._on_event)
        return sio, dropped

    async def _connect(self, sio: socketio.AsyncClient) -> str:
        """Connect once; an empty string on success, else what went wrong as a phrase."""
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S + 1):
                await sio.connect(self.url, namespaces=["/"], wait_timeout=CONNECT_TIMEOUT_S)
        except socketio.exceptions.ConnectionError as error:
            return f"cannot connect to {self.url} ({_connect_problem(error)})"
        except (TimeoutError, OSError, ValueError) as error:
            return f"cannot connect to {self.url} ({error or type(error).__name__})"
        return ""

    async def _after_connect(self) -> None:
        """Align the chamber's log clock, then take a fresh snapshot (vacuum.md §8)."""
        try:
            await self._emit(names_table.SYNC_XOVAC_TIME, {"utcOffset": utc_offset_ms(), "epoch": int(time.time() * 1000)})
            await self.get_status()
        except ChamberError as error:
            log.warning("%s", error, extra=SOURCE)

    async def _watch(self) -> None:
        """Stale after 3 s without telemetry, lost after 10 s; a lost live-looking link is probed."""
        last_probe = 0.0
        while True:
            await asyncio.sleep(min(0.25, self.stale_after / 4))
            now = time.monotonic()
            if not self._had_telemetry and now - self._started_at < self.lost_after:
                self.model.set_link(LinkState.CONNECTING)
                continue
            age = now - self._last_telemetry
            link = LinkState.LIVE if age < self.stale_after else LinkState.STALE if age < self.lost_after else LinkState.LOST
            if link is not self.model.link and link is not LinkState.LIVE:
                log.warning("Chamber '%s': no telemetry for %.0f s (%s)", self.name, age, link.value, extra=SOURCE)
            self.model.set_link(link)
            if link is LinkState.LOST and self._dropped is not None and now - last_probe > self.lost_after:
                last_probe = now
                probe = asyncio.create_task(self._probe(self._dropped), name=f"chamber {self.name} probe")
                self._probes.add(probe)
                probe.add_done_callback(self._probes.discard)

    async def _probe(self, dropped: asyncio.Event) -> None:
        """No telemetry for long on an open connection: ask; no answer means it is half-open."""
        try:
            await self.get_status()
        except ChamberError:
            log.warning("Chamber '%s': no answer on a silent connection; reconnecting", self.name, extra=SOURCE)
            dropped.set()

    def _telemetry_arrived(self) -> None:
        """Only telemetry pushes feed the watchdog: a status snapshot is not a live stream."""
        self._had_telemetry = True
        self._last_telemetry = time.monotonic()
        self.model.set_link(LinkState.LIVE)
        if self.model.link is not LinkState.LIVE:
            self.model.set_link(LinkState.LIVE)

    # -- incoming -----------------------------------------------------------------------------

    async def _on_event(self, event: str, *args: Any) -> None:
        raw = args[0] if args else None
        if event.endswith(ACK_SUFFIX):
            self._on_ack(event.removesuffix(ACK_SUFFIX), raw)
            return
        push = self.names.ours(event)
        if push not in names_table.PUSHES:
            if event not in self._seen_unknown:
                self._seen_unknown.add(event)
                log.info("Chamber '%s' sent an event Switchboard does not know, %r; ignored", self.name, event, extra=SOURCE)
            return
        try:
            apply_push(self.model, push, decode(raw))
        except MalformedPayload as error:
            self._malformed(event, error)
            return
        except Exception as error:  # a payload shape nobody foresaw: never let it kill the link
            log.exception("Chamber '%s': %s could not be applied", self.name, event, extra=SOURCE)
            self._malformed(event, error)
            return
        if push == "telemetry":
            self._telemetry_arrived()

    def _on_ack(self, command: str, raw: Any) -> None:
        if not self._acks.resolve(command, raw):
            self.model.unsolicited_acks += 1
            log.info("Chamber '%s' sent %s nobody was waiting for (late, repeated, or for another client); ignored",
                     self.name, ack_name(command), extra=SOURCE)

    def _malformed(self, event: str, error: Exception) -> None:
        self.model.malformed_count += 1
        count = self.model.malformed_count
        if count <= _NOISY_LIMIT or count % 100 == 0:
            log.warning("Chamber '%s': a malformed %s was ignored (%s malformed so far): %s",
                        self.name, event, count, error, extra=SOURCE)

    # -- commands -----------------------------------------------------------------------------

    async def _emit(self, event: str, payload: dict | None) -> None:
        sio = self._sio
        if sio is None:
            raise ChamberError(f"Chamber '{self.name}' is not connected ({self.model.link_problem or 'connecting'}).")
        try:
            async with self._emit_lock, asyncio.timeout(self.ack_timeout):
                await sio.emit(event, "" if payload is None else encode(payload))
        except (socketio.exceptions.SocketIOError, TimeoutError, OSError) as error:
            raise ChamberError(f"Chamber '{self.name}': could not send {event} ({error or type(error).__name__}).") from None

    async def command(self, event: str, payload: dict | None = None) -> Reply:
        """Send wire command `event` and return its ack; ChamberError if unsent or unanswered."""
        waiting = self._acks.expect(event, self.name)
        try:
            await self._emit(event, payload)
            async with asyncio.timeout(self.ack_timeout):
                raw = await waiting
        except TimeoutError:
            raise ChamberError(f"Chamber '{self.name}' did not answer {event} within {self.ack_timeout:g} s.") from None
        finally:
            self._acks.forget(event, waiting)
        try:
            answer = decode(raw)
        except MalformedPayload as error:
            self._malformed(ack_name(event), error)
            raise ChamberError(f"Chamber '{self.name}' answered {event} with a malformed reply ({error}).") from None
        return Reply.read(answer)

    async def undocumented(self, ours: str, payload: dict | None = None) -> Reply:
        """A §6 command, by Switchboard's name, sent under its (possibly overridden) wire name."""
        return await self.command(self.names.wire(ours), payload)

    async def load_recipe(self, recipe: Recipe) -> Reply:
        """`load_recipe`: loads and, by the §4 Product decision, starts the run.

        A chamber whose profile does not start on load (`load_autostarts = false`, §6) is
        sent `start_recipe` once the load succeeded, so "Load & run" runs on it too; the
        reply is the start's, or the load's when the load was refused.
        """
        loaded = await self.command(names_table.LOAD_RECIPE, recipe.wire(self.duration_unit))
        if not loaded.ok or self.load_autostarts:
            return loaded
        return await self.undocumented("start_recipe")

    async def cancel_recipe(self) -> Reply:
        return await self.command(names_table.CANCEL_RECIPE)

    async def pause_recipe(self) -> Reply:
        return await self.undocumented("pause_recipe")

    async def resume_recipe(self) -> Reply:
        return await self.undocumented("resume_recipe")

    async def set_pump(self, on: bool) -> Reply:
        return await self.undocumented("pump_on" if on else "pump_off")

    async def set_vent(self, open_: bool) -> Reply:
        return await self.undocumented("vent_open" if open_ else "vent_close")

    async def set_temperature(self, target_c: float) -> Reply:
        return await self.undocumented("set_temperature", {"targetT": float(target_c)})

    async def get_status(self) -> Reply:
        """Ask for the snapshot and apply it to the model."""
        reply = await self.undocumented("get_status")
        if reply.ok:
            try:
                apply_status(self.model, reply.extra.get("status"))
            except MalformedPayload as error:
                self._malformed(ack_name(self.names.wire("get_status")), error)
            except Exception as error:  # a status shape nobody foresaw: never let it end the link's supervision
                log.exception("Chamber '%s': the status could not be applied", self.name, extra=SOURCE)
                self._malformed(ack_name(self.names.wire("get_status")), error)
        return reply


def _connect_problem(error: Exception) -> str:
    """Why a connect failed; a handshake python-engineio cannot read is named (vacuum.md §2 Library)."""
    text = str(error) or "refused"
    if any(sign in text for sign in _FOREIGN_HANDSHAKE):
        return (f"protocol mismatch: the server does not speak Engine.IO 4 (socket.io 3/4); an Engine.IO 3 "
                f"server needs a python-socketio 4.x client; {text}")
    return text


async def _close(sio: socketio.AsyncClient) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2):
            await sio.disconnect()
