"""Call round trip through the hub (median, p99) against a plain REQ/REP round trip in the
same run.

Through the hub: a real `Hub` (XSUB/XPUB forwarder on its own thread, free ports), a callee
`BusService` offering `Echo(Text)` and a caller `BusService`, both on one event loop in
this process. Each sample is one `await caller.call("BENCH1-Callee", "Echo", {"Text": …})`:
Call published by the caller → hub → callee decodes, dispatches, runs the method and
publishes a CallResult → hub → caller decodes and resolves the pending future. Calls run
one after another, after a warm-up.

Baselines, in the same run and with the same frames on the wire (the Call's two frames out,
the CallResult's two frames back), over TCP loopback with no hub in between:
- blocking REQ/REP: REP echoes on a thread of this process, REQ on the main thread;
- zmq.asyncio REQ/REP: REP server task and REQ client on the same event loop.

The hub path has two forwarding hops each way (PUB→XSUB│XPUB→SUB) where REQ/REP has one, so
its floor is above REQ/REP's by construction. The issue gives no numeric target: the figures
are for comparison. Loops: plain asyncio (`SelectorEventLoop`, as headless services run) and
qasync (`QSelectorEventLoop`, as the desktop app runs; offscreen).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import threading
import time

import _common

CALLEE = "BENCH1-Callee"
CALLER = "BENCH1-Caller"


def _stats(samples: list[float]) -> str:
    us = [s * 1e6 for s in samples]
    return (
        f"median {_common.median(us):7.0f} us   p99 {_common.percentile(us, 99):7.0f} us   "
        f"p90 {_common.percentile(us, 90):6.0f}   min {min(us):5.0f}   max {max(us):7.0f}"
    )


def payload(size: int) -> str:
    return ("switchboard-" * (size // 12 + 1))[:size]


# ---------------------------------------------------------------------- through the hub


class HubCalls:
    """A hub, a callee and a caller, kept up across rounds on one loop."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.hub = None
        self.callee = None
        self.caller = None

    async def start(self) -> None:
        from backend.bus.endpoints import HubEndpoints
        from backend.bus.hub import Hub
        from backend.bus.service import BusService

        self.hub = Hub(HubEndpoints(pub_port=0, sub_port=0))
        endpoints = self.hub.start()
        self.callee = BusService(CALLEE, "Callee", endpoints, stateful=False, announce=False)

        def echo(Text: str) -> str:  # bus parameters are PascalCase
            return Text

        self.callee.methods.add("Echo", echo, summary="Returns Text.")
        self.caller = BusService(CALLER, "Caller", endpoints, stateful=False, announce=False)
        await self.callee.start()
        await self.caller.start()
        deadline = time.monotonic() + 10
        while True:  # subscriptions reach the hub asynchronously (slow joiner): retry until answered
            try:
                await self.caller.call(CALLEE, "Echo", {"Text": "warm-up"}, timeout=0.2)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise

    async def measure(self, count: int) -> list[float]:
        call = self.caller.call
        params = {"Text": self.text}
        clock = time.perf_counter
        samples = []
        for _ in range(count):
            start = clock()
            await call(CALLEE, "Echo", params)
            samples.append(clock() - start)
        return samples

    async def stop(self) -> None:
        for service in (self.caller, self.callee):
            if service is not None:
                await service.stop()
        if self.hub is not None:
            self.hub.stop()


def wire_frames(text: str) -> tuple[list[bytes], list[bytes]]:
    """The Call and CallResult frames the hub path carries, for the baselines."""
    from backend.bus.codec import encode
    from backend.bus.message import call_message, call_result_message
    from backend.bus.pending import next_call_id

    call_id = next_call_id()
    request = encode(call_message(CALLEE, CALLER, "Echo", call_id, {"Text": text}))
    reply = encode(call_result_message(CALLER, CALLEE, "Echo", call_id, result=text))
    return request, reply


# ---------------------------------------------------------------------- REQ/REP baselines


class BlockingReqRep:
    def __init__(self, request: list[bytes], reply: list[bytes]) -> None:
        import zmq

        self.request = request
        self.ctx = zmq.Context()
        self.rep = self.ctx.socket(zmq.REP)
        self.rep.setsockopt(zmq.LINGER, 0)
        port = self.rep.bind_to_random_port("tcp://127.0.0.1")
        self.req = self.ctx.socket(zmq.REQ)
        self.req.setsockopt(zmq.LINGER, 0)
        self.req.connect(f"tcp://127.0.0.1:{port}")
        self.thread = threading.Thread(target=self._serve, args=(reply,), daemon=True)
        self.thread.start()

    def _serve(self, reply: list[bytes]) -> None:
        import zmq

        while True:
            try:
                frames = self.rep.recv_multipart()
            except zmq.ZMQError:
                return
            if frames == [b"stop"]:
                self.rep.send(b"bye")
                return
            self.rep.send_multipart(reply)

    def measure(self, count: int) -> list[float]:
        send, recv, request = self.req.send_multipart, self.req.recv_multipart, self.request
        clock = time.perf_counter
        samples = []
        for _ in range(count):
            start = clock()
            send(request)
            recv()
            samples.append(clock() - start)
        return samples

    def stop(self) -> None:
        self.req.send(b"stop")
        self.req.recv()
        self.thread.join(2)
        self.req.close()
        self.rep.close()
        self.ctx.term()


