"""What a rig does on its own while an animal trains (`trainer.md` §9.8): the simulator's script.

`applicationLaunched` at start, a `systemStatus` every `status_period`, sessions of trials
with their counts, and now and then a door opened mid-session: the `externalDoors` alarm
stops the rig (reasonCode 101 with the active alarms) and closing the door resumes it on
its own. The script is deterministic (a fixed cycle), so a demo always shows every kind.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from backend.sim.trainer.rig_state import TrainerRig
from backend.task_stopping import cancel_and_wait
from backend.trainer.event_kinds import EventKind
from backend.trainer.wire_enums import AlarmKind, DetectorKind

TRIALS_PER_SESSION = 4
SESSIONS_PER_DOOR_ALARM = 2


@dataclass(frozen=True)
class ActivityOptions:
    step: float = 1.0
    """Seconds between two steps of the script; 0 turns the script off (tests drive the rig themselves)."""
    status_period: float = 30.0
    """Seconds between two systemStatus events; 0: never."""
    door_alarms: bool = True


async def run_activity(rig: TrainerRig, options: ActivityOptions) -> None:
    """Run the script until cancelled."""
    rig.publish(EventKind.applicationLaunched, {"version": rig.options.version})
    tasks = []
    if options.status_period > 0:
        tasks.append(asyncio.create_task(_status_every(rig, options.status_period)))
    try:
        if options.step > 0:
            session = 0
            while True:
                session += 1
                await _one_session(rig, options.step)
                if options.door_alarms and session % SESSIONS_PER_DOOR_ALARM == 0:
                    await _door_opened(rig, options.step)
        else:
            await asyncio.Event().wait()
    finally:
        await cancel_and_wait(tasks)


async def _status_every(rig: TrainerRig, period: float) -> None:
    while True:
        await asyncio.sleep(period)
        rig.publish_status()


async def _one_session(rig: TrainerRig, step: float) -> None:
    session_id = rig.new_session_id()
    with rig.lock:
        rig.session_id = session_id
    rig.publish(EventKind.tunnelEnter)
    rig.publish(EventKind.sessionStarted, {"session_id": session_id, "is_analysis_deferred": False})
    await asyncio.sleep(step)
    for _ in range(TRIALS_PER_SESSION):
        while rig.stopped:
            await asyncio.sleep(step)
        await _one_trial(rig, session_id, step)
    rig.publish(EventKind.sessionEnded, {"session_id": session_id, "capture_trial_count": TRIALS_PER_SESSION,
                                         "analysis_trial_count": TRIALS_PER_SESSION, "failed_trial_count": 0})
    rig.publish(EventKind.tunnelExit)
    await asyncio.sleep(step)


async def _one_trial(rig: TrainerRig, session_id: str, step: float) -> None:
    with rig.lock:
        rig.trial_id += 1
        trial_id = rig.trial_id
    ids = {"session_id": session_id, "trial_id": trial_id}
    rig.publish(EventKind.projectTrialChanged, {"root": rig.day_path, **ids})
    rig.publish(EventKind.trialStarted, {**ids, "reason": "pellet_seen"})
    rig.publish(EventKind.pelletLoadBegin, {"context": rig.new_session_id()})
    await asyncio.sleep(step)
    _count(rig, "pellets_presented", EventKind.pelletPresentedCountChanged, EventKind.dayPelletPresentedCountChanged)
    _count(rig, "reaches", EventKind.reachCountChanged, EventKind.dayReachCountChanged)
    if trial_id % 2:
        _count(rig, "successful_reaches", EventKind.successfulReachesCountChanged, EventKind.daySuccessfulReachesCountChanged)
        _count(rig, "pellets_consumed", EventKind.pelletConsumedCountChanged, EventKind.dayPelletConsumedCountChanged)
    rig.publish(EventKind.trialCaptureEnded, ids)
    rig.publish(EventKind.trialEnded, {**ids, "result": "analysis_succeeded"})
    await asyncio.sleep(step)


def _count(rig: TrainerRig, key: str, kind: EventKind, day_kind: EventKind) -> None:
    with rig.lock:
        animal = rig.selected_animal
        if animal is None:
            return
        animal.reaches[key] += 1
        count = animal.reaches[key]
    rig.publish(kind, {"change": 1, "count": count})
    rig.publish(day_kind, {"change": 1, "count": count})


async def _door_opened(rig: TrainerRig, step: float) -> None:
    rig.set_detector(DetectorKind.frontDoor, True)
    rig.set_alarm(AlarmKind.externalDoors, True)
    await asyncio.sleep(3 * step)
    rig.set_detector(DetectorKind.frontDoor, False)
    rig.set_alarm(AlarmKind.externalDoors, False)
