"""Event kinds and their names, which depend on the device's package version (`trainer.md` §5, §6).

0.9.15–0.9.18 renumbered the kinds and reused old numbers for new meanings, so a number
means something only together with the version the heartbeat announces:

- 0.10 and later: the 0.12 table (`EventKind`).
- 0.9.18 to 0.9.x: the same table, but 702 is `projectSessionChanged`.
- before 0.9.18: only the kinds whose number kept its meaning are named; the others are
  shown as "kind N (legacy)" rather than under a name that may be wrong.
"""

from __future__ import annotations

from enum import IntEnum

from backend.trainer.package_version import PackageVersion


class EventKind(IntEnum):
    """`ApiEventKind` of auto-trainer-api 0.12.0."""

    emergencyStop = 101
    emergencyResume = 102
    applicationLaunched = 201
    applicationTerminating = 202
    applicationModeChanged = 301
    calibrationDcsCompleted = 311
    calibrationDcsFailed = 312
    calibration3dCompleted = 321
    calibration3dFailed = 322
    propertyChanged = 501
    systemStatus = 601
    projectChanged = 701
    projectTrialChanged = 702
    algorithmPause = 1001
    algorithmResume = 1002
    tunnelEnter = 1101
    tunnelExit = 1102
    pelletLoadBegin = 1202
    pelletLoadEnd = 1203
    pelletSendBegin = 1205
    pelletSendEnd = 1206
    pelletCoverBegin = 1208
    pelletCoverEnd = 1209
    pelletReleaseBegin = 1211
    pelletReleaseEnd = 1212
    pelletHomeBegin = 1214
    pelletHomeEnd = 1215
    pelletRetractBegin = 1220
    pelletRetractEnd = 1221
    pelletHomeReset = 1222
    pelletDriftReset = 1223
    tunnelGateOpenBegin = 1230
    tunnelGateOpenEnd = 1231
    tunnelGateCloseBegin = 1232
    tunnelGateCloseEnd = 1233
    tunnelFanOnBegin = 1235
    tunnelFanOnEnd = 1236
    tunnelFanOffBegin = 1237
    tunnelFanOffEnd = 1238
    sessionStarted = 1331
    sessionEnded = 1332
    trialStarted = 1301
    trialCaptureEnded = 1305
    trialEnded = 1311
    batchAnalysisStarted = 1321
    batchAnalysisEnded = 1322
    headfixLoadCellEnabledChanged = 1401
    headfixLoadCellChangedInIntersession = 1405
    headfixLoadCellChangedWrongState = 1406
    headfixAutoTare = 1411
    headFixationForceDetectorChanged = 1421
    trialAnimalSeen = 1501
    trialRightHandSeen = 1502
    trialPelletSeen = 1503
    headfixBaselineChanged = 1601
    autoClampEnabledChanged = 1611
    autoClampIntensityChanged = 1612
    autoClampReleaseToneFreqChanged = 1613
    autoClampReleaseDelayChanged = 1614
    autoClampEngaged = 1621
    autoClampPreDisengage = 1622
    autoClampPlayReleaseTone = 1623
    autoClampDisengaged = 1624
    intertrialSegmentationBegin = 1701
    intertrialSegmentationEnd = 1702
    intertrialSegmentationError = 1703
    intertrialSegmentationSave = 1704
    intertrialSegmentationSaveError = 1705
    intertrialDetectionBegin = 1711
    intertrialDetectionEnd = 1712
    intertrialDetectionError = 1713
    intertrialDetectionSave = 1714
    intertrialDetectionSaveError = 1715
    intertrialResponse = 1720
    pelletPresentedCountChanged = 1800
    pelletConsumedCountChanged = 1802
    reachCountChanged = 1803
    successfulReachesCountChanged = 1804
    dayStarted = 1811
    dayPelletPresentedCountChanged = 1812
    dayPelletConsumedCountChanged = 1813
    dayReachCountChanged = 1814
    daySuccessfulReachesCountChanged = 1815
    trialPelletPresented = 1901
    trialReachEvents = 1911
    intertrialPelletShift = 1921
    deviceCommandSend = 2001
    deviceCommandAcknowledge = 2002
    loadCellEngagedChanged = 4001
    headbarPressureEngagedChanged = 4011
    trainingModeChanged = 5001
    trainingPlanLoad = 5101
    trainingPhaseEnter = 5201
    trainingPhaseExit = 5202
    trainingProgressUpdate = 5501
    protocolEvent = 5801
    protocolPlanEvent = 5811
    protocolPhaseEvent = 5821
    protocolPredicateEvent = 5831
    protocolActionEvent = 5841
    protocolProgressEvent = 5851
    detectorChanged = 6001
    alarmChanged = 6501
    animalCreated = 7001
    animalUpdated = 7002
    animalSelected = 7003
    unknown = 999999


STABLE_SINCE_0_9_7: frozenset[int] = frozenset(
    {101, 102, 201, 202, 501, 1001, 1002, 1101, 1102, 1202, 1203, 1205, 1206, 1208, 1209, 1211, 1212, 1214, 1215,
     1601, 2001, 2002, 4001, 4011, 5001, 5101, 5201, 5202, 5501}
)
"""Kinds whose number means the same in 0.9.7 and 0.12.0 (§6)."""

RENUMBERED_IN = PackageVersion.parse("0.9.18")
PROJECT_TRIAL_SINCE = PackageVersion.parse("0.10.0")


def kind_name(kind: int, version: PackageVersion | None) -> str:
    """The name of `kind` as a device of `version` means it (None: a device not yet heard, read as current)."""
    if version is not None and version < RENUMBERED_IN and kind not in STABLE_SINCE_0_9_7:
        return f"kind {kind} (legacy)"
    if kind == EventKind.projectTrialChanged and version is not None and version < PROJECT_TRIAL_SINCE:
        return "projectSessionChanged"
    try:
        return EventKind(kind).name
    except ValueError:
        return f"kind {kind} (unknown)"


def current_kind(kind: int, version: PackageVersion | None) -> EventKind | None:
    """The 0.12 kind this number stands for on a device of `version`, or None when it cannot be trusted.

    The model acts only on kinds it can trust: a renumbered kind of an old device is shown, never acted on.
    """
    if version is not None and version < RENUMBERED_IN and kind not in STABLE_SINCE_0_9_7:
        return None
    if kind == EventKind.projectTrialChanged and version is not None and version < PROJECT_TRIAL_SINCE:
        return None
    try:
        return EventKind(kind)
    except ValueError:
        return None
