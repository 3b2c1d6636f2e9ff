"""The client when the trainer misbehaves: lost heartbeats, dead or slow replies, garbage, restarts, 0.9.7.

The hand-written wire simulator injects the faults; the restart test also uses the real package.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import zmq
import zmq.asyncio

from backend.sim.trainer.package_trainer import PackageTrainer
from backend.sim.trainer.wire_trainer import WireTrainer
from backend.trainer.trainer_status import EmergencyCondition, Liveness
from backend.trainer.wire_enums import AlarmKind, ApplicationMode, Command, RequestResult, Topic
from tests.backend.trainer.trainer_floor import HEARTBEAT_S, client_for, ports, until_synced, wire_floor
from tests.helpers import wait_until


async def test_lost_heartbeats_make_the_trainer_stale_then_offline_and_their_return_resyncs() -> None:
    async with wire_floor(offline_after=3.0) as (trainer, client):
        trainer.faults.heartbeats = False
        await wait_until(lambda: client.model.liveness is Liveness.STALE, timeout=10)
        await wait_until(lambda: client.model.liveness is Liveness.OFFLINE, timeout=10)
        handled_before = len(trainer.rig.handled)
        trainer.faults.heartbeats = True
        await wait_until(lambda: client.model.liveness is Liveness.ONLINE, timeout=10)
        await wait_until(lambda: trainer.rig.handled[handled_before:] == [Command.GET_CONFIGURATION, Command.GET_STATUS],
                         timeout=10, what="a resync after the gap")


async def test_a_trainer_never_heard_is_offline_after_the_offline_time_and_online_once_it_starts() -> None:
    pub, rep = ports()
    async with client_for(pub, rep, offline_after=1.0) as client:
        assert client.model.liveness is Liveness.WAITING
        await wait_until(lambda: client.model.liveness is Liveness.OFFLINE, timeout=10, what="offline without a first heartbeat")
        refused = await client.set_application_mode(ApplicationMode.RUNNING)
        assert not refused.ok and "has not sent a heartbeat yet" in refused.sentence
        async with PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S):
            await until_synced(client)


async def test_commands_wait_for_the_first_heartbeat_but_the_emergency_stop_does_not() -> None:
    async with wire_floor(synced=False) as (trainer, client):
        trainer.faults.heartbeats = False
        refused = await client.set_application_mode(ApplicationMode.RUNNING)
        assert not refused.ok and "has not sent a heartbeat yet" in refused.sentence
        assert (await client.emergency_stop()).ok
        assert trainer.rig.stopped


async def test_a_slow_reply_is_retried_on_a_fresh_socket_and_the_late_one_is_never_mistaken() -> None:
    async with wire_floor(request_timeout=0.5) as (trainer, client):
        trainer.faults.reply_delay = 0.8
        outcome = await client.refresh_status()
        assert not outcome.ok and "got no reply (3 attempt(s) of 0.5 s)" in outcome.sentence
        assert trainer.rig.handled.count(Command.GET_STATUS) >= 1 + 3  # resync + three attempts
        assert client._commands is not None and client._commands.rebuilds == 3
        trainer.faults.reply_delay = 0.0
        assert (await client.refresh_status()).ok


async def test_user_defined_commands_are_never_retried() -> None:
    async with wire_floor(request_timeout=0.3) as (trainer, client):
        trainer.faults.drop_requests = True
        outcome = await client.user_command(1, {"a": 1})
        assert "1 attempt(s)" in outcome.sentence
        assert trainer.rig.handled.count(Command.USER_DEFINED) == 0


async def test_the_emergency_stop_does_not_wait_behind_a_slow_request() -> None:
    async with wire_floor(request_timeout=10.0) as (trainer, client):
        trainer.faults.reply_delay = 6.0
        trainer.faults.slow_commands = frozenset({Command.GET_STATUS})
        slow = asyncio.create_task(client.refresh_status())
        await wait_until(lambda: trainer.rig.handled[-1:] == [Command.GET_STATUS], what="the slow request to arrive")
        assert (await client.emergency_stop()).ok
        assert not slow.done()  # answered 6 s after it arrived: the stop did not queue behind it
        assert (await slow).ok


async def test_the_emergency_stop_is_retried_until_the_trainer_confirms_it() -> None:
    async with wire_floor(request_timeout=0.3) as (trainer, client):
        trainer.block(True)
        stop = asyncio.create_task(client.emergency_stop())
        await wait_until(lambda: client._estop is not None and client._estop.rebuilds >= 2, what="two missed attempts")
        trainer.block(False)
        outcome = await stop
        assert outcome.ok
        assert client.model.emergency.condition is EmergencyCondition.STOPPED
        assert client.model.estop_unconfirmed == ""


async def test_an_unconfirmed_emergency_stop_raises_an_alarm_in_the_model() -> None:
    async with wire_floor(request_timeout=0.3, estop_window=1.0) as (trainer, client):
        trainer.faults.drop_requests = True
        outcome = await client.emergency_stop()
        assert not outcome.ok and "was not confirmed within 1 s" in outcome.sentence
        assert client.model.estop_unconfirmed.startswith("E-stop not confirmed: trainer 'North'")
        assert client.model.emergency.condition is not EmergencyCondition.STOPPED
        trainer.faults.drop_requests = False
        client.timing = dataclasses.replace(client.timing, request_timeout=5.0, estop_window=20.0)  # no race with a loaded machine
        assert (await client.emergency_stop()).ok
        assert client.model.estop_unconfirmed == ""


async def test_a_stop_answered_pending_is_waited_on_only_for_the_emergency_window() -> None:
    """A device that answers EMERGENCY_STOP with PENDING_WITH_NOTIFICATION and never sends the
    result must raise the alarm when the 10 s window ends, not after the 30 s of other results."""
    async with wire_floor(estop_window=1.5, async_result_timeout=60.0) as (trainer, client):
        trainer.rig.options.async_commands = frozenset({Command.EMERGENCY_STOP})
        trainer.rig.options.async_delay = 3600.0
        task = client.begin_emergency_stop()
        assert task is not None
        await wait_until(task.done, timeout=15, what="the stop's verdict within its window")
        assert not task.result().ok and "was not confirmed within 1.5 s" in task.result().sentence
        assert client.model.estop_unconfirmed.startswith("E-stop not confirmed: trainer 'North'")


async def test_a_device_killed_mid_request_and_restarted_answers_the_retry() -> None:
    pub, rep = ports()
    wire = WireTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S)
    await wire.start()
    async with client_for(pub, rep, request_timeout=1.0, attempts=5) as client:
        await until_synced(client)
        wire.faults.drop_requests = True
        request = asyncio.create_task(client.set_application_mode(ApplicationMode.RUNNING))
        await wait_until(lambda: client._commands is not None and client._commands._lock.locked())
        await wire.stop()  # killed with the request in flight
        async with PackageTrainer("127.0.0.1", pub, rep, heartbeat_interval=HEARTBEAT_S) as restarted:
            outcome = await request
            assert outcome.ok, outcome.sentence
            assert restarted.rig.application_mode == ApplicationMode.RUNNING
            assert client.model.application_mode_name == "RUNNING"


async def test_garbage_frames_are_counted_and_ignored_and_events_still_arrive() -> None:
    async with wire_floor() as (trainer, client):
        trainer.send_garbage()
        trainer.rig.set_alarm(AlarmKind.animalWelfare, True)
        await wait_until(lambda: any(a.name == "animalWelfare" for a in client.model.active_alarms))
        assert client.malformed == 6
        assert client.model.liveness is Liveness.ONLINE


async def test_numbers_too_big_and_odd_indexes_are_survived_and_events_still_arrive() -> None:
    """1e400 reads as infinity (no int), a list is no dict key: the reader must not die of either."""
    event, emergency, result = (int(topic).to_bytes(4, "little") for topic in (Topic.EVENT, Topic.EMERGENCY, Topic.COMMAND_RESULT))
    async with wire_floor() as (trainer, client):
        trainer.send_raw([event, b'{"kind": 1e400, "when": 1.0, "index": 1, "context": null}'])
        trainer.send_raw([emergency, b'{"kind": 101, "when": 1e400, "index": [1], "context": {"reasonCode": 1e400}}'])
        trainer.send_raw([result, b'{"command": 120, "nonce": 1e400, "result": 100}'])
        trainer.rig.set_alarm(AlarmKind.animalWelfare, True)
        await wait_until(lambda: any(a.name == "animalWelfare" for a in client.model.active_alarms), what="the event after the odd ones")
        assert client.model.emergency.condition is EmergencyCondition.STOPPED
        assert (client.model.emergency.when, client.model.emergency.reason_code) == (None, None)
        assert client.model.liveness is Liveness.ONLINE


async def test_a_message_on_an_unknown_topic_is_kept_raw_and_changes_nothing() -> None:
    async with wire_floor() as (trainer, client):
        trainer.send_raw([(7001).to_bytes(4, "little"), b'{"kind": 101, "when": 1.0, "index": 5, "context": {"reasonCode": 401}}'])
        trainer.rig.publish(1101)  # tunnelEnter, published after it
        await wait_until(lambda: any(e.name == "tunnelEnter" for e in client.model.events), what="the event after it")
        assert [(e.topic_name, e.kind) for e in client.model.events if e.topic == 7001] == [("Topic 7001", 101)]
        assert client.model.emergency.condition is EmergencyCondition.UNKNOWN


async def test_events_continue_after_the_trainer_restarts_its_pub_socket() -> None:
    async with wire_floor() as (trainer, client):
        await trainer.restart_pub()
        trainer.rig.set_alarm(AlarmKind.systemMaintenance, True)

        def seen() -> bool:
            # publishes before the SUB has reconnected are lost (slow joiner): the status says it again
            trainer.rig.publish_status()
            return any(a.name == "systemMaintenance" for a in client.model.active_alarms)

        await wait_until(seen, timeout=10, interval=0.1, what="events after the PUB restart")
        assert client.malformed == 0


async def test_a_legacy_0_9_7_trainer_is_read_with_its_double_encoding_and_old_numbers() -> None:
    async with wire_floor(legacy=True) as (trainer, client):
        assert client.model.version_text == "0.9.7"
        assert client.model.identifier == "autotrainerDevice"  # camelised as text by 0.9.7
        assert client.model.application_mode_name == "IDLE"
        trainer.rig.publish(1301, {"session_id": "s-9", "trial_id": 1, "reason": "x"})
        trainer.rig.emergency_stop(trainer.rig.stop_reason.__class__.user_button)
        await wait_until(lambda: client.model.emergency.condition is EmergencyCondition.STOPPED)
        assert "kind 1301 (legacy)" in [e.name for e in client.model.events]
        assert client.model.session.trial_id != 1  # a renumbered kind is shown, never acted on
        assert client.model.emergency.reason == "userButton"  # 0.9.7: {reason} only, value camelised
        mode = await client.set_application_mode(ApplicationMode.RUNNING)
        assert mode.result == RequestResult.UNRECOGNIZED
        assert (await client.command(Command.LEGACY_START_ACQUISITION)).ok


async def test_a_legacy_trainer_whose_command_thread_died_keeps_its_heartbeat() -> None:
    async with wire_floor(legacy=True, request_timeout=0.3) as (trainer, client):
        ctx = zmq.asyncio.Context()
        req = ctx.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(client.rep_endpoint)
        await req.send(b'{"command": 1E5}')  # decamelised into "1_e5": the 0.9.7 thread dies
        await wait_until(lambda: trainer.command_thread_dead)
        req.close(linger=0)
        ctx.destroy(linger=0)
        outcome = await client.refresh_status()
        assert "got no reply" in outcome.sentence
        beats = client.model.last_heartbeat
        await wait_until(lambda: client.model.last_heartbeat != beats, what="heartbeats to go on")
        assert client.model.liveness is Liveness.ONLINE


async def test_the_emergency_stop_leaves_before_begin_returns_without_a_loop_turn() -> None:
    """A plain blocking ROUTER plays the trainer; the loop never runs between the call and the read."""
    pub, rep = ports()
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind(f"tcp://127.0.0.1:{rep}")
    try:
        async with client_for(pub, rep) as client:
            await wait_until(lambda: client._estop is not None and client._estop._socket is not None)
            task = client.begin_emergency_stop()
            assert router.poll(10_000), "the request did not arrive"  # blocking: no loop turn in between
            identity, _, body = router.recv_multipart()
            assert json.loads(body)["command"] == Command.EMERGENCY_STOP
            reply = {"nonce": json.loads(body)["nonce"], "command": 200, "result": 100, "data": None,
                     "errorKind": 0, "errorCode": 0, "errorMessage": None}
            router.send_multipart([identity, b"", json.dumps(reply).encode()])
            assert (await task).ok
            assert client.model.emergency.condition is EmergencyCondition.STOPPED
    finally:
        router.close(linger=0)
        ctx.term()


async def test_a_trainer_silent_about_its_status_is_asked_for_it() -> None:
    async with wire_floor(status_refresh=0.5) as (trainer, client):
        asked = trainer.rig.handled.count(Command.GET_STATUS)
        await wait_until(lambda: trainer.rig.handled.count(Command.GET_STATUS) >= asked + 2, timeout=10,
                         what="GET_STATUS again when no systemStatus came")
        assert trainer.rig.handled.count(Command.GET_CONFIGURATION) == 1
