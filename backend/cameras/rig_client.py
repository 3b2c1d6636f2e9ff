"""A connection to one Smart Shooter / CaptureGRID rig: events in, state merged, requests out.

Follows cameras.md §9: SUB connects first, then (300 ms later) `Synchronise`; events
merge into the `RigModel` by key; a sequence gap asks `GetCamera`, a sequence that goes
back (the app restarted) asks `Synchronise`, at most one resync per 5 s; a publisher
silent for 10 s is probed with `GetCamera`. Requests go one at a time through a
`RequestChannel` (timeouts, socket rebuilt, only `Synchronise`/`GetCamera` retried).
Smart Shooter 3 is recognised and refused with a sentence the operator can act on.

One task reads the SUB socket and one supervises (sync, resync, probe); nothing here
blocks the loop, and the reader drains in bounded batches before it yields.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Any

import zmq
import zmq.asyncio

from backend.cameras.request_channel import RequestChannel, RequestRefused, RigError, run_stepwise
from backend.cameras.rig_commands import RigCommands
from backend.cameras.rig_model import RigModel, objects
from backend.cameras.shot_tracker import ShotResult, ShotWatch
from backend.cameras.wire import CameraSelection, MalformedMessage, Message, MsgType, decode, failure_text
from backend.device_sockets import event_socket
from backend.task_stopping import cancel_and_wait

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"Synchronise", "GetCamera"})
"""§9: the only requests sent again after a timeout."""

READ_BATCH = 256
SUB_HWM = 100_000
MALFORMED_REPORT_PERIOD_S = 10.0


class RigTimings:
    """The §9 timings; tests shorten them, the app uses the reference's values."""

    def __init__(
        self,
        *,
        request_timeout: float = 5.0,
        synchronise_timeout: float = 20.0,
        shot_timeout: float = 30.0,
        settle: float = 0.3,
        silence_probe: float = 10.0,
        resync_interval: float = 5.0,
    ) -> None:
        self.request_timeout = request_timeout
        self.synchronise_timeout = synchronise_timeout
        self.shot_timeout = shot_timeout
        self.settle = settle
        self.silence_probe = silence_probe
        self.resync_interval = resync_interval


class RigStats:
    """Counters a maintainer (and the tests) read when something looks wrong."""

    def __init__(self) -> None:
        self.events = 0
        self.gaps = 0
        self.resets = 0
        self.synchronisations = 0
        self.camera_refreshes = 0
        self.probes = 0
        self.malformed = 0
        self.ignored: dict[str, int] = {}


