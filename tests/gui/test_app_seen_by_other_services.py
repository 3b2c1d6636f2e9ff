"""A service written by someone else with plain pyzmq can use the app's Switchboard service.

The client below knows nothing of this project: it builds canonical topics by hand, as
`protocols/bus.md` §4 tells anyone to, and talks to the Switchboard running inside the
desktop app's window, on the app's own event loop.
"""

from __future__ import annotations

import asyncio
import json

import zmq
import zmq.asyncio

from tests.gui.conftest import open_floor
from tests.helpers import wait_until

ME = "OTHERPC-Integrator"


def topic(**keys: str) -> bytes:
    return json.dumps(keys, separators=(",", ":")).encode()


class PlainClient:
    def __init__(self, hub) -> None:
        context = zmq.asyncio.Context.instance()
        self.pub = context.socket(zmq.PUB)
        self.sub = context.socket(zmq.SUB)
        for sock in (self.pub, self.sub):
            sock.setsockopt(zmq.LINGER, 0)
        self.pub.connect(f"tcp://127.0.0.1:{hub.pub_port}")
        self.sub.connect(f"tcp://127.0.0.1:{hub.sub_port}")
        for prefix in (f'{{"Type":"Update","Target":"{ME}"', f'{{"Type":"CallResult","Target":"{ME}"', '{"Type":"Self"'):
            self.sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())

    async def send(self, topic_bytes: bytes, message: dict) -> None:
        await self.pub.send_multipart([topic_bytes, json.dumps(message, separators=(",", ":")).encode()])

    async def receive(self, wanted, timeout: float = 5.0) -> tuple[dict, dict]:
        async def loop() -> tuple[dict, dict]:
            while True:
                frames = await self.sub.recv_multipart()
                parsed = json.loads(frames[0]), json.loads(frames[1])
                if wanted(*parsed):
                    return parsed

        return await asyncio.wait_for(loop(), timeout)

    def close(self) -> None:
        self.pub.close(0)
        self.sub.close(0)


async def test_a_plain_pyzmq_service_gets_sets_and_calls_the_switchboard_inside_the_app(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        client = PlainClient(hub)
        try:
            name = floor.runtime.service.name
            await wait_until(lambda: floor.runtime.service.hub_linked, what="the app on the hub")

            # Identify: the app answers with Self to whoever asked (our client plays the Store here).
            async def identify_answered() -> tuple[dict, dict]:
                while True:
                    await client.send(topic(Type="Identify", Target="BROADCAST", RespondTo="Store"), {})
                    try:
                        return await client.receive(lambda t, m: t.get("Source") == name, timeout=0.5)
                    except asyncio.TimeoutError:
                        continue  # the slow joiner: our first messages may be dropped

            self_topic, self_message = await asyncio.wait_for(identify_answered(), 10)
            assert self_topic == {"Type": "Self", "Target": "Store", "Source": name}
            assert self_message == {"Role": "Switchboard"}

            await client.send(topic(Type="Get", Target=name, Name="State.Panels.Bus.HistoryLimit", RespondTo=ME), {})
            got = await client.receive(lambda t, m: t.get("Type") == "Update" and t.get("Name") == "State.Panels.Bus.HistoryLimit")
            assert got[1] == {"Value": 20000}

            await client.send(topic(Type="Set", Target=name, Name="State.Notes"), {"Value": "Rehearsal at 14:00"})
            await wait_until(lambda: floor.runtime.service.state["Notes"] == "Rehearsal at 14:00", what="the Set to apply")

            await client.send(topic(Type="Call", Target=name, RespondTo=ME, Method="GetStatus", ID="plain-1"), {})
            result_topic, result = await client.receive(lambda t, m: t.get("Type") == "CallResult")
            assert result_topic == {"Type": "CallResult", "Target": ME, "ExecutedOn": name, "Method": "GetStatus", "ID": "plain-1"}
            assert result["Result"]["Name"] == name
        finally:
            client.close()
