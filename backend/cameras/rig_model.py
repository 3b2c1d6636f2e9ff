"""What Switchboard knows about one rig, merged from `Synchronise` and partial events.

Events are partial deltas (cameras.md §5, §8): each is merged into what is stored, by key,
never put in its place. Cameras merge by `CameraKey` field by field, their
`CameraPropertyInfo[]` by `CameraPropertyType`; photos merge by `PhotoKey`; options and
nodes field by field. Unknown fields are kept, so nothing the app sends is lost.

Observers are told which keys changed (plain `Signal`s); the GUI coalesces them into
repaints, so a burst of 200 cameras' events costs one repaint, not 200.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from backend.cameras.wire import CameraStatus, PhotoLocation
from backend.observable import Signal

UNAVAILABLE = {CameraStatus.ABSENT, CameraStatus.LOST, CameraStatus.DISCONNECTED}


@dataclass(slots=True)
class CameraProperty:
    """One exposure or mode setting of a camera, with the values it may take."""

    type: str
    value: str = ""
    writable: bool = False
    range: tuple[str, ...] = ()

    def merge(self, info: dict[str, Any]) -> None:
        if "CameraPropertyValue" in info:
            self.value = _text(info["CameraPropertyValue"])
        if "CameraPropertyIsWriteable" in info:
            self.writable = bool(info["CameraPropertyIsWriteable"])
        if isinstance(info.get("CameraPropertyRange"), list):
            self.range = tuple(_text(item) for item in info["CameraPropertyRange"])


@dataclass(slots=True)
class Camera:
    """One camera as the app last described it: every field it sent, and its properties."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, CameraProperty] = field(default_factory=dict)

    def merge(self, info: dict[str, Any]) -> None:
        for name, value in info.items():
            if name == "CameraPropertyInfo":
                self._merge_properties(value)
            elif not name.startswith("msg_"):
                self.fields[name] = value

    def _merge_properties(self, infos: Any) -> None:
        if not isinstance(infos, list):
            return
        for info in infos:
            if isinstance(info, dict) and isinstance(info.get("CameraPropertyType"), str):
                kind = info["CameraPropertyType"]
                self.properties.setdefault(kind, CameraProperty(kind)).merge(info)

    @property
    def name(self) -> str:
        return _text(self.fields.get("CameraName")) or self.label

    @property
    def label(self) -> str:
        """Model and serial, the way an operator tells two cameras apart: "D850 #3119826"."""
        model = _text(self.fields.get("CameraModel")) or self.key.split("|")[-2:][0]
        serial = _text(self.fields.get("CameraSerialNumber")) or self.key.rsplit("|", 1)[-1]
        return f"{model} #{serial}"

    @property
    def status(self) -> str:
        return _text(self.fields.get("CameraStatus")) or "Unknown"

    @property
    def available(self) -> bool:
        return self.status not in UNAVAILABLE

    @property
    def group(self) -> str:
        return _text(self.fields.get("CameraGroup"))

    @property
    def model(self) -> str:
        return _text(self.fields.get("CameraModel"))

    @property
    def serial(self) -> str:
        return _text(self.fields.get("CameraSerialNumber"))

    @property
    def battery(self) -> int | None:
        return _whole(self.fields.get("CameraBatterylevel"))

    def property_value(self, kind: str) -> str:
        prop = self.properties.get(kind)
        return prop.value if prop else ""

    def counter(self, name: str) -> int:
        return _whole(self.fields.get(name)) or 0


