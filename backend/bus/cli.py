"""`switchboard-bus`: the command line to any bus, for operators and integrators.

    switchboard-bus listen [PREFIX]
    switchboard-bus get TARGET NAME
    switchboard-bus set TARGET NAME JSON
    switchboard-bus call TARGET METHOD [JSON]
    switchboard-bus send TOPIC MESSAGE

The hub address comes from the settings file when there is one, and from the options.
Exit codes: 0 done, 1 refused or missing (a Failure, "null", a Set not kept),
2 no answer in time, 3 no hub or bad input. Set, Call and send go to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend import headless
from backend.app import locations
from backend.app.audit_log import AuditLog
from backend.app.operator_actions import OperatorActions
from backend.app.settings import SettingsError, load
from backend.bus.codec import encode_json
from backend.bus.connection import BusConnection
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallFailed, CallTimeout, GetTimeout, HubLost, ValueMissing
from backend.bus.hub_probe import hub_answers
from backend.bus.message import BusMessage
from backend.bus.naming import machine_name_from_host
from backend.bus.service import BusService

EXIT_OK, EXIT_REFUSED, EXIT_TIMEOUT, EXIT_UNUSABLE = 0, 1, 2, 3
LINK_WAIT_S = 3.0
SUBSCRIPTION_SETTLE_S = 0.3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard-bus", description="Talk to any service on a Pixotope-style bus.")
    parser.add_argument("--config", help="settings file to read the hub address from")
    parser.add_argument("--host", help="hub host (default: from the settings, else 127.0.0.1)")
    parser.add_argument("--pub-port", type=int, help="where services publish (default 16202)")
    parser.add_argument("--sub-port", type=int, help="where services subscribe (default 16201)")
    parser.add_argument("--name", help="the name replies are addressed to (default: <machine>-BusCLI<random>)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    listen = commands.add_parser("listen", help="print messages whose topic starts with PREFIX (all by default)")
    listen.add_argument("prefix", nargs="?", default="")
    get = commands.add_parser("get", help="read a value: prints it as JSON")
    get.add_argument("target")
    get.add_argument("name")
    set_ = commands.add_parser("set", help="write a value and wait for the owner's Update")
    set_.add_argument("target")
    set_.add_argument("name")
    set_.add_argument("value", help="the value as JSON (a bare word is taken as a string)")
    call = commands.add_parser("call", help="call a method and print its Result")
    call.add_argument("target")
    call.add_argument("method")
    call.add_argument("params", nargs="?", help="parameters as a JSON object or array")
    send = commands.add_parser("send", help="publish one raw message (topic and message as JSON)")
    send.add_argument("topic")
    send.add_argument("message", nargs="?", default="{}")
    return parser


def _endpoints(args: argparse.Namespace) -> HubEndpoints:
    base = HubEndpoints()
    path = args.config or (locations.settings_file() if locations.settings_file().exists() else None)
    if path:
        try:
            base = load(Path(path)).bus.endpoints
        except (SettingsError, OSError) as error:
            print(f"switchboard-bus: ignoring the settings file: {error}", file=sys.stderr)
    return HubEndpoints(args.host or base.host, args.pub_port or base.pub_port, args.sub_port or base.sub_port)


def _parse_json(text: str, what: str, *, bare_string: bool = False) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        if bare_string and text and not text.lstrip().startswith(("{", "[", '"')):
            return text
        raise ValueError(f"{what} is not valid JSON: {error}") from None


def _fail(text: str, code: int) -> int:
    print(f"switchboard-bus: {text}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        values = _json_arguments(args)
    except ValueError as problem:
        return _fail(str(problem), EXIT_UNUSABLE)
    endpoints = _endpoints(args)
    name = args.name or f"{machine_name_from_host()}-BusCLI{secrets.token_hex(2)}"
    return headless.run(lambda stop: _run(args, values, endpoints, name, stop))


def _json_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """Parse the JSON arguments first, so bad input is reported before any network wait."""
    values: dict[str, Any] = {}
    if args.command == "set":
        values["value"] = _parse_json(args.value, "VALUE", bare_string=True)
    elif args.command == "call" and args.params:
        values["params"] = _parse_json(args.params, "PARAMS")
    elif args.command == "send":
        values["topic"] = _parse_json(args.topic, "TOPIC")
        values["message"] = _parse_json(args.message, "MESSAGE")
        if not isinstance(values["topic"], dict) or not isinstance(values["message"], dict):
            raise ValueError("TOPIC and MESSAGE must be JSON objects")
    return values


async def _run(args: argparse.Namespace, values: dict[str, Any], endpoints: HubEndpoints, name: str, stop: asyncio.Event) -> int:
    if not await hub_answers(endpoints, timeout=1.0):
        return _fail(f"no hub answers at {endpoints}", EXIT_UNUSABLE)
    if args.command == "listen":
        return await _listen(endpoints, args.prefix, stop)
    client = BusService(name, "BusCLI", endpoints, stateful=False, announce=False)
    await client.start()
    try:
        await _settle(client)
        actions = OperatorActions(client, AuditLog(locations.audit_log_file()))
        return await _command(args, values, actions)
    finally:
        await client.stop()


async def _listen(endpoints: HubEndpoints, prefix: str, stop: asyncio.Event) -> int:
    """Print every message whose topic starts with `prefix` until Ctrl+C."""
    connection = BusConnection(endpoints, label="listen")
    connection.subscribe([prefix])
    connection.received.connect(_print_batch)
    await connection.start()
    try:
        await stop.wait()
    finally:
        await connection.stop()
    return EXIT_OK


async def _settle(client: BusService) -> None:
    """Wait for the link and for our subscriptions to reach the hub (slow joiner, §9)."""
    deadline = asyncio.get_running_loop().time() + LINK_WAIT_S
    while not client.hub_linked and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(SUBSCRIPTION_SETTLE_S)


async def _command(args: argparse.Namespace, values: dict[str, Any], actions: OperatorActions) -> int:
    try:
        if args.command == "get":
            _print_json(await actions.get(args.target, args.name, args.timeout))
        elif args.command == "set":
            outcome = await actions.set(args.target, args.name, values["value"])
            if not outcome.confirmed:
                return _fail(f"{args.target} did not confirm the Set of {args.name} within 2 s", EXIT_TIMEOUT)
            _print_json(outcome.kept)
            if not outcome.accepted:
                return _fail(f"{args.target} refused the Set of {args.name} and kept the value above", EXIT_REFUSED)
        elif args.command == "call":
            _print_json(await actions.call(args.target, args.method, values.get("params"), args.timeout))
        elif args.command == "send":
            frames = [encode_json(values["topic"]).encode("utf-8"), encode_json(values["message"]).encode("utf-8")]
            if not await actions.send_raw(frames):
                return _fail("the message could not be sent", EXIT_UNUSABLE)
    except (ValueMissing, CallFailed) as refusal:
        return _fail(str(refusal), EXIT_REFUSED)
    except (GetTimeout, CallTimeout, HubLost) as silence:
        return _fail(str(silence), EXIT_TIMEOUT)
    return EXIT_OK


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _print_batch(batch: list[BusMessage]) -> None:
    for message in batch:
        stamp = dt.datetime.fromtimestamp(message.received).strftime("%H:%M:%S.%f")[:-3]
        attachment = f" +{len(message.attachment)} bytes" if message.attachment is not None else ""
        print(f"{stamp} {encode_json(message.topic)} {message.body_text()}{attachment}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
