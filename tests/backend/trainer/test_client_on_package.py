"""The client against the real auto-trainer-api 0.12.0 RpcService running the simulated rig.

Every documented command, asynchronous results, events and emergencies, each checked in
what the model shows, which is only ever what the trainer reported.
"""

from __future__ import annotations

import pytest

from backend.sim.trainer.rig_state import ECHO_COMMAND, FAULTY_COMMAND, RigOptions
from backend.trainer.trainer_status import EmergencyCondition
from backend.trainer.wire_enums import (
    AlarmKind,
    ApplicationMode,
    Command,
    DetectorKind,
    EmergencyStopReason,
    RequestResult,
    Toggle,
    TrainingMode,
)
from tests.backend.trainer.trainer_floor import package_floor
from tests.helpers import wait_until


def _names(client) -> list[str]:
    return [event.name for event in client.model.events]


async def test_the_first_heartbeat_brings_configuration_then_status() -> None:
    async with package_floor() as (trainer, client):
        assert trainer.rig.handled[:2] == [Command.GET_CONFIGURATION, Command.GET_STATUS]
        assert client.model.version_text == "0.12.0"
        assert client.model.identifier == "autotrainer-device"
        assert client.model.configuration["deviceId"] == "autotrainer-device"
        assert client.model.application_mode_name == "IDLE"
        assert client.model.toggles[Toggle.LIVE_ANALYSIS] is True
        assert client.model.animal["name"] == "mouse-0421"
        assert set(client.model.alarms) == set(AlarmKind)
        assert set(client.model.detectors) == set(DetectorKind)


async def test_an_application_mode_change_waits_for_its_command_result() -> None:
    async with package_floor() as (trainer, client):
        outcome = await client.set_application_mode(ApplicationMode.IN_TRAINING)
        assert outcome.ok, outcome.sentence
        assert outcome.result == RequestResult.SUCCESS  # the 6001 result, not the 201 reply
        assert outcome.data == {"mode": ApplicationMode.IN_TRAINING}
        assert client.model.application_mode_name == "IN_TRAINING"
        await wait_until(lambda: "applicationModeChanged" in _names(client), what="the mode event")


async def test_an_async_result_that_never_comes_is_reported_as_unknown() -> None:
    options = RigOptions(async_delay=30.0)
    async with package_floor(options, async_result_timeout=0.5) as (_, client):
        outcome = await client.set_application_mode(ApplicationMode.RUNNING)
        assert not outcome.ok
        assert "result unknown" in outcome.sentence


async def test_modes_report_what_is_in_effect_even_when_refused() -> None:
    async with package_floor() as (_, client):
        assert (await client.set_training_mode(TrainingMode.AUTOMATIC)).ok
        assert client.model.training_mode_name == "AUTOMATIC"
        refused = await client.set_training_mode(TrainingMode.UNDEFINED)
        assert refused.result == RequestResult.UNAVAILABLE and "not available" in refused.sentence
        invalid = await client.command(Command.SET_TRAINING_MODE, {"mode": 7})
        assert invalid.result == RequestResult.FAILED
        assert client.model.training_mode_name == "AUTOMATIC"
        unavailable = await client.set_application_mode(ApplicationMode.CALIBRATION_3D)
        assert unavailable.result == RequestResult.UNAVAILABLE
        assert client.model.application_mode_name == "IDLE"


@pytest.mark.parametrize("toggle", list(Toggle))
async def test_every_toggle_is_set_and_read_back_from_the_status(toggle: Toggle) -> None:
    async with package_floor() as (_, client):
        wanted = not client.model.toggles[toggle]
        outcome = await client.set_toggle(toggle, wanted)
        assert outcome.ok and outcome.data == {"enabled": wanted}
        client.model.toggles.clear()
        assert (await client.refresh_status()).ok
        assert client.model.toggles[toggle] is wanted
        if toggle is Toggle.AUTO_CLAMP:
            await wait_until(lambda: "autoClampEnabledChanged" in _names(client))


async def test_a_toggle_with_a_non_boolean_is_refused_by_the_trainer() -> None:
    async with package_floor() as (_, client):
        outcome = await client.command(Command.SET_BATCH_TRIALS_ENABLED, {"enabled": 1})
        assert outcome.result == RequestResult.FAILED and "enabled must be true or false" in outcome.sentence


async def test_emergency_stop_and_resume_show_what_the_trainer_published_once_each() -> None:
    async with package_floor() as (trainer, client):
        assert (await client.emergency_stop()).ok
        await wait_until(lambda: "emergencyStop" in _names(client))
        assert client.model.emergency.condition is EmergencyCondition.STOPPED
        assert client.model.emergency.reason_name == "rpc_service"
        assert (await client.emergency_resume()).ok
        await wait_until(lambda: "emergencyResume" in _names(client))
        assert client.model.emergency.condition is EmergencyCondition.RUNNING
        await client.refresh_status()  # everything published before this reply has arrived
        # published on 2001 and again on 4001: the copy is dropped
        assert _names(client).count("emergencyStop") == 1
        assert _names(client).count("emergencyResume") == 1
        assert [e.topic for e in client.model.events if e.name.startswith("emergency")] == [2001, 2001]


