"""Bus ingest: messages per second decoded and dispatched by the service base, against a
plain pyzmq SUB loop receiving the same stream in the same run.

A publisher process stands in for the hub's subscribe side (XPUB bound on a free port,
HWM 0 on both ends, so nothing is dropped) and sends N canonical Update messages to
BROADCAST from other services (100-300 byte message frames, ~90 byte topics). Each
receiver subscribes to `{"Type":"Update","Target":"BROADCAST"`, as Switchboard-like
services do (protocols/bus.md §5). Receivers, alternated in every round:

- plain:   a blocking pyzmq SUB loop, `recv_multipart()` until N arrived (the baseline);
- asyncio: a plain zmq.asyncio SUB loop, `await recv_multipart()` per message (context);
- service: a real `BusService` (stateful=False, announce=False) whose connection reader
           drains in batches, decodes and dispatches every message; counted by an
           observer of `connection.received`, which runs after the service's dispatch;
- service+watches: the same with two watches (Store ConnectedClients and CurrentShow,
           as Switchboard has), so every Update also runs through `_feed_watches`.

Both ends use HWM 0 (the service's SOCKET_HWM is set to 0 for the run), so nothing is
dropped and no queue limit is reached.

Mode "prefill" (default) makes the receiver the only bottleneck: the receiver's thread
is kept away from the socket (the asyncio loop blocked) while the publisher sends all N
and libzmq's I/O thread queues them, then the clock starts and the receiver drains.
Mode "live" starts receiving while the publisher sends (publisher, I/O threads and
receiver then share the 2 cores); rates there are taken from the first to the last
message received.

Target (issue): service >= 0.7 x plain loop, headless.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time

import _common

PREFIX = b'{"Type":"Update","Target":"BROADCAST"'
TARGET_RATIO = 0.7


def _ask(conn, n: int) -> float:
    conn.send(("round", n, PREFIX))
    reply = conn.recv()
    if reply[0] != "sent":
        raise RuntimeError(f"publisher: {reply}")
    return reply[1]


def run_plain(ctx, conn, endpoint: str, n: int, mode: str, settle: float) -> tuple[float, float]:
    """Blocking SUB loop. Returns (msg/s, publisher send seconds)."""
    import zmq

    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, PREFIX)
    sub.connect(endpoint)
    recv = sub.recv_multipart
    try:
        if mode == "prefill":
            sent = _ask(conn, n)
            time.sleep(settle)
            start = time.perf_counter()
            for _ in range(n):
                recv()
            return n / (time.perf_counter() - start), sent
        conn.send(("round", n, PREFIX))
        recv()
        start = time.perf_counter()
        for _ in range(n - 1):
            recv()
        rate = (n - 1) / (time.perf_counter() - start)
        reply = conn.recv()
        return rate, reply[1]
    finally:
        sub.close(linger=0)


async def run_asyncio(actx, conn, endpoint: str, n: int, mode: str, settle: float) -> tuple[float, float]:
    """Plain zmq.asyncio SUB loop, one await per message."""
    import zmq

    sub = actx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, PREFIX)
    sub.connect(endpoint)
    recv = sub.recv_multipart
    try:
        if mode == "prefill":
            sent = _ask(conn, n)  # blocks the loop on purpose: nothing reads meanwhile
            time.sleep(settle)  # noqa: ASYNC251 - blocking the loop is the point (prefill)
            start = time.perf_counter()
            for _ in range(n):
                await recv()
            return n / (time.perf_counter() - start), sent
        conn.send(("round", n, PREFIX))
        await recv()
        start = time.perf_counter()
        for _ in range(n - 1):
            await recv()
        rate = (n - 1) / (time.perf_counter() - start)
        reply = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        return rate, reply[1]
    finally:
        sub.close(linger=0)


async def run_service(conn, endpoints, n: int, mode: str, settle: float, watches: bool) -> tuple[float, float, int]:
    """A real BusService; returns (msg/s, publisher send seconds, mean batch length)."""
    from backend.bus import connection
    from backend.bus.service import STORE, BusService

    # HWM 0 on both ends, so nothing is dropped: with the service's own RCVHWM (SOCKET_HWM,
    # 100,000) a 200k prefill stops libzmq reading at 100k, and with heartbeats on the
    # connection then times out and may abort the process (see hwm_heartbeat_abort.py).
    connection.SOCKET_HWM = 0

    service = BusService("BENCH1-Switchboard", "Switchboard", endpoints, stateful=False, announce=False)
    if watches:
        service.watch(STORE, "ConnectedClients", lambda value: None)
        service.watch(STORE, "CurrentShow", lambda value: None)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[float] = loop.create_future()
    seen = {"count": 0, "batches": 0, "first_at": 0.0, "first_len": 0}

    def observe(batch: list) -> None:  # runs after the service's own _dispatch
        now = time.perf_counter()
        if seen["batches"] == 0:
            seen["first_at"], seen["first_len"] = now, len(batch)
        seen["batches"] += 1
        seen["count"] += len(batch)
        if seen["count"] >= n and not done.done():
            done.set_result(now)

    await service.start()
    service.connection.received.connect(observe)
    try:
        if mode == "prefill":
            sent = _ask(conn, n)  # blocks the loop: the reader cannot run until the clock starts
            time.sleep(settle)  # noqa: ASYNC251 - blocking the loop is the point (prefill)
            start = time.perf_counter()
            end = await asyncio.wait_for(done, 120)
            rate = n / (end - start)
        else:
            conn.send(("round", n, PREFIX))
            end = await asyncio.wait_for(done, 120)
            rate = (n - seen["first_len"]) / (end - seen["first_at"])
            sent = (await loop.run_in_executor(None, conn.recv))[1]
        if service.connection.stats.received != n:
            print(f"  note: the service decoded {service.connection.stats.received} messages, expected {n}")
        return rate, sent, round(seen["count"] / max(1, seen["batches"]))
    finally:
        await service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--messages", type=int, default=200_000, help="messages per receiver per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=("prefill", "live", "both"), default="prefill")
    parser.add_argument("--pool", type=int, default=1000, help="distinct pre-encoded messages cycled by the publisher")
    parser.add_argument("--no-asyncio", action="store_true", help="skip the plain zmq.asyncio loop")
    parser.add_argument("--no-watches", action="store_true", help="skip the service+watches receiver")
    args = parser.parse_args()

    _common.header(
        "Bus ingest: service base vs plain pyzmq SUB loop",
        f"service msg/s >= {TARGET_RATIO} x plain blocking SUB loop msg/s (headless)",
    )
    import zmq
    import zmq.asyncio

    from backend.bus.endpoints import HubEndpoints

    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    publisher = spawn.Process(target=_common.blast_publisher, args=(child, args.pool), daemon=True)
    publisher.start()
    _, sub_port, pub_port, pool_len = parent.recv()
    endpoints = HubEndpoints(host="127.0.0.1", pub_port=pub_port, sub_port=sub_port)
    topic, body = _common.pool_sizes(_common.update_pool(args.pool))
    print(
        f"stream: {args.messages:,} Update->BROADCAST messages per receiver per round, {pool_len} distinct, "
        f"topic {topic:.0f} B + message {body:.0f} B on average; HWM 0; publisher in its own process"
    )
    settle = max(0.5, args.messages / 200_000)
    modes = ("prefill", "live") if args.mode == "both" else (args.mode,)
    receivers = ["plain", "asyncio", "service", "service+watches"]
    if args.no_asyncio:
        receivers.remove("asyncio")
    if args.no_watches:
        receivers.remove("service+watches")

    ctx = zmq.Context()
    actx = zmq.asyncio.Context()
    meter = _common.CpuMeter()
    results: dict[str, dict[str, list[float]]] = {}
    try:
        with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
            for mode in modes:
                rates: dict[str, list[float]] = {name: [] for name in receivers}
                results[mode] = rates
                print(f"\nmode {mode}: {args.rounds} rounds, receivers alternate within each round")
                for round_no in range(1, args.rounds + 1):
                    cells = []
                    for name in receivers:
                        extra = ""
                        if name == "plain":
                            rate, sent = run_plain(ctx, parent, endpoints.subscribe_to, args.messages, mode, settle)
                        elif name == "asyncio":
                            rate, sent = runner.run(run_asyncio(actx, parent, endpoints.subscribe_to, args.messages, mode, settle))
                        else:
                            rate, sent, batch = runner.run(
                                run_service(parent, endpoints, args.messages, mode, settle, watches=name == "service+watches")
                            )
                            extra = f" (batch ~{batch})"
                        rates[name].append(rate)
                        cells.append(f"{name} {rate / 1000:7.1f}k{extra}")
                        if mode == "live":
                            cells[-1] += f" [pub {args.messages / sent / 1000:.0f}k/s]"
                    print(f"  round {round_no}: " + " | ".join(cells), flush=True)
    finally:
        parent.send(("stop",))
        publisher.join(5)
        ctx.term()

    print()
    print(f"during the run: {meter.line()}; {_common.load_line()}")
    for mode, rates in results.items():
        plain = _common.median(rates["plain"])
        print(f"mode {mode}: median msg/s over {args.rounds} rounds (min-max)")
        for name, values in rates.items():
            med = _common.median(values)
            print(
                f"  {name:<16} {med:>10,.0f}   ({min(values):,.0f}-{max(values):,.0f})   "
                f"{med / plain:5.2f} x plain   {1e6 / med:5.2f} us/msg"
            )
        ratio = _common.median(rates["service"]) / plain
        # ratio per round, so a drift of the machine during the run shows
        per_round = [s / p for s, p in zip(rates["service"], rates["plain"])]
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"  service / plain = {ratio:.2f} (per round {', '.join(f'{r:.2f}' for r in per_round)}); "
            f"target >= {TARGET_RATIO}: {verdict}"
        )
        _common.summary(
            f"bus ingest [{mode}]: service {_common.median(rates['service']):,.0f} msg/s, plain SUB {plain:,.0f} msg/s, "
            f"ratio {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})"
            + (f"; zmq.asyncio loop {_common.median(rates['asyncio']):,.0f} msg/s" if "asyncio" in rates else "")
            + (f"; service+watches {_common.median(rates['service+watches']):,.0f} msg/s" if "service+watches" in rates else "")
        )


if __name__ == "__main__":
    main()
