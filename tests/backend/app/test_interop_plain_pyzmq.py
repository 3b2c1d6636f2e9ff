"""The acceptance test of the issue: a service written by someone else against
`protocols/bus.md` with plain pyzmq can Get and Set Switchboard's State, Call its
methods, and see it answer Identify, against both the in-process runtime (what the
app runs) and a real `switchboard serve` process.

The third party's wire code is `ThirdParty` below and `tests/backend/wire_peers.py`,
neither of which imports anything from the project: every topic is written out by
hand, in the canonical key order, as compact JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path

from backend.app.audit_log import AuditLog
from backend.app.event_log import EventLog
from backend.app.runtime import SwitchboardRuntime
from backend.app.settings import validate
from backend.bus.endpoints import HubEndpoints
from backend.bus.message import LogLevel
from tests.backend.app.serve_process import kill, start_serve, stop_serve, write_settings
from tests.backend.wire_peers import Wire, WirePeer
from tests.helpers import wait_until

ME = "VENDOR7-Plugin"
NOTICE = "Hello from a plugin nobody at Switchboard wrote"


class ThirdParty:
    """A stranger's service: it knows the protocol document and pyzmq, nothing else."""

    def __init__(self, publish_to: str, subscribe_to: str) -> None:
        """`publish_to` is the hub's publish port (tcp://host:16202), `subscribe_to` its subscribe port."""
        self.peer = WirePeer(
            publish_to,
            subscribe_to,
            ME,
            [
                f'{{"Type":"Self","Target":"{ME}"',
                f'{{"Type":"Update","Target":"{ME}"',
                f'{{"Type":"CallResult","Target":"{ME}"',
                '{"Type":"Update","Target":"BROADCAST"',
                '{"Type":"Log","Target":"BROADCAST"',
            ],
        )
        self.calls = 0

    async def __aenter__(self) -> ThirdParty:
        await self.peer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.peer.stop()

    async def identify(self, timeout: float) -> Wire:
        return await self.peer.ask(
            lambda: self.peer.send_text(f'{{"Type":"Identify","Target":"BROADCAST","RespondTo":"{ME}"}}'),
            lambda w: w.type == "Self",
            timeout=timeout,
            every=0.2,
            what="Self in answer to Identify",
        )

    async def get(self, target: str, name: str) -> Wire:
        since = self.peer.mark()
        self.peer.send_text(f'{{"Type":"Get","Target":"{target}","Name":"{name}","RespondTo":"{ME}"}}')
        expected = f'{{"Type":"Update","Target":"{ME}","Source":"{target}","Name":"{name}"}}'.encode()
        return await self.peer.expect(lambda w: w.raw_topic == expected, since=since, what=f"answer to Get {name}")

    async def set(self, target: str, name: str, value: object) -> Wire:
        since = self.peer.mark()
        self.peer.send_text(f'{{"Type":"Set","Target":"{target}","Name":"{name}"}}', json.dumps({"Value": value}, separators=(",", ":")))
        expected = f'{{"Type":"Update","Target":"BROADCAST","Source":"{target}","Name":"{name}"}}'.encode()
        return await self.peer.expect(lambda w: w.raw_topic == expected, since=since, what=f"Update after Set {name}")

    async def call(self, target: str, method: str, params: object = None) -> Wire:
        self.calls += 1
        call_id = f"a1b2c3d4-{self.calls}"
        since = self.peer.mark()
        message = "{}" if params is None else json.dumps({"Params": params}, separators=(",", ":"))
        self.peer.send_text(f'{{"Type":"Call","Target":"{target}","RespondTo":"{ME}","Method":"{method}","ID":"{call_id}"}}', message)
        expected = f'{{"Type":"CallResult","Target":"{ME}","ExecutedOn":"{target}","Method":"{method}","ID":"{call_id}"}}'.encode()
        return await self.peer.expect(lambda w: w.raw_topic == expected, since=since, what=f"CallResult of {method}")