@dataclass(slots=True)
class Photo:
    """One photo the app lists, on a camera card or on the local disk."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)

    def merge(self, info: dict[str, Any]) -> None:
        for name, value in info.items():
            if not name.startswith("msg_"):
                self.fields[name] = value

    @property
    def camera_key(self) -> str:
        return _text(self.fields.get("CameraKey"))

    @property
    def location(self) -> str:
        return _text(self.fields.get("PhotoLocation"))

    @property
    def on_disk(self) -> bool:
        return self.location == PhotoLocation.LOCAL_DISK and bool(self.filename)

    @property
    def filename(self) -> str:
        """The full path (v5.3 `PhotoFilename`), else the name (v4 `PhotoName`)."""
        return _text(self.fields.get("PhotoFilename")) or _text(self.fields.get("PhotoName"))

    @property
    def display_name(self) -> str:
        for name in ("PhotoComputedName", "PhotoName", "PhotoOriginalName"):
            text = _text(self.fields.get(name))
            if text:
                return text.replace("\\", "/").rsplit("/", 1)[-1]
        return self.key


class RigModel:
    """Cameras, photos, options and nodes of one rig, with change signals by key."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cameras: dict[str, Camera] = {}
        self.photos: dict[str, Photo] = {}
        self.options: dict[str, Any] = {}
        self.nodes: dict[str, dict[str, Any]] = {}
        self.liveview: dict[str, str] = {}
        """The latest live view frame per camera, still base64 (never decoded on the reader's side)."""
        self.link = "connecting"
        self.link_text = f"Rig {name!r}: connecting"
        self.cameras_changed: Signal[[list[str]]] = Signal("rig.cameras_changed")
        self.photos_changed: Signal[[list[str]]] = Signal("rig.photos_changed")
        """Keys of photos added or changed; a key no longer in `photos` was removed."""
        self.options_changed: Signal[[]] = Signal("rig.options_changed")
        self.nodes_changed: Signal[[]] = Signal("rig.nodes_changed")
        self.reset: Signal[[]] = Signal("rig.reset")
        """Emitted after a full `Synchronise` replaced what was known."""
        self.link_changed: Signal[[str, str]] = Signal("rig.link_changed")
        self.liveview_frame: Signal[[str]] = Signal("rig.liveview_frame")
        self.custom_text: Signal[[str]] = Signal("rig.custom_text")

    # --- merging -------------------------------------------------------------------------

    def merge_cameras(self, infos: Iterable[dict[str, Any]]) -> list[str]:
        """Merge `CameraInfo` objects (or `CameraUpdated` events); returns the changed keys."""
        changed = []
        for info in infos:
            key = info.get("CameraKey")
            if not isinstance(key, str) or not key:
                continue
            self.cameras.setdefault(key, Camera(key)).merge(info)
            changed.append(key)
        if changed:
            self.cameras_changed.emit(changed)
        return changed

    def merge_photos(self, infos: Iterable[dict[str, Any]]) -> list[str]:
        """Merge `PhotoInfo` objects; a photo whose location becomes `Deleted` leaves the list."""
        changed = []
        for info in infos:
            key = info.get("PhotoKey")
            if not isinstance(key, str) or not key:
                continue
            if info.get("PhotoLocation") == PhotoLocation.DELETED:
                self.photos.pop(key, None)
            else:
                self.photos.setdefault(key, Photo(key)).merge(info)
            changed.append(key)
        if changed:
            self.photos_changed.emit(changed)
        return changed

    def merge_options(self, info: dict[str, Any]) -> None:
        self.options.update({k: v for k, v in info.items() if not k.startswith("msg_")})
        self.options_changed.emit()

    def merge_nodes(self, infos: Iterable[dict[str, Any]]) -> None:
        for info in infos:
            key = _text(info.get("NodeKey")) or _text(info.get("NodeName")) or "local"
            self.nodes.setdefault(key, {}).update({k: v for k, v in info.items() if not k.startswith("msg_")})
        self.nodes_changed.emit()

    def replace(self, snapshot: dict[str, Any]) -> None:
        """Take a `Synchronise` reply as the whole truth: what it does not list is gone."""
        for _ in self.replace_stepwise(snapshot):
            pass

    def replace_stepwise(self, snapshot: dict[str, Any], step: int = 500) -> Iterator[None]:
        """`replace`, pausing (yielding) after every `step` photos, so a caller on the event
        loop can let other work run while a session of thousands of photos is merged.
        Observers hear of it once, at the end."""
        cameras = objects(snapshot.get("CameraInfo"))
        photos = objects(snapshot.get("PhotoInfo"))
        listed_cameras = {c.get("CameraKey") for c in cameras}
        for key in [k for k in self.cameras if k not in listed_cameras]:
            del self.cameras[key]
        for camera in cameras:
            key = camera.get("CameraKey")
            if isinstance(key, str) and key:
                self.cameras.setdefault(key, Camera(key)).merge(camera)
        merged: dict[str, Photo] = {}
        known_before = set(self.photos)
        for number, info in enumerate(photos, start=1):
            key = info.get("PhotoKey")
            if isinstance(key, str) and key and info.get("PhotoLocation") != PhotoLocation.DELETED:
                photo = merged[key] = self.photos.get(key) or Photo(key)
                photo.merge(info)
            if number % step == 0:
                yield
        # Events merged while this ran (between the pauses) are newer than the snapshot:
        # a photo they added stays, a photo they deleted stays gone.
        for key, photo in self.photos.items():
            if key not in known_before:
                merged.setdefault(key, photo)
        for key in known_before.difference(self.photos):
            merged.pop(key, None)
        self.photos = merged
        if isinstance(snapshot.get("OptionsInfo"), dict):
            self.options.update(snapshot["OptionsInfo"])
        self.nodes.clear()
        self.merge_nodes(objects(snapshot.get("NodeInfo")))
        self.options_changed.emit()
        self.reset.emit()

    def set_liveview(self, camera_key: str, image_base64: str) -> None:
        self.liveview[camera_key] = image_base64
        self.liveview_frame.emit(camera_key)

    def set_link(self, state: str, text: str) -> None:
        """Connection state: connecting, online, degraded, offline or refused, with a sentence."""
        if (state, text) != (self.link, self.link_text):
            self.link, self.link_text = state, text
            self.link_changed.emit(state, text)

    # --- reading -------------------------------------------------------------------------

    def camera_keys(self, *, group: str | None = None, available_only: bool = False) -> list[str]:
        return [
            key
            for key, camera in self.cameras.items()
            if (group is None or camera.group == group) and (not available_only or camera.available)
        ]

    def groups(self) -> list[str]:
        return sorted({c.group for c in self.cameras.values() if c.group})

    def photos_of(self, camera_key: str) -> list[Photo]:
        return [p for p in self.photos.values() if p.camera_key == camera_key]

    def describe_camera(self, key: str) -> str:
        """How an error sentence names a camera: its name and what it is."""
        camera = self.cameras.get(key)
        if camera is None:
            return f"camera {key}"
        if camera.fields.get("CameraName") and camera.name != camera.label:
            return f"camera {camera.name!r} ({camera.label})"
        return f"camera {camera.label}"

    def summary(self) -> dict[str, Any]:
        """Each camera and its photo count, as JSON for Switchboard's State on the bus.

        Cameras are a list, not an object keyed by camera key: keys hold dots and bars
        ("Canon Inc.|…"), which a State path could not name."""
        counts: dict[str, int] = {}
        for photo in self.photos.values():
            counts[photo.camera_key] = counts.get(photo.camera_key, 0) + 1
        return {
            "Link": self.link,
            "Cameras": [
                {
                    "Key": key,
                    "Name": camera.name,
                    "Model": camera.model,
                    "Group": camera.group,
                    "Status": camera.status,
                    "Battery": camera.battery,
                    "Photos": counts.get(key, 0),
                }
                for key, camera in self.cameras.items()
            ],
            "Photos": len(self.photos),
        }


def objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a list field such as `CameraInfo[]`; anything else (a number, a string,
    one object) holds none, rather than failing or being iterated character by character."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _whole(value: Any) -> int | None:
    """A number field as a whole number; None for text, booleans, and what JSON reads as
    infinite or not a number (`1e400`, `NaN`), which `int()` cannot take."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value)


def _text(value: Any) -> str:
    """A field as text: lenient about numbers where the docs promise strings (§8 type drift)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
