"""A hand-written auto-trainer transport for what the real package cannot be made to do (`trainer.md` §9.9).

Same rig, same request parser (the package's own `ApiCommandRequest.parse_bytes`, so the
decamelise quirk is the real one), same serialiser; but the sockets are ours, so faults
can be switched on and off while it runs:

- no heartbeats; slow replies; requests never answered; a blocked service thread
  (no replies, no heartbeats, no events, as from 0.9.18);
- garbage and one-frame PUB messages; a PUB socket closed and bound again;
- legacy 0.9.7: double-encoded PUB payloads camelised as text, text-camelised replies,
  `{reason}`-only emergency contexts, commands 100/110 instead of 120/130 and the toggles,
  `NONE` passed to the handler, and a malformed request that kills the command thread for
  good while the heartbeat timer carries on.

The REP side is a ROUTER socket, which a REQ peer cannot tell apart from REP, so a request
can be held back or dropped without wedging the socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import humps
import zmq
import zmq.asyncio
from autotrainer.api import ApiCommandRequest, RpcService
from autotrainer.api.util import prepare_for_serialization

from backend.sim.trainer.rig_state import Reply, RigOptions, TrainerRig
from backend.task_stopping import cancel_and_wait
from backend.trainer.wire_enums import Command, ErrorKind, RequestResult, Topic

log = logging.getLogger(__name__)

LEGACY_VERSION = "0.9.7"
REBIND_WAIT_S = 5.0
LEGACY_COMMANDS = {Command.NONE, Command.LEGACY_START_ACQUISITION, Command.LEGACY_STOP_ACQUISITION,
                   Command.EMERGENCY_STOP, Command.EMERGENCY_RESUME, Command.GET_CONFIGURATION, Command.GET_STATUS}
_TRANSPORT_REJECT = {"nonce": 0, "command": 0, "result": 0, "data": None, "error_kind": 0, "error_code": 0, "error_message": None}


@dataclass
class WireFaults:
    """Switches a test (or `--wire` on the command line) flips while the simulator runs."""

    heartbeats: bool = True
    reply_delay: float = 0.0
    slow_commands: frozenset[int] = frozenset()
    """When not empty, only these commands get `reply_delay`; the others are answered at once."""
    drop_requests: bool = False
    """Requests are read and never answered."""
    blocked: bool = False
    """The service thread is stuck: nothing is answered or published until this is cleared."""


class WireTrainer:
    """A `TrainerRig` on hand-written sockets with fault injection. Use `async with`."""

    def __init__(self, host: str = "127.0.0.1", pub_port: int = 5556, rep_port: int = 5557, *,
                 heartbeat_interval: float = 5.0, rig_options: RigOptions | None = None, legacy: bool = False) -> None:
        options = rig_options or RigOptions()
        if legacy:
            options.version = LEGACY_VERSION
            options.async_commands = frozenset()
        self.host, self.pub_port, self.rep_port = host, pub_port, rep_port
        self.heartbeat_interval = heartbeat_interval
        self.legacy = legacy
        self.faults = WireFaults()
        self.command_thread_dead = False
        self.rig = TrainerRig(options, self._publish_event, self._publish_result, self._schedule)
        self._context = zmq.asyncio.Context()
        self._pub: zmq.asyncio.Socket | None = None
        self._router: zmq.asyncio.Socket | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unblocked = asyncio.Event()
        self._unblocked.set()

    async def __aenter__(self) -> WireTrainer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._pub = self._bind(zmq.PUB, self.pub_port)
        self._router = self._bind(zmq.ROUTER, self.rep_port)
        self._tasks = [asyncio.create_task(self._serve_requests(), name="wire-trainer-requests"),
                       asyncio.create_task(self._send_heartbeats(), name="wire-trainer-heartbeats")]
        log.info("Trainer simulator (wire%s) on %s: PUB %d, REP %d", ", legacy 0.9.7" if self.legacy else "",
                 self.host, self.pub_port, self.rep_port)

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks = []
        for sock in (self._pub, self._router):
            if sock is not None:
                sock.close(linger=0)
        self._pub = self._router = None
        self._context.destroy(linger=0)

    # --- fault injection ------------------------------------------------------------------------

    def block(self, blocked: bool) -> None:
        """Stick (or free) the service thread: no replies, no heartbeats, no events meanwhile."""
        self.faults.blocked = blocked
        if blocked:
            self._unblocked.clear()
        else:
            self._unblocked.set()

    async def restart_pub(self) -> None:
        """Close the PUB socket and bind a new one on the same port (subscribers reconnect by themselves)."""
        if self._pub is not None:
            self._pub.unbind(self._pub.last_endpoint)
            self._pub.close(linger=0)
            self._pub = None
        deadline = time.monotonic() + REBIND_WAIT_S
        while True:  # libzmq releases the port on its I/O thread, a moment after close
            try:
                self._pub = self._bind(zmq.PUB, self.pub_port)
                return
            except zmq.ZMQError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.02)

    def send_raw(self, frames: list[bytes]) -> None:
        if self._pub is not None:
            self._pub.send_multipart(frames)

    def send_garbage(self) -> None:
        """One of each malformed PUB message a client must survive."""
        topic = int(Topic.EVENT).to_bytes(4, "little")
        for frames in ([b"just one frame"], [topic[:3], b"{}"], [topic, b"{not json"], [topic, b"\xff\xfe\x00"],
                       [topic, b"{}", b"a third frame"], [int(Topic.HEARTBEAT).to_bytes(4, "little"), b"[1, 2]"]):
            self.send_raw(frames)

    # --- publishing -----------------------------------------------------------------------------

    def publish(self, topic: int, message: dict[str, Any]) -> None:
        """Serialise as the package does (or as 0.9.7 did) and publish; nothing while blocked."""
        if self._pub is None or self.faults.blocked or self.command_thread_dead:
            return
        self._pub.send_multipart([int(topic).to_bytes(4, "little"), self._encode(message, double=self.legacy)])

    def _encode(self, message: dict[str, Any], *, double: bool) -> bytes:
        if not self.legacy:
            return RpcService.dictionary_to_json_bytes(message)
        text = humps.camelize(json.dumps(prepare_for_serialization(message)))  # 0.9.7: camelised as text
        return json.dumps(text).encode() if double else text.encode()

    def _publish_event(self, kind: int, context: Any) -> None:
        if self.legacy and kind in (101, 102) and isinstance(context, dict):
            context = {"reason": context.get("reason")}
        event = {"kind": int(kind), "when": time.time(), "index": time.perf_counter_ns(), "context": context}
        if kind in (101, 102):
            self.publish(Topic.EMERGENCY, event)
        self.publish(Topic.EVENT, event)

    def _publish_result(self, response: dict[str, Any]) -> None:
        self.publish(Topic.COMMAND_RESULT, response)

    def _schedule(self, delay: float, action: Any) -> None:
        asyncio.get_running_loop().call_later(delay, action)

    async def _send_heartbeats(self) -> None:
        """Every interval, the first after one interval; 0.9.7's timer thread beats even when commands are dead."""
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if not self.faults.heartbeats or self.faults.blocked or self._pub is None:
                continue
            beat = {"identifier": self.rig.options.identifier, "version": self.rig.options.version, "timestamp": time.time()}
            self._pub.send_multipart([int(Topic.HEARTBEAT).to_bytes(4, "little"), self._encode(beat, double=self.legacy)])

    # --- requests -------------------------------------------------------------------------------

    async def _serve_requests(self) -> None:
        assert self._router is not None
        while True:
            frames = await self._router.recv_multipart()
            await self._unblocked.wait()
            if self.faults.drop_requests or self.command_thread_dead or len(frames) < 3:
                continue
            identity, body = frames[0], frames[-1]
            command, answer = self._answer(body)
            if answer is None:
                continue
            delay = self.faults.reply_delay if not self.faults.slow_commands or command in self.faults.slow_commands else 0.0
            if delay:  # answered later, by itself: requests behind it are not held up
                self._tasks.append(asyncio.create_task(self._reply_later(delay, identity, answer)))
            elif self._router is not None:
                await self._router.send_multipart([identity, b"", answer])

    async def _reply_later(self, delay: float, identity: bytes, answer: bytes) -> None:
        await asyncio.sleep(delay)
        if self._router is not None:
            await self._router.send_multipart([identity, b"", answer])

    def _answer(self, body: bytes) -> tuple[int, bytes | None]:
        request = self._parse(body)
        if request is None:
            if self.legacy:  # 0.9.7: the service thread dies on input it cannot read
                self.command_thread_dead = True
                log.warning("Legacy trainer simulator: command thread died on a malformed request")
                return 0, None
            return 0, self._reply_bytes(_TRANSPORT_REJECT)
        command = int(request.command)
        if self.legacy and command == Command.USER_DEFINED:
            command = _raw_command(body)  # 0.9.7 knew numbers the 0.12 parser folds into USER_DEFINED
        if not self.legacy and command == Command.NONE:
            return command, self._reply_bytes(_TRANSPORT_REJECT)
        if self.legacy and command not in LEGACY_COMMANDS:
            reply = Reply(RequestResult.UNRECOGNIZED)
        elif self.legacy and command in (Command.LEGACY_START_ACQUISITION, Command.LEGACY_STOP_ACQUISITION):
            reply = Reply(RequestResult.SUCCESS)
        else:
            try:
                reply = self.rig.handle(command, request.data, request.nonce, request.custom_command)
            except Exception as error:  # the package's reply to a failing handler
                return command, self._reply_bytes({"nonce": request.nonce, "command": command, "result": RequestResult.EXCEPTION,
                                          "data": None, "error_kind": 0, "error_code": 0, "error_message": str(error)})
        kind = ErrorKind.COMMAND_ERROR if reply.error_code else ErrorKind.NONE
        return command, self._reply_bytes({"nonce": request.nonce, "command": command, "result": reply.result, "data": reply.data,
                                  "error_kind": kind, "error_code": reply.error_code, "error_message": reply.error_message})

    def _parse(self, body: bytes) -> ApiCommandRequest | None:
        try:
            request = ApiCommandRequest.parse_bytes(body)
        except Exception:  # what the package's transport catches
            return None
        if request is None or request.command is None:
            return None
        return request

    def _reply_bytes(self, reply: dict[str, Any]) -> bytes:
        return self._encode(reply, double=False)

    def _bind(self, kind: int, port: int) -> zmq.asyncio.Socket:
        sock = self._context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.bind(f"tcp://{self.host}:{port}")
        return sock


def _raw_command(body: bytes) -> int:
    """The command number as sent (the body is known to parse: the package's parser just read it)."""
    try:
        return int(json.loads(humps.decamelize(body.decode("utf8")))["command"])
    except (ValueError, TypeError, KeyError):
        return int(Command.USER_DEFINED)
