"""The simulated Smart Shooter application: its cameras, photos and options, and what each
request does to them (cameras.md §4, §10).

Requests are answered by `handle(msg_id, fields)`, which returns the reply's extra fields
or raises `Refused` (the reply then says `msg_result:false`). What happens afterwards
(a shot, a download) runs as a task and reports itself through `publish`, the way the real
application's events follow its replies. Enumerated values in requests are matched
without regard to case, like the real application (client scripts send `half`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.sim.cameras.camera_catalog import CATALOGUE, CameraModelSpec, model_for
from backend.sim.cameras.photo_files import render_jpeg, write_copies, write_photo
from backend.sim.cameras.rig_faults import RigFaults
from backend.sim.cameras.simulated_camera import SimulatedCamera

log = logging.getLogger(__name__)

Publish = Callable[[str, dict[str, Any]], None]

UNAVAILABLE = ("Absent", "Lost", "Disconnected")
DEFAULT_EXPRESSION = "SSP_[S]_[I]"


class Refused(Exception):
    """The request cannot be done; the reply says msg_result:false."""


@dataclass(slots=True)
class SimulatedPhoto:
    key: str
    camera: SimulatedCamera
    info: dict[str, Any]
    path: Path | None = None


@dataclass(slots=True)
class Timing:
    capture_delay: float = 0.2
    download_delay: float = 0.3
    download_rate: float = 42.0
    """MB/s, reported as CameraDownloadRate."""
    reuse_images: bool = False
    """Render one JPEG per camera and copy it for every photo (benchmarks), instead of one per photo."""


def _match(value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """The choice equal to `value` without regard to case; `Refused` if none."""
    text = str(value).strip().lower()
    for choice in choices:
        if choice.lower() == text:
            return choice
    raise Refused(f"{value!r} is not one of {', '.join(choices)}")


class SimulatedApp:
    """A rig of N cameras and its session of photos."""

    def __init__(
        self,
        cameras: int,
        photos_dir: Path,
        publish: Publish,
        faults: RigFaults,
        *,
        version: int = 5,
        timing: Timing | None = None,
        groups: int = 4,
        models: tuple[CameraModelSpec, ...] = CATALOGUE,
        first_serial: int | None = None,
    ) -> None:
        self.photos_dir = photos_dir
        self.publish = publish
        self.faults = faults
        self.version = version
        self.timing = timing or Timing()
        self.cameras: dict[str, SimulatedCamera] = {}
        for index in range(cameras):
            spec, serial = model_for(index, models, first_serial)
            camera = SimulatedCamera.build(
                spec, serial, index, group=f"Ring {index % groups + 1}" if groups else "", powersource="AC" if index % 5 == 4 else "Battery"
            )
            self.cameras[camera.key] = camera
        self.photos: dict[str, SimulatedPhoto] = {}
        self.options: dict[str, Any] = {
            "FilenameExpression": DEFAULT_EXPRESSION,
            "PhotoSessionName": "Session",
            "PhotoSessionNum": 1,
            "UniqueTag": "",
            "Barcode": "",
            "DefaultStorage": "Disk",
            "DefaultControlMode": "App",
            "DefaultFocusMode": "Not set",
            "DefaultLiveviewFPS": 10,
            "DefaultVideoFPS": 30,
            "AutoConnect": True,
            "AutoSynchroniseTime": False,
            "AutoScanBarcode": False,
            "FilterBarcodeScanning": False,
            "BarcodeCameraFilter": "",
            "ResetSequenceNumOnEdit": False,
            "ResetBatchNumOnEdit": False,
            "DownloadPath": str(photos_dir),
            "FallbackPath": str(photos_dir / "fallback"),
            "PhotoSequenceNum": 1,
            "PhotoBatchNum": 1,
        }
        if version >= 5:
            self.options["AllowSpacesInFilename"] = False
        self.started = dt.datetime.now()
        self.tasks: set[asyncio.Task[None]] = set()
        self._reused: dict[str, bytes] = {}
        self.on_shutdown: Callable[[], None] = lambda: None

    # --- whole-state views ---------------------------------------------------------------

    def camera_info(self, camera: SimulatedCamera) -> dict[str, Any]:
        return camera.info(self.version, integer_trigger_index=self.faults.integer_trigger_index, download_rate=self.timing.download_rate)

    def node_info(self) -> dict[str, Any]:
        return {
            "NodeKey": "local",
            "NodeName": "camera-pc",
            "NodeVersion": f"v{self.version}.3" if self.version >= 5 else "v4.28",
            "NodePlatform": "Windows",
            "NodeDiskSpace": 512_000,
            "NodeUpTime": int((dt.datetime.now() - self.started).total_seconds()),
        }

    def snapshot(self) -> dict[str, Any]:
        return {
            "OptionsInfo": dict(self.options),
            "NodeInfo": [self.node_info()],
            "CameraInfo": [self.camera_info(c) for c in self.cameras.values()],
            "PhotoInfo": [p.info for p in self.photos.values()],
        }

    # --- requests ------------------------------------------------------------------------

    def handle(self, msg_id: str, request: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, f"_on_{msg_id}", None)
        if handler is None:
            raise Refused(f"unknown request {msg_id}")
        return handler(request) or {}

    def _on_Synchronise(self, _request: dict) -> dict:
        return self.snapshot()

    def _on_GetCamera(self, request: dict) -> dict:
        return {"CameraInfo": [self.camera_info(c) for c in self.select_cameras(request, available_only=False)]}

    def _on_DetectCameras(self, _request: dict) -> None:
        for camera in self.cameras.values():
            if camera.status in ("Absent", "Lost"):
                self.set_status(camera, "Ready" if self.options["AutoConnect"] else "Disconnected")

    def _on_Connect(self, request: dict) -> None:
        for camera in self.select_cameras(request, available_only=False):
            if camera.status == "Disconnected":
                self.set_status(camera, "Ready")

    def _on_Disconnect(self, request: dict) -> None:
        for camera in self.select_cameras(request):
            self.set_status(camera, "Disconnected")

    def _on_Shoot(self, request: dict) -> None:
        cameras = [c for c in self.select_cameras(request) if c.status == "Ready"]
        if not cameras:
            raise Refused("no camera is ready")
        sequence, batch = self.options["PhotoSequenceNum"], self.options["PhotoBatchNum"]
        self.options["PhotoSequenceNum"] = sequence + 1
        origin = str(request.get("PhotoOrigin") or "api")
        for camera in cameras:
            camera.status = "Busy"  # said in an event once the reply is out (§10.5)
            self.spawn(self._take_photo(camera, sequence, batch, origin))

    def _on_Reshoot(self, request: dict) -> None:
        for photo in self.select_photos(request):
            if photo.camera.status == "Ready":
                photo.camera.status = "Busy"
                reuse = photo.path.name if photo.path is not None else photo.info["PhotoComputedName"]  # §4: the same filename
                self.spawn(self._take_photo(photo.camera, photo.info["PhotoSequenceNum"], photo.info["PhotoBatchNum"], "api", reuse))

    def _on_Autofocus(self, request: dict) -> None:
        for camera in self.select_cameras(request):
            camera.autofocus_count += 1
            camera.focused = True
            self.publish("CameraUpdated", {**camera.selection(), "CameraIsFocused": True, "CameraNumAutofocus": camera.autofocus_count})

    def _on_Identify(self, request: dict) -> None:
        self.select_cameras(request)

    def _on_SetShutterButton(self, request: dict) -> None:
        button = _match(request.get("CameraShutterButton"), ("Off", "Half", "Full"))
        cameras = self.select_cameras(request)
        if button == "Full":
            self._on_Shoot(request)
        elif button == "Half":
            for camera in cameras:
                camera.focused = True
                self.publish("CameraUpdated", {**camera.selection(), "CameraIsFocused": True})

    def _on_SetProperty(self, request: dict) -> None:
        kind = _match(request.get("CameraPropertyType"), tuple(next(iter(self.cameras.values())).properties) if self.cameras else ())
        cameras = self.select_cameras(request)
        changes = []
        for camera in cameras:
            prop = camera.properties[kind]
            if not prop.writable:
                raise Refused(f"{kind} is not writable on {camera.display_name}")
            changes.append((camera, prop, _match(request.get("CameraPropertyValue"), prop.range)))
        for camera, prop, value in changes:
            prop.value = value
            self.publish("CameraUpdated", {**camera.selection(), "CameraPropertyInfo": camera.property_infos(self.version, [kind])})

    def _on_IncrementProperty(self, request: dict) -> None:
        kind = _match(request.get("CameraPropertyType"), tuple(next(iter(self.cameras.values())).properties) if self.cameras else ())
        step = _integer(request.get("CameraPropertyStep"))
        for camera in self.select_cameras(request):
            prop = camera.properties[kind]
            index = min(max(prop.range.index(prop.value) + step, 0), len(prop.range) - 1)
            prop.value = prop.range[index]
            self.publish("CameraUpdated", {**camera.selection(), "CameraPropertyInfo": camera.property_infos(self.version, [kind])})

    def _on_Download(self, request: dict) -> None:
        for photo in self.select_photos(request):
            if photo.info["PhotoLocation"] == "Camera":
                self.spawn(self._download(photo))

    def _on_Transfer(self, request: dict) -> None:
        self.select_photos(request)

    def _on_RenamePhoto(self, request: dict) -> None:
        name = str(request.get("PhotoComputedName") or "").strip()
        if not name or "/" in name or "\\" in name:
            raise Refused("PhotoComputedName must be a file name")
        for photo in self.select_photos(request):
            photo.info["PhotoComputedName"] = name
            self.publish("PhotoUpdated", {**_photo_selection(photo), "CameraKey": photo.camera.key, "PhotoComputedName": name})

    def _on_Delete(self, request: dict) -> None:
        delete_files = request.get("DeleteFiles") is True
        for photo in self.select_photos(request):
            del self.photos[photo.key]
            if delete_files and photo.path is not None:
                photo.path.unlink(missing_ok=True)
            self.publish("PhotoUpdated", {**_photo_selection(photo), "CameraKey": photo.camera.key, "PhotoLocation": "Deleted"})

    def _on_RenameCamera(self, request: dict) -> None:
        name = str(request.get("CameraName") or "")
        for camera in self.select_cameras(request, available_only=False):
            camera.name = name
            self.publish("CameraUpdated", {**camera.selection(), "CameraName": name})

    def _on_SetCameraGroup(self, request: dict) -> None:
        group = str(request.get("CameraGroup") or "")
        for camera in self.select_cameras(request, available_only=False):
            camera.group = group
            self.publish("CameraUpdated", {**camera.selection(), "CameraGroup": group})

    def _on_SetCameraTriggerIndex(self, request: dict) -> None:
        index = _integer(request.get("CameraTriggerIndex"))
        if not 0 <= index <= 100:
            raise Refused("CameraTriggerIndex must be 0–100")
        for camera in self.select_cameras(request, available_only=False):
            camera.trigger_index = index
            value = index if self.faults.integer_trigger_index else str(index)
            self.publish("CameraUpdated", {**camera.selection(), "CameraTriggerIndex": value})

    def _on_SetSequenceNum(self, request: dict) -> None:
        self._set_options({"PhotoSequenceNum": _integer(request.get("PhotoSequenceNum"))})

    def _on_SetBatchNum(self, request: dict) -> None:
        self._set_options({"PhotoBatchNum": _integer(request.get("PhotoBatchNum"))})

    def _on_SyncBatchNum(self, _request: dict) -> None:
        for camera in self.cameras.values():
            camera.batch_num = self.options["PhotoBatchNum"]
            self.publish("CameraUpdated", {**camera.selection(), "PhotoBatchNum": camera.batch_num})

    def _on_SetOptions(self, request: dict) -> None:
        changes = {k: v for k, v in request.items() if k in self.options}
        if "DefaultStorage" in changes:
            changes["DefaultStorage"] = _match(changes["DefaultStorage"], ("Disk", "Card", "Both"))
        self._set_options(changes)

    def _set_options(self, changes: dict[str, Any]) -> None:
        self.options.update(changes)
        self.publish("OptionsUpdated", changes)

    def _enable(self, request: dict, attribute: str, field_name: str) -> None:
        enable = request.get("Enable") is True or str(request.get("Enable")).lower() == "true"
        for camera in self.select_cameras(request):
            setattr(camera, attribute, enable)
            self.publish("CameraUpdated", {**camera.selection(), field_name: enable})

    def _on_EnableLiveview(self, request: dict) -> None:
        self._enable(request, "liveview", "CameraLiveviewIsEnabled")

    def _on_EnableLiveviewZoom(self, request: dict) -> None:
        self._enable(request, "liveview_zoom", "CameraLiveviewZoomIsEnabled")

    def _on_EnableLiveviewDOF(self, request: dict) -> None:
        self._enable(request, "liveview_dof", "CameraLiveviewDOFIsEnabled")

    def _on_EnableVideo(self, request: dict) -> None:
        self._enable(request, "video", "CameraVideoIsEnabled")

    def _on_LiveviewFPS(self, request: dict) -> None:
        self.select_cameras(request)

    def _on_LiveviewFocus(self, request: dict) -> None:
        _match(request.get("CameraLiveviewFocusStep"), ("Near1", "Near2", "Near3", "Far1", "Far2", "Far3"))
        self.select_cameras(request)

    def _on_LiveviewPosition(self, request: dict) -> None:
        self.select_cameras(request)

    def _on_PowerZoomPosition(self, request: dict) -> None:
        position = _integer(request.get("CameraPowerZoomPosition"))
        if not 0 <= position <= 100:
            raise Refused("CameraPowerZoomPosition must be 0–100")
        for camera in self.select_cameras(request):
            camera.zoom_position = position
            self.publish("CameraUpdated", {**camera.selection(), "CameraPowerZoomPosition": position, "CameraPowerZoomTarget": -1})

    def _on_PowerZoomDirection(self, request: dict) -> None:
        _match(request.get("CameraPowerZoomDirection"), ("Tele1", "Tele2", "Tele3", "Wide1", "Wide2", "Wide3"))
        self.select_cameras(request)

    def _on_PowerZoomStop(self, request: dict) -> None:
        self.select_cameras(request)

    def _on_EngageLatch(self, request: dict) -> None:
        self.select_cameras(request)

    def _on_ReleaseLatch(self, _request: dict) -> None:
        pass

    def _on_CancelLatch(self, _request: dict) -> None:
        pass

    def _on_EngageTrigger(self, request: dict) -> None:
        self.select_cameras(request)

    def _on_ReleaseTrigger(self, _request: dict) -> None:
        pass

    def _on_CancelTrigger(self, _request: dict) -> None:
        pass

    def _on_SyncClocks(self, _request: dict) -> None:
        pass

    def _on_CheckClocks(self, _request: dict) -> None:
        pass

    def _on_Format(self, _request: dict) -> None:
        for photo in [p for p in self.photos.values() if p.info["PhotoLocation"] == "Camera"]:
            del self.photos[photo.key]
            self.publish("PhotoUpdated", {**_photo_selection(photo), "CameraKey": photo.camera.key, "PhotoLocation": "Deleted"})

    def _on_RelayCustomText(self, request: dict) -> None:
        self.publish("RelayCustomText", {"CustomText": str(request.get("CustomText", ""))})

    def _on_ActivateLicense(self, request: dict) -> None:
        if not str(request.get("ActivationCode") or "").strip():
            raise Refused("no ActivationCode")

    def _on_DeactivateLicense(self, _request: dict) -> None:
        pass

    def _on_Shutdown(self, _request: dict) -> None:
        asyncio.get_running_loop().call_later(0.05, self.on_shutdown)

    # --- selection -----------------------------------------------------------------------

    def select_cameras(self, request: dict, *, available_only: bool = True) -> list[SimulatedCamera]:
        mode = _match(request.get("CameraSelection", "All"), ("All", "Single", "Multiple", "Group"))
        if mode == "All":
            chosen = list(self.cameras.values())
        elif mode == "Single":
            chosen = [self._camera(request.get("CameraKey"))]
        elif mode == "Multiple":
            keys = request.get("CameraKeys")
            if not isinstance(keys, list) or not keys:
                raise Refused("CameraKeys must be a list of keys")
            chosen = [self._camera(key) for key in keys]
        else:
            group = str(request.get("CameraGroup") or "")
            chosen = [c for c in self.cameras.values() if c.group.lower() == group.lower()]
            if not chosen:
                raise Refused(f"no camera in group {group!r}")
        if available_only:
            if mode in ("Single", "Multiple") and any(c.status in UNAVAILABLE for c in chosen):
                raise Refused("camera not available")
            chosen = [c for c in chosen if c.status not in UNAVAILABLE]
        return chosen

    def _camera(self, key: Any) -> SimulatedCamera:
        camera = self.cameras.get(key) if isinstance(key, str) else None
        if camera is None:
            raise Refused(f"no camera {key!r}")
        return camera

    def select_photos(self, request: dict) -> list[SimulatedPhoto]:
        mode = _match(request.get("PhotoSelection", "All"), ("All", "Single", "Multiple"))
        if mode == "All":
            return list(self.photos.values())
        keys = [request.get("PhotoKey")] if mode == "Single" else request.get("PhotoKeys")
        if not isinstance(keys, list) or not keys:
            raise Refused("PhotoKeys must be a list of keys")
        missing = [k for k in keys if k not in self.photos]
        if missing:
            raise Refused(f"no photo {missing[0]!r}")
        return [self.photos[k] for k in keys]

    # --- what follows a request ----------------------------------------------------------

    def spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Simulated rig task failed", exc_info=task.exception())

    def set_status(self, camera: SimulatedCamera, status: str) -> None:
        camera.status = status
        self.publish("CameraUpdated", {**camera.selection(), "CameraStatus": status})

    async def _take_photo(self, camera: SimulatedCamera, sequence: int, batch: int, origin: str, reuse_name: str | None = None) -> None:
        """Runs after the request's reply was sent: reply, then Busy, then the five events of §5."""
        self.publish("CameraUpdated", {**camera.selection(), "CameraStatus": "Busy"})
        await asyncio.sleep(self.timing.capture_delay)
        if camera.status != "Busy":
            return  # lost during the shot
        camera.batch_num = batch
        if self.faults.failed_shot:
            camera.failed += 1
            camera.status = "Ready"
            self.publish("CameraUpdated", {**camera.selection(), **camera.counters()})
            return
        self._drain_battery(camera, 0.2)
        photo = self._new_photo(camera, sequence, batch, origin)
        if reuse_name is not None:
            photo.info["PhotoComputedName"] = reuse_name
        on_camera = dict(photo.info)  # as taken: on the card, no file name yet (§5, event 1)
        card_only = self.options["DefaultStorage"] == "Card"
        if not card_only:
            await asyncio.sleep(self.timing.download_delay)
            written = await self._write(photo, overwrite=reuse_name is not None)
        camera.taken += 1
        camera.status = "Ready"
        # The observed v5 order, on consecutive sequence numbers (§5).
        self.publish("PhotoUpdated", on_camera)
        if card_only:
            self.publish("CameraUpdated", {**camera.selection(), **camera.counters(), **camera.power()})
            return
        if written:
            camera.downloads += 1
        else:
            camera.downloads_failed += 1
        self.publish("CameraUpdated", {**camera.selection(), **camera.counters(), **camera.power()})
        self.publish("OptionsUpdated", {"PhotoSequenceNum": self.options["PhotoSequenceNum"], "PhotoBatchNum": self.options["PhotoBatchNum"]})
        if written:
            self.publish("PhotoUpdated", dict(photo.info))
        self.publish("NodeUpdated", self.node_info())

    async def _download(self, photo: SimulatedPhoto) -> None:
        await asyncio.sleep(self.timing.download_delay)
        if photo.key not in self.photos:
            return
        written = await self._write(photo)
        camera = photo.camera
        if written:
            camera.downloads += 1
        else:
            camera.downloads_failed += 1
        self.publish("CameraUpdated", {**camera.selection(), **camera.counters()})
        if written:
            self.publish("PhotoUpdated", dict(photo.info))

    async def _write(self, photo: SimulatedPhoto, *, overwrite: bool = False) -> bool:
        """Write the photo's JPEG (over a file of that name when `overwrite`: a Reshoot); False
        (a failed download) under the fault or a disk error."""
        if self.faults.download_failure:
            return False
        name = photo.info["PhotoComputedName"]
        path = self.photos_dir / name if overwrite else self._free_path(name)
        lines = [photo.camera.display_name, photo.info["PhotoComputedName"], photo.info["PhotoDateCaptured"]]
        try:
            if self.timing.reuse_images:
                size = await asyncio.to_thread(self._write_reused, path, photo.camera)
            else:
                size = await asyncio.to_thread(write_photo, path, photo.camera.index, lines)
        except OSError as error:
            log.warning("Simulated rig could not write %s: %s", path, error)
            return False
        photo.path = path
        photo.info.update(PhotoLocation="Local Disk", PhotoFilesize=size, PhotoName=path.name)
        if self.version >= 5:
            photo.info["PhotoFilename"] = str(path)
        return True

    def _write_reused(self, path: Path, camera: SimulatedCamera) -> int:
        """One JPEG per camera, rendered once and copied (worker thread): for benchmarks, whose
        subject is Switchboard, not the simulator's JPEG encoder sharing its CPU."""
        data = self._reused.get(camera.key)
        if data is None:
            data = self._reused[camera.key] = render_jpeg(camera.index, [camera.display_name, "benchmark photo"])
        write_copies([path], data)
        return len(data)

    def _free_path(self, name: str) -> Path:
        path = self.photos_dir / name
        counter = 2
        while path.exists():
            path = self.photos_dir / f"{Path(name).stem}_{counter}{Path(name).suffix}"
            counter += 1
        return path

    def _new_photo(self, camera: SimulatedCamera, sequence: int, batch: int, origin: str) -> SimulatedPhoto:
        key = str(uuid.uuid4())
        name = self.computed_name(camera, sequence, batch)
        info = {
            "PhotoSelection": "Single",
            "PhotoKey": key,
            "CameraKey": camera.key,
            "NodeKey": "local",
            "PhotoLocation": "Camera",
            "PhotoUUID": key,
            "PhotoOriginalName": f"DSC_{camera.taken:04d}.JPG",
            "PhotoComputedName": name,
            "PhotoDateCaptured": dt.datetime.now().strftime("%Y%m%d %H:%M:%S.%f")[:-3],
            "PhotoOrigin": origin,
            "PhotoFormat": "JPEG",
            "PhotoOrientation": "None",
            "PhotoWidth": 720,
            "PhotoHeight": 480,
            "PhotoAperture": camera.properties["Aperture"].value,
            "PhotoShutterSpeed": camera.properties["ShutterSpeed"].value,
            "PhotoISO": camera.properties["ISO"].value,
            "PhotoFocalLength": "50mm",
            "PhotoFilesize": 0,
            "PhotoIsImage": True,
            "PhotoIsHidden": False,
            "PhotoIsScanned": False,
            "PhotoHash": key[:8].upper(),
            "PhotoBarcode": "",
            "PhotoSequenceNum": sequence,
            "PhotoBatchNum": batch,
            "PhotoSessionNum": self.options["PhotoSessionNum"],
            "PhotoSessionName": self.options["PhotoSessionName"],
        }
        photo = SimulatedPhoto(key, camera, info)
        self.photos[key] = photo
        return photo

    def computed_name(self, camera: SimulatedCamera, sequence: int, batch: int) -> str:
        """`FilenameExpression` with [S] sequence, [B] batch, [I] trigger index, [C] camera name."""
        tokens = {"S": str(sequence), "B": str(batch), "I": str(camera.trigger_index), "C": camera.display_name}
        name = re.sub(r"\[([SBIC])\]", lambda m: tokens[m.group(1)], str(self.options["FilenameExpression"]))
        if not self.options.get("AllowSpacesInFilename", False):
            name = name.replace(" ", "_")
        name = re.sub(r"[^\w.\-]", "_", name)
        return f"{name}.jpg"

    def _drain_battery(self, camera: SimulatedCamera, percent: float) -> None:
        if camera.powersource == "Battery":
            camera.battery = max(0.0, camera.battery - percent)

    def drain_batteries(self, percent: float) -> None:
        """The slow drain of every battery-powered camera; publishes the level when it changes."""
        for camera in self.cameras.values():
            before = round(camera.battery)
            self._drain_battery(camera, percent)
            if round(camera.battery) != before:
                self.publish("CameraUpdated", {**camera.selection(), **camera.power()})

    async def prefill(self, count: int) -> None:
        """A session of `count` photos already on disk (for large `Synchronise` replies)."""
        cameras = list(self.cameras.values())
        if not cameras or count <= 0:
            return
        samples = {c.key: await asyncio.to_thread(render_jpeg, c.index, [c.display_name, "earlier session"], (240, 160), 70) for c in cameras}
        paths: dict[str, list[Path]] = {c.key: [] for c in cameras}
        for number in range(count):
            camera = cameras[number % len(cameras)]
            sequence = number // len(cameras) + 1
            photo = self._new_photo(camera, sequence, 0, "ui")
            path = self.photos_dir / "earlier" / photo.info["PhotoComputedName"].replace(".jpg", f"_{number}.jpg")
            photo.path = path
            photo.info.update(PhotoLocation="Local Disk", PhotoName=path.name, PhotoFilesize=len(samples[camera.key]), PhotoWidth=240, PhotoHeight=160)
            if self.version >= 5:
                photo.info["PhotoFilename"] = str(path)
            paths[camera.key].append(path)
        for key, files in paths.items():
            await asyncio.to_thread(write_copies, files, samples[key])


def _photo_selection(photo: SimulatedPhoto) -> dict[str, Any]:
    return {"PhotoSelection": "Single", "PhotoKey": photo.key}


def _integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 reads as infinity
        raise Refused(f"{value!r} is not a whole number") from None