async def exercise(hub: HubEndpoints, switchboard: str, *, identify_timeout: float = 5.0) -> None:
    """Everything the issue's "Done when" asks of a third party, with the answers checked."""
    async with ThirdParty(hub.publish_to, hub.subscribe_to) as stranger:
        peer = stranger.peer

        # It answers Identify with Self, addressed to whoever asked.
        self_ = await stranger.identify(identify_timeout)
        assert self_.raw_topic == f'{{"Type":"Self","Target":"{ME}","Source":"{switchboard}"}}'.encode()
        assert self_.body == {"Role": "Switchboard"}

        # Get of its whole State and of one value.
        state = (await stranger.get(switchboard, "State")).body["Value"]
        assert state["Panels"]["Bus"]["HistoryLimit"] == 20_000
        assert (await stranger.get(switchboard, "State.Panels.Bus.HistoryLimit")).body == {"Value": 20_000}
        assert (await stranger.get(switchboard, "Role")).body == {"Value": "Switchboard"}
        assert (await stranger.get(switchboard, "State.NoSuchThing")).body == {"Value": "null"}

        # Set accepted: the Update carries the new value, and a later Get reads it.
        assert (await stranger.set(switchboard, "State.Notes", "Written by a stranger")).body == {"Value": "Written by a stranger"}
        assert (await stranger.get(switchboard, "State.Notes")).body == {"Value": "Written by a stranger"}

        # Set refused: the Update carries the unchanged value, and a Log Warning says why.
        since = peer.mark()
        assert (await stranger.set(switchboard, "State.Panels.Bus.HistoryLimit", 5)).body == {"Value": 20_000}
        warning = await peer.expect(lambda w: w.type == "Log" and w.topic.get("Source") == switchboard, since=since)
        assert warning.body["Level"] == "Warning" and "HistoryLimit" in warning.body["Message"]

        # Calls: a Result, a notice for the operator, the method list, and a Failure.
        status = (await stranger.call(switchboard, "GetStatus")).body["Result"]
        assert status["Name"] == switchboard and status["Role"] == "Switchboard" and status["Hub"]["Linked"] is True
        assert (await stranger.call(switchboard, "ShowNotice", {"Message": NOTICE, "Level": "Warning", "From": ME})).body == {"Result": None}
        methods = {m["Method"] for m in (await stranger.call(switchboard, "ListMethods")).body["Result"]}
        assert {"GetStatus", "ShowNotice", "ListMethods"} <= methods
        failure = (await stranger.call(switchboard, "LaunchRockets")).body["Failure"]
        assert "Unknown method LaunchRockets" in failure and "GetStatus" in failure


async def test_a_third_party_plain_pyzmq_service_can_use_switchboard_in_process(hub: HubEndpoints, tmp_path: Path) -> None:
    settings = validate({"bus": {"pub_port": hub.pub_port, "sub_port": hub.sub_port, "machine_name": "INTEROP1", "start_hub": False}})
    events = EventLog()
    runtime = SwitchboardRuntime(settings, events, AuditLog(tmp_path / "audit.jsonl"), service_options={"startup_attempts": 1})
    await runtime.start()
    try:
        await exercise(hub, "INTEROP1-Switchboard")
        assert runtime.service is not None and runtime.service.state["Notes"] == "Written by a stranger"
        assert (LogLevel.WARNING, ME, NOTICE) in [(e.level, e.source, e.text) for e in events.events]
    finally:
        await runtime.stop()


async def test_a_third_party_plain_pyzmq_service_can_use_switchboard_serve(hub: HubEndpoints, tmp_path: Path) -> None:
    config = write_settings(tmp_path / "settings.toml", hub, "INTEROP2")
    process, log = start_serve(tmp_path, "--config", str(config))
    try:
        await exercise(hub, "INTEROP2-Switchboard", identify_timeout=30.0)
        # serve prints the operator's events; the notice is one of them.
        await wait_until(lambda: NOTICE in log.read_text("utf-8"), what="the notice in serve's output")
        assert stop_serve(process, log) == 0, log.read_text()
    finally:
        kill(process)
