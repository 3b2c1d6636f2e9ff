"""The connection to one auto-trainer device: SUB for what it publishes, REQ for commands (`trainer.md` §8).

- The SUB socket connects first and reads in bounded batches; every message goes to the
  `TrainerModel`. Heartbeats drive liveness (stale, offline) and a resync
  (GET_CONFIGURATION then GET_STATUS) on the first heartbeat and after every gap.
- Commands go over a `CommandChannel` with a 2 s deadline per attempt and 3 attempts,
  except USER_DEFINED, which is never retried. A PENDING_WITH_NOTIFICATION reply is
  followed by waiting for the COMMAND_RESULT with the same command and nonce.
- The emergency stop has a channel of its own, so it never queues behind another request,
  and is retried until the trainer confirms it or 10 s have passed; then the model carries
  an "E-stop not confirmed" alarm.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from typing import Any

import zmq
import zmq.asyncio

from backend.bus.connection import receive_now
from backend.device_sockets import event_socket
from backend.task_stopping import cancel_and_wait
from backend.trainer.client_timing import ClientTiming
from backend.trainer.command_channel import CommandChannel, ReplyTimeout
from backend.trainer.command_outcome import CommandOutcome, CommandReply
from backend.trainer.payload_safety import UnsafePayload, check_payload
from backend.trainer.pub_frames import MalformedFrame, decode_pub
from backend.trainer.trainer_model import TrainerModel
from backend.trainer.trainer_status import Liveness
from backend.trainer.wire_enums import Command, RequestResult, Toggle, Topic

log = logging.getLogger(__name__)
LOG_SOURCE = {"source": "Trainer"}

READ_BATCH = 256
SUB_HWM = 10_000
MALFORMED_REPORT_PERIOD = 10.0
ESTOP_RETRY_PAUSE = 0.1

_nonces = itertools.count(1)
"""One counter per process, a new nonce for every attempt (§8)."""

_EMERGENCY_KINDS = {101, 102}


class TrainerClient:
    """One trainer: its sockets, its tasks and its model. `start()`, commands, `stop()`."""

    def __init__(self, name: str, host: str, pub_port: int, rep_port: int, *, timing: ClientTiming | None = None) -> None:
        self.name = name
        self.pub_endpoint = f"tcp://{host}:{pub_port}"
        self.rep_endpoint = f"tcp://{host}:{rep_port}"
        self.timing = timing or ClientTiming()
        self.model = TrainerModel(name)
        self.malformed = 0
        self._context: zmq.asyncio.Context | None = None
        self._sub: zmq.asyncio.Socket | None = None
        self._commands: CommandChannel | None = None
        self._estop: CommandChannel | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pending_results: dict[tuple[int, int], asyncio.Future[Any]] = {}
        self._recent_emergencies: dict[tuple[int, str], float] = {}
        self._estop_task: asyncio.Task[CommandOutcome] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._last_heartbeat: float | None = None
        self._started_at = time.monotonic()
        self._last_status: float = 0.0
        self._last_malformed_report = 0.0

    # --- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect SUB, then the REQ channels, and start reading. Returns at once."""
        self._started_at = time.monotonic()
        self._context = zmq.asyncio.Context()
        self._sub = event_socket(self._context, self.pub_endpoint, SUB_HWM)
        self._commands = CommandChannel(self.rep_endpoint, self._context, f"trainer {self.name}")
        self._estop = CommandChannel(self.rep_endpoint, self._context, f"trainer {self.name} e-stop")
        self._estop.connect()  # ready before it is needed: an emergency stop should not wait for a handshake
        self._tasks = [
            asyncio.create_task(self._read(), name=f"trainer-{self.name}-reader"),
            asyncio.create_task(self._watch_liveness(), name=f"trainer-{self.name}-liveness"),
        ]

    async def stop(self) -> None:
        await cancel_and_wait([*self._tasks, self._resync_task, self._estop_task])
        self._tasks, self._resync_task, self._estop_task = [], None, None
        for waiter in self._pending_results.values():
            waiter.cancel()
        self._pending_results.clear()
        for channel in (self._commands, self._estop):
            if channel is not None:
                channel.close()
        if self._sub is not None:
            self._sub.close(linger=0)
        if self._context is not None:
            self._context.destroy(linger=0)
        self._sub = self._commands = self._estop = self._context = None

    # --- commands --------------------------------------------------------------------------------

    async def command(self, command: int, data: Any = None, *, custom_command: int | None = None) -> CommandOutcome:
        """Send one command with the reference's retries and return what became of it (never raises)."""
        refused = self._refusal(command, data)
        if refused is not None:
            return self._report(refused)
        if self._commands is None:
            return self._report(CommandOutcome(self.name, command, problem="was not sent: the trainer connection is closed"))
        attempts = 1 if command == Command.USER_DEFINED else self.timing.attempts
        outcome = await self._exchange(self._commands, command, data, custom_command, attempts, self.timing.request_timeout)
        self._take_in(outcome)
        return self._report(outcome)

    async def set_application_mode(self, mode: int) -> CommandOutcome:
        return await self.command(Command.SET_APPLICATION_MODE, {"mode": int(mode)})

    async def set_training_mode(self, mode: int) -> CommandOutcome:
        return await self.command(Command.SET_TRAINING_MODE, {"mode": int(mode)})

    async def set_toggle(self, toggle: Toggle, enabled: bool) -> CommandOutcome:
        return await self.command(toggle.command, {"enabled": bool(enabled)})

    async def refresh_status(self) -> CommandOutcome:
        return await self.command(Command.GET_STATUS)

    async def refresh_configuration(self) -> CommandOutcome:
        return await self.command(Command.GET_CONFIGURATION)

    async def user_command(self, custom_command: int, data: Any = None) -> CommandOutcome:
        return await self.command(Command.USER_DEFINED, data, custom_command=custom_command)

    async def emergency_resume(self) -> CommandOutcome:
        outcome = await self.command(Command.EMERGENCY_RESUME)
        if outcome.ok:
            self.model.apply_emergency_reply(stopped=False)
        return outcome

    async def emergency_stop(self) -> CommandOutcome:
        """Stop the trainer now, on the e-stop channel; retried until confirmed or 10 s have passed.

        A stop already under way is joined rather than doubled. Cancelling the caller does not
        cancel the stop.
        """
        task = self.begin_emergency_stop()
        if task is None:
            return self._report(CommandOutcome(self.name, Command.EMERGENCY_STOP, problem="was not sent: the trainer connection is closed"))
        return await asyncio.shield(task)

    def begin_emergency_stop(self) -> asyncio.Task[CommandOutcome] | None:
        """Send EMERGENCY_STOP before returning, and return the task that sees it confirmed (or retries it).

        Called straight from a click: the request leaves on the click's own stack instead of
        after the several loop turns a chain of tasks would take under a flood. None when the
        client is stopped.
        """
        if self._estop is None:
            return None
        if self._estop_task is None or self._estop_task.done():
            nonce = next(_nonces)
            sent = self._estop.send_now(_request_bytes(Command.EMERGENCY_STOP, None, None, nonce))
            self._estop_task = asyncio.create_task(self._stop_until_confirmed(nonce if sent else None),
                                                   name=f"trainer-{self.name}-estop")
        return self._estop_task

    async def _stop_until_confirmed(self, sent_nonce: int | None) -> CommandOutcome:
        assert self._estop is not None
        deadline = time.monotonic() + self.timing.estop_window
        last = CommandOutcome(self.name, Command.EMERGENCY_STOP, problem="was not confirmed")
        while (remaining := deadline - time.monotonic()) > 0:
            timeout = min(self.timing.request_timeout, remaining)
            last = await self._exchange(self._estop, Command.EMERGENCY_STOP, None, None, 1, timeout, sent_nonce,
                                        result_timeout=remaining)
            sent_nonce = None
            if last.result == RequestResult.SUCCESS:
                self.model.apply_emergency_reply(stopped=True)
                self.model.set_estop_unconfirmed("")
                log.warning("Trainer '%s': emergency stop confirmed by the trainer", self.name, extra=LOG_SOURCE)
                return last
            if last.result is not None:  # an answer that was not SUCCESS: do not spin on it
                await asyncio.sleep(min(ESTOP_RETRY_PAUSE, max(0.0, deadline - time.monotonic())))
        alarm = (f"E-stop not confirmed: trainer '{self.name}' did not confirm EMERGENCY_STOP within "
                 f"{self.timing.estop_window:g} s ({last.problem or last.result_name})")
        self.model.set_estop_unconfirmed(alarm)
        log.error(alarm, extra=LOG_SOURCE)
        return CommandOutcome(self.name, Command.EMERGENCY_STOP, last.result, None,
                              f"was not confirmed within {self.timing.estop_window:g} s: check the rig")

    def _refusal(self, command: int, data: Any) -> CommandOutcome | None:
        try:
            check_payload(data)
        except UnsafePayload as error:
            return CommandOutcome(self.name, command, problem=f"was not sent: {error}")
        if command != Command.EMERGENCY_STOP and self._last_heartbeat is None:
            return CommandOutcome(self.name, command, problem=(
                "was not sent: the trainer has not sent a heartbeat yet, so its answer could be missed"))
        return None

    async def _exchange(self, channel: CommandChannel, command: int, data: Any, custom_command: int | None,
                        attempts: int, timeout: float, sent_nonce: int | None = None,
                        result_timeout: float | None = None) -> CommandOutcome:
        """Up to `attempts` request/reply exchanges, a fresh nonce each; the first real answer wins.

        `sent_nonce`: the first attempt was already sent with `CommandChannel.send_now`.
        `result_timeout`: how long an answer of PENDING_WITH_NOTIFICATION may wait for its result
        (the emergency stop passes what is left of its window; others wait the usual time).
        """
        for attempt in range(1, attempts + 1):
            nonce = sent_nonce if attempt == 1 and sent_nonce is not None else next(_nonces)
            key = (int(command), nonce)
            waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending_results[key] = waiter  # before sending: the result may beat the reply
            try:
                if nonce == sent_nonce:
                    raw = await channel.receive(timeout)
                else:
                    raw = await channel.exchange(_request_bytes(command, data, custom_command, nonce), timeout)
                reply = CommandReply.from_payload(json.loads(raw))
            except ReplyTimeout:
                self._pending_results.pop(key, None)
                log.info("Trainer '%s': no reply to %s (attempt %d of %d)", self.name, _name(command), attempt, attempts)
                continue
            except ValueError as error:  # also json.JSONDecodeError, UnicodeDecodeError
                self._pending_results.pop(key, None)
                return CommandOutcome(self.name, command, problem=f"got an unreadable reply: {error}")
            except BaseException:
                self._pending_results.pop(key, None)
                raise
            if reply.nonce != nonce and not reply.rejected_by_transport:
                self._pending_results.pop(key, None)
                log.warning("Trainer '%s': discarded a reply with nonce %d (expected %d)", self.name, reply.nonce, nonce)
                continue
            if reply.result == RequestResult.PENDING_WITH_NOTIFICATION and not reply.rejected_by_transport:
                return await self._await_result(command, key, waiter, result_timeout)
            self._pending_results.pop(key, None)
            return CommandOutcome.from_reply(self.name, command, reply)
        return CommandOutcome(self.name, command, problem=f"got no reply ({attempts} attempt(s) of {timeout:.2g} s)")

    async def _await_result(self, command: int, key: tuple[int, int], waiter: asyncio.Future[Any],
                            timeout: float | None = None) -> CommandOutcome:
        timeout = self.timing.async_result_timeout if timeout is None else min(timeout, self.timing.async_result_timeout)
        try:
            async with asyncio.timeout(timeout):
                payload = await waiter
        except TimeoutError:
            return CommandOutcome(self.name, command, RequestResult.PENDING_WITH_NOTIFICATION, problem=(
                f"was accepted, but its result did not arrive within {timeout:g} s: result unknown"))
        finally:
            self._pending_results.pop(key, None)
        try:
            return CommandOutcome.from_reply(self.name, command, CommandReply.from_payload(payload))
        except ValueError as error:
            return CommandOutcome(self.name, command, problem=f"got an unreadable result: {error}")

    def _take_in(self, outcome: CommandOutcome) -> None:
        """What a reply says is in effect goes into the model (modes and toggles report it even on refusal)."""
        if outcome.result is None or outcome.data is None:
            return
        if outcome.command == Command.GET_STATUS and outcome.ok:
            self._last_status = time.monotonic()
            self.model.apply_status(outcome.data)
        elif outcome.command == Command.GET_CONFIGURATION and outcome.ok:
            self.model.apply_configuration(outcome.data)
        else:
            self.model.apply_command_data(outcome.command, outcome.data)

    def _report(self, outcome: CommandOutcome) -> CommandOutcome:
        if not outcome.ok:
            log.warning(outcome.sentence, extra=LOG_SOURCE)
        return outcome

    # --- what the trainer publishes --------------------------------------------------------------

    async def _read(self) -> None:
        assert self._sub is not None
        sub = self._sub
        drain = zmq.Socket.shadow(sub.underlying)
        while True:
            try:
                batch = [await sub.recv_multipart()]
            except zmq.ZMQError as error:
                log.error("Trainer '%s': reader stopped: %s", self.name, error, extra=LOG_SOURCE)
                return
            while len(batch) < READ_BATCH and (frames := receive_now(drain)) is not None:
                batch.append(frames)
            for frames in batch:
                try:
                    self._on_frames(frames)
                except Exception:  # one message we failed to read must not end the reading of all the others
                    log.exception("Trainer '%s': could not read a published message", self.name)
                    self._on_malformed("a message Switchboard could not read")
            await asyncio.sleep(0)

    def _on_frames(self, frames: list[bytes]) -> None:
        try:
            message = decode_pub(frames)
        except MalformedFrame as error:
            self._on_malformed(str(error))
            return
        payload, topic = message.payload, message.topic
        if topic == Topic.HEARTBEAT:
            self._on_heartbeat(payload)
        elif topic == Topic.COMMAND_RESULT:
            self._on_command_result(payload)
        elif topic in (Topic.EMERGENCY, Topic.EVENT):
            self._on_event(topic, payload)
        elif topic == Topic.PROPERTY_CHANGE:
            log.debug("Trainer '%s': property change ignored: %.200r", self.name, payload)
        else:
            log.info("Trainer '%s': message on unknown topic %d kept raw", self.name, topic)
            self.model.apply_event(topic, payload)

    def _on_malformed(self, reason: str) -> None:
        self.malformed += 1
        now = time.monotonic()
        if now - self._last_malformed_report >= MALFORMED_REPORT_PERIOD:
            self._last_malformed_report = now
            log.warning("Trainer '%s' sent %s; ignored (%d so far)", self.name, reason, self.malformed, extra=LOG_SOURCE)

    def _on_heartbeat(self, payload: Any) -> None:
        if not isinstance(payload, dict):
            self._on_malformed(f"a heartbeat that is not an object: {payload!r:.80}")
            return
        before = (self.model.liveness, self.model.identifier, self.model.version_text)
        self.model.apply_heartbeat(payload)
        self._last_heartbeat = time.monotonic()
        self.model.set_liveness(Liveness.ONLINE)
        liveness, identifier, version = before
        if liveness is not Liveness.ONLINE:
            if liveness is not Liveness.WAITING:
                log.info("Trainer '%s' is back (heartbeat after %s)", self.name, liveness.value, extra=LOG_SOURCE)
            self._resync()
        elif (identifier, version) != (self.model.identifier, self.model.version_text):
            log.info("Trainer '%s' now announces %s %s", self.name, self.model.identifier, self.model.version_text, extra=LOG_SOURCE)
            self._resync()

    def _on_command_result(self, payload: Any) -> None:
        if not isinstance(payload, dict):
            self._on_malformed(f"a command result that is not an object: {payload!r:.80}")
            return
        try:
            key = (int(payload.get("command", -1)), int(payload.get("nonce", -1)))
        except (TypeError, ValueError, OverflowError):
            self._on_malformed(f"a command result without a numeric command and nonce: {payload!r:.80}")
            return
        waiter = self._pending_results.get(key)
        if waiter is not None and not waiter.done():
            waiter.set_result(payload)
        else:
            log.debug("Trainer '%s': result for a command we did not send: %r", self.name, key)

    def _on_event(self, topic: int, payload: Any) -> None:
        if isinstance(payload, dict) and payload.get("kind") in _EMERGENCY_KINDS and self._is_duplicate_emergency(payload):
            return
        event = self.model.apply_event(topic, payload)
        if event.kind == 601:
            self._last_status = time.monotonic()

    def _is_duplicate_emergency(self, payload: dict[str, Any]) -> bool:
        """2001 and 4001 both carry every stop and resume; the second copy within 2 s is dropped (§8)."""
        now = time.monotonic()
        window = self.timing.emergency_duplicate_window
        self._recent_emergencies = {k: t for k, t in self._recent_emergencies.items() if now - t < window}
        key = (int(payload["kind"]), repr(payload.get("index")))  # repr: an odd index (a list) is still a key
        if key in self._recent_emergencies:
            return True
        self._recent_emergencies[key] = now
        return False

    # --- liveness and resync ---------------------------------------------------------------------

    def _check_never_heard(self) -> None:
        """A trainer silent since Switchboard connected is offline too, not "waiting" for ever:
        the operator must see that it is not there (not running, wrong host or port)."""
        silence = time.monotonic() - self._started_at
        if silence > self.timing.offline_after and self.model.liveness is Liveness.WAITING:
            self.model.set_liveness(Liveness.OFFLINE)
            log.warning("Trainer '%s' is offline: no heartbeat in the %.0f s since Switchboard connected to %s "
                        "(is it running, and are its host and ports right?)", self.name, silence, self.pub_endpoint,
                        extra=LOG_SOURCE)

    async def _watch_liveness(self) -> None:
        while True:
            await asyncio.sleep(self.timing.watchdog_period)
            self._check_liveness()

    def _check_liveness(self) -> None:
        if self._last_heartbeat is None:
            self._check_never_heard()
            return
        silence = time.monotonic() - self._last_heartbeat
        current = self.model.liveness
        if silence > self.timing.offline_after and current is not Liveness.OFFLINE:
            self.model.set_liveness(Liveness.OFFLINE)
            log.warning("Trainer '%s' is offline: no heartbeat for %.0f s", self.name, silence, extra=LOG_SOURCE)
        elif self.timing.stale_after < silence <= self.timing.offline_after and current is Liveness.ONLINE:
            self.model.set_liveness(Liveness.STALE)
            log.warning("Trainer '%s' is stale: no heartbeat for %.0f s", self.name, silence, extra=LOG_SOURCE)
        elif current is Liveness.ONLINE and time.monotonic() - self._last_status > self.timing.status_refresh:
            self._last_status = time.monotonic()
            self._resync(configuration=False)

    def _resync(self, *, configuration: bool = True) -> None:
        """GET_CONFIGURATION then GET_STATUS, in the background; one resync at a time."""
        if self._resync_task is not None and not self._resync_task.done():
            return
        self._resync_task = asyncio.create_task(self._run_resync(configuration), name=f"trainer-{self.name}-resync")

    async def _run_resync(self, configuration: bool) -> None:
        if configuration:
            await self.refresh_configuration()
        await self.refresh_status()


def _request_bytes(command: int, data: Any, custom_command: int | None, nonce: int) -> bytes:
    """The request as the reference shapes it, compact (the device strips spaces anyway)."""
    body: dict[str, Any] = {"command": int(command), "nonce": nonce, "data": data}
    if custom_command is not None:
        body["customCommand"] = int(custom_command)
    return json.dumps(body, separators=(",", ":")).encode()


def _name(command: int) -> str:
    try:
        return Command(command).name
    except ValueError:
        return f"command {command}"