class AsyncReqRep:
    def __init__(self, request: list[bytes], reply: list[bytes]) -> None:
        self.request, self.reply = request, reply
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        import zmq
        import zmq.asyncio

        self.ctx = zmq.asyncio.Context()
        self.rep = self.ctx.socket(zmq.REP)
        self.rep.setsockopt(zmq.LINGER, 0)
        port = self.rep.bind_to_random_port("tcp://127.0.0.1")
        self.req = self.ctx.socket(zmq.REQ)
        self.req.setsockopt(zmq.LINGER, 0)
        self.req.connect(f"tcp://127.0.0.1:{port}")
        self.task = asyncio.create_task(self._serve())

    async def _serve(self) -> None:
        while True:
            await self.rep.recv_multipart()
            await self.rep.send_multipart(self.reply)

    async def measure(self, count: int) -> list[float]:
        send, recv, request = self.req.send_multipart, self.req.recv_multipart, self.request
        clock = time.perf_counter
        samples = []
        for _ in range(count):
            start = clock()
            await send(request)
            await recv()
            samples.append(clock() - start)
        return samples

    async def stop(self) -> None:
        await _common.cancel_and_wait(self.task)
        self.req.close()
        self.rep.close()
        self.ctx.term()


# ---------------------------------------------------------------------- main


def run_loop(kind: str, args: argparse.Namespace, text: str, request, reply, blocking: BlockingReqRep) -> dict[str, list[float]]:
    """All rounds on one loop kind; the blocking baseline is measured between them."""
    if kind == "qasync":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        import qasync
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])
        factory = functools.partial(qasync.QSelectorEventLoop, app)
    else:
        factory = asyncio.SelectorEventLoop
    samples: dict[str, list[float]] = {"hub": [], "blocking": [], "asyncio": []}
    per_round = max(1, args.calls // args.rounds)
    with asyncio.Runner(loop_factory=factory) as runner:
        hub = HubCalls(text)
        aio = AsyncReqRep(request, reply)
        runner.run(hub.start())
        runner.run(aio.start())
        runner.run(hub.measure(args.warmup))
        runner.run(aio.measure(args.warmup))
        blocking.measure(args.warmup)
        for _ in range(args.rounds):
            samples["hub"] += runner.run(hub.measure(per_round))
            samples["blocking"] += blocking.measure(per_round)
            samples["asyncio"] += runner.run(aio.measure(per_round))
        runner.run(aio.stop())
        runner.run(hub.stop())
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="sequential calls per method and loop")
    parser.add_argument("--rounds", type=int, default=4, help="the calls are split into rounds that alternate the methods")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--size", type=int, default=150, help="length of the echoed Text")
    parser.add_argument("--loop", choices=("asyncio", "qasync", "both"), default="both")
    args = parser.parse_args()

    _common.header(
        "Call round trip: BusService.call() through the hub vs plain REQ/REP",
        "none numeric (issue): median and p99 of each, in the same run",
        env_keys=("QT_QPA_PLATFORM",),
    )
    text = payload(args.size)
    request, reply = wire_frames(text)
    print(
        f"payload: Call {len(request[0])} + {len(request[1])} B, CallResult {len(reply[0])} + {len(reply[1])} B; "
        f"{args.calls} sequential calls per method and loop in {args.rounds} alternating rounds, {args.warmup} warm-up"
    )
    meter = _common.CpuMeter()
    blocking = BlockingReqRep(request, reply)
    loops = ("asyncio", "qasync") if args.loop == "both" else (args.loop,)
    results = {}
    try:
        for kind in loops:
            results[kind] = run_loop(kind, args, text, request, reply, blocking)
    finally:
        blocking.stop()

    if "PySide6" in __import__("sys").modules:
        import PySide6

        print(f"(PySide6 {PySide6.__version__})")
    print(f"during the run: {meter.line()}")
    print()
    for kind, samples in results.items():
        loop_name = "asyncio.SelectorEventLoop" if kind == "asyncio" else "qasync.QSelectorEventLoop"
        print(f"event loop: {loop_name}")
        print(f"  call() through the hub   {_stats(samples['hub'])}")
        print(f"  REQ/REP, blocking        {_stats(samples['blocking'])}")
        print(f"  REQ/REP, zmq.asyncio     {_stats(samples['asyncio'])}")
        hub_med = _common.median(samples["hub"])
        hub_p99 = _common.percentile(samples["hub"], 99)
        for base in ("blocking", "asyncio"):
            ratio_med = hub_med / _common.median(samples[base])
            ratio_p99 = hub_p99 / _common.percentile(samples[base], 99)
            print(f"  hub / {base:<8} median x{ratio_med:.2f}, p99 x{ratio_p99:.2f}")
        _common.summary(
            f"call round trip [{kind}]: hub median {hub_med * 1e6:,.0f} us p99 {hub_p99 * 1e6:,.0f} us; "
            f"REQ/REP blocking median {_common.median(samples['blocking']) * 1e6:,.0f} us "
            f"p99 {_common.percentile(samples['blocking'], 99) * 1e6:,.0f} us; "
            f"REQ/REP zmq.asyncio median {_common.median(samples['asyncio']) * 1e6:,.0f} us "
            f"p99 {_common.percentile(samples['asyncio'], 99) * 1e6:,.0f} us"
        )
        print()


if __name__ == "__main__":
    main()
