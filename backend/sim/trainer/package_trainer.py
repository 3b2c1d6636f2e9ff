"""The simulated rig on the real auto-trainer-api 0.12.0 transport (`trainer.md` §9.2, reference mode).

The package's `ZeroMQApiService` binds the machine's primary IPv4 address as well as
loopback. A simulator must not appear on the network unless asked, so `LoopbackApiService`
replaces the two address lists the service builds in its constructor with one address on
`host` (those lists are private attributes of 0.12.0: the pin on the package keeps this
honest). Everything else — the thread, the 50 ms loop, parsing, replies, publishing — is
the package's own code.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from autotrainer.api import ApiCommandRequest, ApiCommandRequestResponse, ApiCommandRequestResult
from autotrainer.api.api_options import RpcOptions
from autotrainer.api.zeromq.zeromq_api_service import ZeroMQApiService

from backend.sim.trainer.rig_state import RigOptions, TrainerRig

log = logging.getLogger(__name__)

BIND_WAIT_S = 5.0


class PortsInUse(RuntimeError):
    """The package could not bind (it only logs "ZMQ not started" and carries on silently)."""


class LoopbackApiService(ZeroMQApiService):
    """The package's ZeroMQ service, bound to `host` only."""

    def __init__(self, options: RpcOptions, host: str) -> None:
        super().__init__(options)
        self._pub_addresses = [f"tcp://{host}:{self.subscriber_port}"]
        self._cmd_addresses = [f"tcp://{host}:{self.command_port}"]

    @property
    def bound(self) -> bool:
        return self._pub_socket is not None and self._cmd_socket is not None


class PackageTrainer:
    """A `TrainerRig` served by the real package: start, use, stop (a stopped one cannot restart)."""

    def __init__(self, host: str = "127.0.0.1", pub_port: int = 5556, rep_port: int = 5557, *,
                 heartbeat_interval: float = 5.0, rig_options: RigOptions | None = None) -> None:
        options = rig_options or RigOptions()
        self.host, self.pub_port, self.rep_port = host, pub_port, rep_port
        rpc = RpcOptions(identifier=options.identifier, heartbeat_interval=heartbeat_interval,  # type: ignore[arg-type]
                         subscriber_port=pub_port, command_port=rep_port)
        self.service = LoopbackApiService(rpc, host)
        self.rig = TrainerRig(options, self._publish, self._publish_result, _schedule_on_timer)
        self.service.command_request_delegate = self._handle

    def start(self) -> None:
        """Start the package's thread and wait until it has bound both ports (blocking: use to_thread)."""
        self.service.start()
        deadline = time.monotonic() + BIND_WAIT_S
        while not self.service.bound:
            thread = self.service._thread
            if thread is None or not thread.is_alive() or time.monotonic() > deadline:
                self.service.stop()
                raise PortsInUse(f"the trainer simulator could not bind {self.host}:{self.pub_port} and {self.rep_port}")
            time.sleep(0.01)
        log.info("Trainer simulator (auto-trainer-api package) on %s: PUB %d, REP %d", self.host, self.pub_port, self.rep_port)

    def stop(self) -> None:
        """Stop the package's thread; its sockets close (blocking: use to_thread)."""
        self.service.stop()

    async def __aenter__(self) -> PackageTrainer:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def _handle(self, request: ApiCommandRequest) -> ApiCommandRequestResponse:
        reply = self.rig.handle(int(request.command), request.data, request.nonce, request.custom_command)
        return ApiCommandRequestResponse(ApiCommandRequestResult(reply.result), reply.data, reply.error_code, reply.error_message)

    def _publish(self, kind: int, context: Any) -> None:
        self.service.send_event_dict({"kind": kind, "when": datetime.datetime.now(),  # type: ignore[typeddict-item]
                                      "index": time.perf_counter_ns(), "context": context})

    def _publish_result(self, response: dict[str, Any]) -> None:
        self.service.send_command_result(ApiCommandRequestResponse(
            ApiCommandRequestResult(response["result"]), response["data"], response["error_code"],
            response["error_message"], response["command"], response["nonce"]))


def _schedule_on_timer(delay: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
