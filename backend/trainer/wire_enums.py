"""The numbers on the auto-trainer wire, each with its name (`protocols/trainer.md` §2, §4, §5).

These are Switchboard's own copies of the package's enums: the client must read devices of
every version from 0.9.7 to 0.12.0, so it cannot take its vocabulary from whichever package
happens to be installed. tests/backend/trainer/test_wire_enums.py checks them against the
real 0.12.0 package. Event kinds live in `event_kinds.py` because their names depend on the
device's version.
"""

from __future__ import annotations

from enum import IntEnum


class Topic(IntEnum):
    """The first frame of every PUB message: a 4-byte little-endian number."""

    ANY = 0
    HEARTBEAT = 1001
    EMERGENCY = 2001
    EVENT = 4001
    PROPERTY_CHANGE = 5001
    COMMAND_RESULT = 6001


class Command(IntEnum):
    """`ApiCommand` 0.12.0, plus the 0.9.7 acquisition commands that older devices still take."""

    NONE = 0
    START_ACQUISITION = 50
    STOP_ACQUISITION = 55
    LEGACY_START_ACQUISITION = 100
    LEGACY_STOP_ACQUISITION = 110
    SET_APPLICATION_MODE = 120
    SET_TRAINING_MODE = 130
    EMERGENCY_STOP = 200
    EMERGENCY_RESUME = 210
    GET_CONFIGURATION = 300
    GET_STATUS = 400
    GET_ANIMALS = 500
    SET_LIVE_ANALYSIS_ENABLED = 1000
    SET_PELLET_DELIVERY_ENABLED = 1010
    SET_PELLET_COVER_ENABLED = 1020
    SET_INTERTRIAL_PELLET_SHIFT_ENABLED = 1030
    SET_HOME_ON_EXCESSIVE_DRIFT_ENABLED = 1040
    SET_TRIANGLE_PELLET_DISTANCE_DETECTION_ENABLED = 1050
    SET_AUTO_CLOSE_GATE_ON_INTERTRIAL_ENABLED = 1060
    SET_AUTO_CLAMP_ENABLED = 1070
    SET_TUNNEL_SWEEP_ENABLED = 1080
    SET_BATCH_TRIALS_ENABLED = 1090
    USER_DEFINED = 99999


class RequestResult(IntEnum):
    """`ApiCommandRequestResult`: what the device says it did with a request."""

    UNRECOGNIZED = 0
    SUCCESS = 100
    PENDING = 200
    PENDING_WITH_NOTIFICATION = 201
    FAILED = 400
    EXCEPTION = 500
    UNAVAILABLE = 9999


class ErrorKind(IntEnum):
    """`ApiCommandRequestErrorKind`."""

    NONE = 0
    SYSTEM_ERROR = 1
    COMMAND_ERROR = 2


class ApplicationMode(IntEnum):
    IDLE = 0
    RUNNING = 100
    IN_DEVICE = 200
    IN_TRAINING = 300
    CALIBRATION_DCS = 1000
    CALIBRATION_3D = 1100


class TrainingMode(IntEnum):
    UNDEFINED = 0
    MANUAL = 100
    MANUAL_WITH_PROTOCOL = 200
    AUTOMATIC = 300


class AlarmKind(IntEnum):
    externalDoors = 101
    animalMissing = 201
    animalImmobile = 210
    thrashing = 301
    deviceCommunication = 401
    systemFault = 501
    systemMaintenance = 601
    animalEvasion = 701
    animalWelfare = 801


class DetectorKind(IntEnum):
    frontDoor = 101
    slidingDoor = 102
    loadCellThrash = 201
    audioThrash = 202
    pelletMisplaced = 301
    deviceAckTimeOut = 401
    pelletStatusMessageInterruption = 411
    tunnelStatusMessageInterruption = 412
    lowFreeDiskSpace = 501
    mainThreadFrozen = 511
    boardUnexpectedReset = 521
    pelletRefillCountExceeded = 601
    cageCleaningRequired = 610
    consecutivePelletLoadFailureExceeded = 620
    animalAutoClampEvasion = 701
    animalLowPelletsConsumedPerDay = 801


class EmergencyStopReason(IntEnum):
    unknown = 0
    alarm_monitor = 101
    diamond_coord_check = 201
    user_button = 301
    rpc_service = 401


class EmergencyResumeReason(IntEnum):
    unknown = 0
    alarm_monitor_resume = 101
    alarm_monitor_status_change = 201
    user_button = 301
    rpc_service = 401


class Toggle(IntEnum):
    """The ten behaviour settings, by the command that sets each one (§4, 1000–1090)."""

    LIVE_ANALYSIS = 1000
    PELLET_DELIVERY = 1010
    PELLET_COVER = 1020
    INTERTRIAL_PELLET_SHIFT = 1030
    HOME_ON_EXCESSIVE_DRIFT = 1040
    TRIANGLE_PELLET_DISTANCE_DETECTION = 1050
    AUTO_CLOSE_GATE_ON_INTERTRIAL = 1060
    AUTO_CLAMP = 1070
    TUNNEL_SWEEP = 1080
    BATCH_TRIALS = 1090

    @property
    def command(self) -> Command:
        return Command(self.value)

    @property
    def status_key(self) -> str:
        """The like-named `is…Enabled` field of the status (wire form, camelCase)."""
        words = self.name.lower().split("_")
        return "is" + "".join(word.capitalize() for word in words) + "Enabled"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def name_of(enum: type[IntEnum], value: object) -> str:
    """The member's name, or a readable stand-in for a number this version does not know."""
    try:
        return enum(value).name  # type: ignore[call-arg]
    except (ValueError, TypeError):
        return f"{enum.__name__} {value!r}"
