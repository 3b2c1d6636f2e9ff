"""One simulated camera: identity, status, power, counters and properties, as CameraInfo.

`info()` is the whole CameraInfo (for `Synchronise` and `GetCamera`); the simulator sends
only the fields that changed in events (cameras.md §5: events are partial).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.sim.cameras.camera_catalog import V5_ONLY_PROPERTIES, CameraModelSpec


@dataclass(slots=True)
class SimulatedProperty:
    value: str
    range: tuple[str, ...]
    writable: bool

    def info(self, kind: str) -> dict[str, Any]:
        return {
            "CameraPropertyType": kind,
            "CameraPropertyValue": self.value,
            "CameraPropertyIsWriteable": self.writable,
            "CameraPropertyRange": list(self.range),
        }


@dataclass(slots=True)
class SimulatedCamera:
    spec: CameraModelSpec
    serial: str
    index: int
    name: str = ""
    group: str = ""
    status: str = "Ready"
    battery: float = 100.0
    powersource: str = "Battery"
    taken: int = 0
    failed: int = 0
    downloads: int = 0
    downloads_failed: int = 0
    autofocus_count: int = 0
    focused: bool = False
    liveview: bool = False
    liveview_zoom: bool = False
    liveview_dof: bool = False
    video: bool = False
    zoom_position: int = 0
    trigger_index: int = 0
    batch_num: int = 0
    properties: dict[str, SimulatedProperty] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: CameraModelSpec, serial: str, index: int, *, group: str, powersource: str) -> SimulatedCamera:
        camera = cls(spec, serial, index, group=group, powersource=powersource, trigger_index=index)
        camera.properties = {kind: SimulatedProperty(p.value, p.range, p.writable) for kind, p in spec.properties.items()}
        return camera

    @property
    def key(self) -> str:
        return f"{self.spec.make}|{self.spec.model}|{self.serial}"

    @property
    def display_name(self) -> str:
        return self.name or f"{self.spec.model} #{self.serial}"

    def selection(self) -> dict[str, Any]:
        return {"CameraSelection": "Single", "CameraKey": self.key}

    def counters(self) -> dict[str, Any]:
        return {
            "CameraStatus": self.status,
            "CameraNumPhotosTaken": self.taken,
            "CameraNumPhotosFailed": self.failed,
            "CameraNumDownloadsComplete": self.downloads,
            "CameraNumDownloadsFailed": self.downloads_failed,
            "PhotoBatchNum": self.batch_num,
        }

    def power(self) -> dict[str, Any]:
        return {"CameraPowersource": self.powersource, "CameraBatterylevel": round(self.battery)}

    def property_infos(self, version: int, kinds: list[str] | None = None) -> list[dict[str, Any]]:
        return [
            prop.info(kind)
            for kind, prop in self.properties.items()
            if (kinds is None or kind in kinds) and (version >= 5 or kind not in V5_ONLY_PROPERTIES)
        ]

    def info(self, version: int, *, integer_trigger_index: bool, download_rate: float) -> dict[str, Any]:
        """The whole CameraInfo (§6)."""
        return {
            **self.selection(),
            "CameraName": self.name,
            "CameraGroup": self.group,
            "CameraTriggerIndex": self.trigger_index if integer_trigger_index else str(self.trigger_index),
            "CameraSerialNumber": self.serial,
            "CameraMake": self.spec.make,
            "CameraModel": self.spec.model,
            "NodeKey": "local",
            "CameraNumCards": 1,
            "CameraDateTimeOffset": 0,
            **self.power(),
            "CameraAutofocusIsSupported": True,
            "CameraIsFocused": self.focused,
            "CameraLiveviewIsSupported": True,
            "CameraLiveviewZoomIsSupported": True,
            "CameraLiveviewDOFIsSupported": True,
            "CameraLiveviewFocusIsSupported": True,
            "CameraLiveviewIsEnabled": self.liveview,
            "CameraLiveviewZoomIsEnabled": self.liveview_zoom,
            "CameraLiveviewDOFIsEnabled": self.liveview_dof,
            "CameraLiveviewNumFrames": 0,
            "CameraVideoIsSupported": True,
            "CameraVideoIsEnabled": self.video,
            "CameraVideoElapsedTime": 0,
            "CameraBulbIsSupported": True,
            "CameraBulbIsEnabled": False,
            "CameraDownloadRate": download_rate,
            "CameraNumAutofocus": self.autofocus_count,
            "CameraPowerZoomPosition": self.zoom_position,
            "CameraPowerZoomTarget": -1,
            **self.counters(),
            "CameraPropertyInfo": self.property_infos(version),
        }
