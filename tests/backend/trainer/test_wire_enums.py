"""Switchboard's copies of the wire numbers match the real auto-trainer-api 0.12.0, name for name."""

from __future__ import annotations

from enum import IntEnum

import pytest
from autotrainer import api
from autotrainer.api.rpc_service import ApiCommandRequestErrorKind

from backend.trainer import wire_enums
from backend.trainer.event_kinds import EventKind

PAIRS = [
    (wire_enums.Topic, api.ApiTopic),
    (wire_enums.RequestResult, api.ApiCommandRequestResult),
    (wire_enums.ErrorKind, ApiCommandRequestErrorKind),
    (wire_enums.ApplicationMode, api.ApiApplicationMode),
    (wire_enums.TrainingMode, api.ApiTrainingMode),
    (wire_enums.AlarmKind, api.ApiAlarmKind),
    (wire_enums.DetectorKind, api.ApiDetectorKind),
    (wire_enums.EmergencyStopReason, api.ApiEmergencyStopReason),
    (wire_enums.EmergencyResumeReason, api.ApiEmergencyResumeReason),
    (EventKind, api.ApiEventKind),
]


def _table(enum: type[IntEnum]) -> dict[str, int]:
    return {member.name: member.value for member in enum}


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=[theirs.__name__ for _, theirs in PAIRS])
def test_every_enum_has_the_packages_names_and_values(ours: type[IntEnum], theirs: type[IntEnum]) -> None:
    assert _table(ours) == _table(theirs)


def test_commands_are_the_packages_plus_the_0_9_7_acquisition_commands() -> None:
    ours = _table(wire_enums.Command)
    legacy = {ours.pop("LEGACY_START_ACQUISITION"), ours.pop("LEGACY_STOP_ACQUISITION")}
    assert ours == _table(api.ApiCommand)
    assert legacy == {100, 110}


def test_each_toggle_reads_back_from_the_status_field_the_package_names() -> None:
    behavior = {f.name for f in api.api_system_status.ApiBehaviorStatus.__dataclass_fields__.values()}
    pellet = {f.name for f in api.ApiPelletDeviceStatus.__dataclass_fields__.values()}
    import humps

    for toggle in wire_enums.Toggle:
        assert api.ApiCommand(toggle.value).name == f"SET_{toggle.name}_ENABLED"
        assert humps.decamelize(toggle.status_key) in behavior | pellet