class RigClient(RigCommands):
    """Owns the sockets to one rig and keeps its `RigModel` up to date."""

    def __init__(
        self,
        name: str,
        events: str = "tcp://127.0.0.1:54543",
        requests: str = "tcp://127.0.0.1:54544",
        *,
        timings: RigTimings | None = None,
        context: zmq.asyncio.Context | None = None,
    ) -> None:
        self.name = name
        self.events_endpoint = events
        self.requests_endpoint = requests
        self.timings = timings or RigTimings()
        self.model = RigModel(name)
        self.stats = RigStats()
        self.api_version: str | None = None
        self._context = context or zmq.asyncio.Context.instance()
        self._channel = RequestChannel(name, requests, context=self._context)
        self._channel.timed_out.connect(lambda _count: self._on_timed_out())
        self._channel.answered.connect(self._on_answered)
        self._sub: zmq.asyncio.Socket | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._last_seq: int | None = None
        self._last_event_at = time.monotonic()
        self._last_probe_at = time.monotonic()
        self._last_resync_at = float("-inf")
        self._want_sync = True
        self._want_cameras = False
        self._synchronised = False
        self._refused = ""
        self._watches: set[ShotWatch] = set()
        self._malformed_reported_at = float("-inf")
        self._missed_replies = False

    # --- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Connect SUB first (slow joiner, §8), then let the supervisor synchronise. Returns at once."""
        self._sub = sub = event_socket(self._context, self.events_endpoint, SUB_HWM)
        self._last_event_at = self._last_probe_at = time.monotonic()
        self._tasks = [
            asyncio.create_task(self._read_events(sub), name=f"rig-{self.name}-events"),
            asyncio.create_task(self._supervise(), name=f"rig-{self.name}-supervisor"),
        ]

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks = []
        self._channel.close()
        if self._sub is not None:
            self._sub.close(linger=0)
            self._sub = None
        for watch in list(self._watches):
            watch.give_up("the connection to the rig was closed before the photo arrived")

    @property
    def synchronised(self) -> bool:
        return self._synchronised

    # --- requests ------------------------------------------------------------------------

    async def command(self, msg_id: str, fields: dict[str, Any] | None = None, *, timeout: float | None = None) -> Message:
        """Send one request and return its reply; `RigError` with a sentence if it failed."""
        if self._refused:
            raise RigError(self._refused)
        idempotent = msg_id in IDEMPOTENT
        if timeout is None:
            timeout = self.timings.synchronise_timeout if msg_id == "Synchronise" else self.timings.request_timeout
        try:
            reply = await self._channel.request(msg_id, dict(fields or {}), timeout=timeout, retries=1 if idempotent else 0)
        finally:
            self._update_link()
        if reply.looks_v3:
            self._refuse(f"its reply to {msg_id} has the v3 shape ({reply.msg_id})")
            raise RigError(self._refused)
        if not reply.result:
            raise RequestRefused(f"Rig {self.name!r}: {failure_text(reply)}")
        return reply

    async def synchronise(self) -> None:
        """Ask for the whole state and take it as the truth (§4); detect v3 from `NodeVersion` (§7)."""
        reply = await self.command("Synchronise")
        version = _node_version(reply.fields.get("NodeInfo"))
        if version is not None and version.startswith("3"):
            self._refuse(f"it reports version v{version}")
            raise RigError(self._refused)
        self.api_version = version
        await run_stepwise(self.model.replace_stepwise(reply.fields))
        self.stats.synchronisations += 1
        self._synchronised = True
        self._want_sync = self._want_cameras = False
        self._update_link()

    async def refresh_cameras(self, cameras: CameraSelection | None = None) -> list[str]:
        """`GetCamera`: merge the cameras' full state (after a gap, or as a liveness probe)."""
        reply = await self.command("GetCamera", (cameras or CameraSelection.all()).fields())
        infos = objects(reply.fields.get("CameraInfo"))
        self.stats.camera_refreshes += 1
        return self.model.merge_cameras(infos)

    async def shoot(self, cameras: CameraSelection | None = None, *, bulb_ms: int | None = None) -> ShotResult:
        """Take a photo and wait until each camera's photo is on disk, or fails, or 30 s pass.

        Never retried (§9). Cameras not available (absent, lost, disconnected) are left out
        of "all" and of a group; a named camera that is not available fails at once.
        """
        selection = cameras or CameraSelection.all()
        keys = self._selected_keys(selection)
        if not keys:
            raise RigError(f"Rig {self.name!r}: no camera ready to shoot in {selection.describe()}")
        watch = ShotWatch(self.model, keys)
        self._watches.add(watch)
        try:
            fields = {**selection.fields(), "PhotoOrigin": "api"}
            if bulb_ms is not None:
                fields["BulbTimer"] = int(bulb_ms)
            await self.command("Shoot", fields)
            try:
                async with asyncio.timeout(self.timings.shot_timeout):
                    await watch.done.wait()
            except TimeoutError:
                watch.time_out(self.timings.shot_timeout)
        finally:
            self._watches.discard(watch)
        return watch.result

    def _selected_keys(self, selection: CameraSelection) -> list[str]:
        if selection.keys:
            return [key for key in selection.keys]
        return self.model.camera_keys(group=selection.group, available_only=True)

    # --- the supervisor: sync, resync, probe ---------------------------------------------

    async def _supervise(self) -> None:
        await asyncio.sleep(self.timings.settle)
        while not self._refused:
            try:
                await self._resync_if_wanted()
                await self._probe_if_silent()
            except RigError as error:
                log.warning("%s", error, extra={"source": "Cameras"})
            except Exception:  # a bug must not end the supervision of the rig for good
                log.exception("Rig %r: synchronising failed unexpectedly", self.name, extra={"source": "Cameras"})
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._next_check_in()):
                    await self._wake.wait()

    def _next_check_in(self) -> float:
        if self._want_sync or self._want_cameras:
            return max(0.05, self._last_resync_at + self.timings.resync_interval - time.monotonic())
        return max(0.05, min(1.0, self.timings.silence_probe / 4))

    async def _resync_if_wanted(self) -> None:
        if not (self._want_sync or self._want_cameras):
            return
        if time.monotonic() - self._last_resync_at < self.timings.resync_interval:
            return  # at most one resync per interval; the wish stays and is served later
        self._last_resync_at = time.monotonic()
        if self._want_sync:
            await self.synchronise()
        else:
            self._want_cameras = False
            await self.refresh_cameras()

    async def _probe_if_silent(self) -> None:
        now = time.monotonic()
        if now - max(self._last_event_at, self._last_probe_at) < self.timings.silence_probe:
            return
        self._last_probe_at = now
        self.stats.probes += 1
        offline_before = self._channel.consecutive_timeouts > 0
        await self.refresh_cameras()
        if offline_before or not self._synchronised:
            self._want_sync = True  # it answers again: what happened meanwhile is unknown
            self._wake.set()
        self._update_link()

    # --- the reader ----------------------------------------------------------------------

    async def _read_events(self, sub: zmq.asyncio.Socket) -> None:
        drain = zmq.Socket.shadow(sub.underlying)  # plain recv(NOBLOCK) for the rest of a batch
        while True:
            frames = [await sub.recv()]
            with contextlib.suppress(zmq.Again):
                while len(frames) < READ_BATCH:
                    frames.append(drain.recv(zmq.NOBLOCK))
            for frame in frames:
                try:
                    self._on_frame(frame)
                except Exception:  # a bug must not end the reading of the rig's events for good
                    log.exception("Rig %r: an event could not be handled; ignored", self.name, extra={"source": "Cameras"})
                if self._refused:
                    return
            await asyncio.sleep(0)

    def _on_frame(self, frame: bytes) -> None:
        try:
            message = decode(frame)
        except MalformedMessage as error:
            self._report_malformed(str(error))
            return
        if message.looks_v3:
            self._refuse(f"its publisher sends {message.msg_id}")
            return
        if message.msg_type != MsgType.EVENT:
            self.stats.ignored[message.msg_id] = self.stats.ignored.get(message.msg_id, 0) + 1
            return
        self._follow_sequence(message.seq)
        self.stats.events += 1
        self._apply(message)

    def _follow_sequence(self, seq: int | None) -> None:
        """Gap → `GetCamera`; backwards → `Synchronise` (§9). The first event after connecting
        only sets the baseline: a `Synchronise` reply carries no event sequence number."""
        silent_before = time.monotonic() - self._last_event_at >= 2 * self.timings.silence_probe
        self._last_event_at = time.monotonic()
        if silent_before and self._synchronised:
            self._want_sync = True  # events resume after a silence: what was missed is unknown
            self._wake.set()
        if seq is None:
            return
        last, self._last_seq = self._last_seq, seq
        if last is None or seq == last + 1:
            return
        if seq <= last:  # PUB never repeats a message: a number seen again means a restart
            self.stats.resets += 1
            log.info("Rig %r: event sequence went back from %d to %d (the app restarted); synchronising", self.name, last, seq)
            self._want_sync = True
        else:
            self.stats.gaps += 1
            log.info("Rig %r: %d events lost (sequence %d → %d); refreshing the cameras", self.name, seq - last - 1, last, seq)
            self._want_cameras = True
        self._wake.set()

    def _apply(self, message: Message) -> None:
        fields = message.fields
        match message.msg_id:
            case "CameraUpdated":
                self.model.merge_cameras([fields])
                for watch in list(self._watches):
                    watch.on_camera(fields)
            case "PhotoUpdated":
                self.model.merge_photos([fields])
                for watch in list(self._watches):
                    watch.on_photo(fields)
            case "OptionsUpdated":
                self.model.merge_options(fields)
            case "NodeUpdated":
                self.model.merge_nodes([fields])
            case "LiveviewUpdated":
                image = fields.get("CameraLiveviewImage")
                key = fields.get("CameraKey")
                if isinstance(image, str) and isinstance(key, str):
                    self.model.set_liveview(key, image)
            case "RelayCustomText":
                self.model.custom_text.emit(str(fields.get("CustomText", "")))
            case _:
                self.stats.ignored[message.msg_id] = self.stats.ignored.get(message.msg_id, 0) + 1

    def _report_malformed(self, reason: str) -> None:
        self.stats.malformed += 1
        now = time.monotonic()
        if now - self._malformed_reported_at >= MALFORMED_REPORT_PERIOD_S:
            self._malformed_reported_at = now
            log.warning(
                "Rig %r sent an unreadable event (%s); %d so far, ignored",
                self.name, reason, self.stats.malformed, extra={"source": "Cameras"},
            )

    # --- link state ----------------------------------------------------------------------

    def _refuse(self, evidence: str) -> None:
        if self._refused:
            return
        self._refused = (
            f"Rig {self.name!r} runs Smart Shooter 3 ({evidence}): its External API v3 is not supported. "
            "Update the camera PC to Smart Shooter 4 or 5, or CaptureGRID."
        )
        log.error("%s", self._refused, extra={"source": "Cameras"})
        self._wake.set()
        self._update_link()

    def _on_timed_out(self) -> None:
        self._missed_replies = True
        self._update_link()

    def _on_answered(self) -> None:
        """A reply after timeouts: the app may have restarted meanwhile, so a full `Synchronise`
        follows (a `Synchronise` that is itself the reply clears this wish when it is merged)."""
        if self._missed_replies:
            self._missed_replies = False
            self._want_sync = True
            self._wake.set()
        self._update_link()

    def _update_link(self) -> None:
        timeouts = self._channel.consecutive_timeouts
        silent_for = time.monotonic() - self._last_event_at
        if self._refused:
            state, text = "refused", self._refused
        elif timeouts >= 3:
            state, text = "offline", f"Rig {self.name!r} is offline: no reply to {timeouts} requests in a row"
        elif timeouts:
            state, text = "degraded", f"Rig {self.name!r} is degraded: a request got no reply"
        elif not self._synchronised:
            state, text = "connecting", f"Rig {self.name!r}: connecting"
        elif silent_for >= 2 * self.timings.silence_probe:
            state, text = "degraded", f"Rig {self.name!r} is degraded: no events for {silent_for:.0f} s"
        else:
            state, text = "online", f"Rig {self.name!r}: {len(self.model.cameras)} cameras"
        self.model.set_link(state, text)


def _node_version(nodes: Any) -> str | None:
    """The first node's version without its "v" ("v5.3" → "5.3"), or None."""
    if not isinstance(nodes, list):
        return None
    for node in nodes:
        if isinstance(node, dict):
            match = re.match(r"\s*[vV]?(\d+(?:\.\d+)*)", str(node.get("NodeVersion", "")))
            if match:
                return match.group(1)
    return None