async def test_a_repeated_stop_still_publishes_and_a_resume_when_running_fails() -> None:
    async with package_floor() as (_, client):
        await client.emergency_stop()
        await client.emergency_stop()
        await wait_until(lambda: _names(client).count("emergencyStop") == 2)
        assert (await client.emergency_resume()).ok
        again = await client.emergency_resume()
        assert again.result == RequestResult.FAILED


async def test_an_alarm_stop_and_its_auto_resume_are_shown_with_reason_and_alarms() -> None:
    async with package_floor() as (trainer, client):
        trainer.rig.set_alarm(AlarmKind.externalDoors, True)
        await wait_until(lambda: client.model.emergency.condition is EmergencyCondition.STOPPED)
        assert client.model.emergency.reason_name == "alarm_monitor"
        assert client.model.emergency.alarm_names == ["externalDoors"]
        assert [a.name for a in client.model.active_alarms] == ["externalDoors"]
        trainer.rig.set_alarm(AlarmKind.externalDoors, False)
        await wait_until(lambda: client.model.emergency.condition is EmergencyCondition.RUNNING)
        assert client.model.emergency.reason_name == "alarm_monitor_resume"
        assert client.model.emergency.alarm_names == ["externalDoors"]
        assert client.model.active_alarms == []


async def test_a_user_button_stop_is_not_resumed_from_switchboard() -> None:
    async with package_floor() as (trainer, client):
        trainer.rig.emergency_stop(EmergencyStopReason.user_button)
        await wait_until(lambda: client.model.emergency.reason_name == "user_button")
        outcome = await client.emergency_resume()
        assert outcome.result == RequestResult.FAILED and "user button" in outcome.sentence
        assert client.model.emergency.condition is EmergencyCondition.STOPPED


async def test_detectors_sessions_trials_and_counters_follow_the_events() -> None:
    async with package_floor() as (trainer, client):
        rig = trainer.rig
        rig.set_detector(DetectorKind.loadCellThrash, True)
        rig.publish(1331, {"session_id": "s-1", "is_analysis_deferred": False})
        rig.publish(1301, {"session_id": "s-1", "trial_id": 5, "reason": "pellet_seen"})
        rig.publish(1803, {"change": 1, "count": 41})
        rig.publish(1813, {"change": 1, "count": 9})
        await wait_until(lambda: client.model.counters.values.get("dayPelletsConsumed") == 9)
        assert [d.name for d in client.model.active_detectors] == ["loadCellThrash"]
        assert (client.model.session.session_id, client.model.session.trial_id) == ("s-1", 5)
        assert client.model.session.in_trial
        assert client.model.counters.values["reaches"] == 41


async def test_a_system_status_event_replaces_the_status_wholesale() -> None:
    async with package_floor() as (trainer, client):
        with trainer.rig.lock:
            trainer.rig.training_mode = TrainingMode.MANUAL_WITH_PROTOCOL
            trainer.rig.selected_animal = None
        trainer.rig.publish_status()
        await wait_until(lambda: client.model.training_mode_name == "MANUAL_WITH_PROTOCOL")
        assert client.model.animal is None


async def test_get_animals_and_the_obsolete_commands() -> None:
    async with package_floor() as (_, client):
        animals = await client.command(Command.GET_ANIMALS)
        assert [a["name"] for a in animals.data] == ["mouse-0421", "mouse-0422"]
        assert (await client.command(Command.START_ACQUISITION)).result == RequestResult.UNRECOGNIZED
        assert (await client.command(Command.STOP_ACQUISITION)).result == RequestResult.UNRECOGNIZED


async def test_command_none_is_answered_by_the_transport_itself() -> None:
    async with package_floor() as (_, client):
        outcome = await client.command(Command.NONE)
        assert not outcome.ok and "rejected by the trainer's transport" in outcome.sentence


async def test_user_defined_commands_echo_fail_or_are_unrecognised() -> None:
    async with package_floor() as (trainer, client):
        echoed = await client.user_command(ECHO_COMMAND, {"animalId": 3, "note": "ok-1"})
        # decamelised on the way in, camelised again on the way out
        assert echoed.ok and echoed.data == {"echo": {"animalId": 3, "note": "ok-1"}}
        failing = await client.user_command(FAULTY_COMMAND)
        assert failing.result == RequestResult.EXCEPTION and "always fails" in failing.sentence
        assert (await client.user_command(777)).result == RequestResult.UNRECOGNIZED


async def test_data_the_trainer_would_mangle_is_refused_before_sending() -> None:
    async with package_floor() as (trainer, client):
        before = len(trainer.rig.handled)
        outcome = await client.user_command(ECHO_COMMAND, {"name": "My Data"})
        assert not outcome.ok and "was not sent" in outcome.sentence and "'My Data'" in outcome.sentence
        assert len(trainer.rig.handled) == before
