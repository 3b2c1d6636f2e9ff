"""Knowing when a shot is done: the reply to `Shoot` only acknowledges it (cameras.md §8).

A shot of one camera is complete when that camera's `CameraUpdated` says `Ready` and a
`PhotoUpdated` for a new photo of that camera arrives on `Local Disk` with a file name
(§9). When the rig keeps photos on the card (`DefaultStorage: Card`) no file ever reaches
the disk, so there a new photo on the `Camera` is enough. A camera that goes `Error`,
`Lost`, `Absent` or `Disconnected`, or whose failed-photo counter rises, has failed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from backend.cameras.rig_model import RigModel
from backend.cameras.wire import CameraStatus, PhotoLocation

FAILED_STATUSES = {CameraStatus.ERROR, CameraStatus.LOST, CameraStatus.ABSENT, CameraStatus.DISCONNECTED}


@dataclass(slots=True)
class ShotResult:
    """What one `Shoot` produced: the new photo per camera, and a sentence per camera that failed."""

    rig: str
    photos: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def sentence(self) -> str:
        done = f"Rig {self.rig!r}: {len(self.photos)} photo{'s' if len(self.photos) != 1 else ''} taken"
        if not self.failures:
            return done
        return done + "; " + "; ".join(self.failures.values())


class ShotWatch:
    """Follows one `Shoot` of some cameras through the events until each is done or failed."""

    def __init__(self, model: RigModel, camera_keys: list[str]) -> None:
        self.model = model
        self.result = ShotResult(model.name)
        self.pending = set(camera_keys)
        self._ready: set[str] = set()
        self._failed_before = {key: model.cameras[key].counter("CameraNumPhotosFailed") for key in camera_keys if key in model.cameras}
        self._photos_before = set(model.photos)
        self._card_only = str(model.options.get("DefaultStorage", "")).lower() == "card"
        self.done = asyncio.Event()
        if not self.pending:
            self.done.set()

    def on_camera(self, info: dict) -> None:
        key = info.get("CameraKey")
        if not isinstance(key, str) or key not in self.pending:  # a list is no key (and unhashable)
            return
        status = info.get("CameraStatus")
        if not isinstance(status, str):
            status = None
        failed = info.get("CameraNumPhotosFailed")
        if isinstance(failed, int) and failed > self._failed_before.get(key, 0):
            self._fail(key, "failed to take the photo")
        elif status in FAILED_STATUSES:
            self._fail(key, f"went {status} during the shot")
        elif status == CameraStatus.READY:
            self._ready.add(key)
            self._check(key)

    def on_photo(self, info: dict) -> None:
        """Called after the model merged `info`: the photo is judged as merged so far, because a
        `PhotoUpdated` is a partial delta (§5) that need not repeat its `CameraKey`."""
        photo_key = info.get("PhotoKey")
        if not isinstance(photo_key, str) or photo_key in self._photos_before:
            return
        photo = self.model.photos.get(photo_key)
        if photo is None or photo.camera_key not in self.pending:
            return
        if photo.on_disk or (self._card_only and photo.location == PhotoLocation.CAMERA):
            self.result.photos[photo.camera_key] = photo_key
            self._check(photo.camera_key)

    def time_out(self, seconds: float) -> None:
        for key in sorted(self.pending):
            what = "no photo reached the disk" if key in self._ready else "did not return to Ready"
            self.result.failures[key] = f"{self.model.describe_camera(key)}: {what} within {seconds:g} s of Shoot"
        self.pending.clear()
        self.done.set()

    def give_up(self, why: str) -> None:
        """End the watch now (the client stops): each camera still pending fails with `why`."""
        for key in sorted(self.pending):
            self.result.failures[key] = f"{self.model.describe_camera(key)}: {why}"
        self.pending.clear()
        self.done.set()

    def _fail(self, key: str, what: str) -> None:
        self.result.failures[key] = f"{self.model.describe_camera(key)} {what}"
        self.pending.discard(key)
        self.result.photos.pop(key, None)
        if not self.pending:
            self.done.set()

    def _check(self, key: str) -> None:
        if key in self._ready and key in self.result.photos:
            self.pending.discard(key)
            if not self.pending:
                self.done.set()
