"""Every request of the External API v5.9 table (cameras.md §4), one method each.

The methods only name the request and its fields; `RigClient.command` sends it, waits for
the reply and turns `msg_result:false` into a sentence. `Synchronise`, `GetCamera` and
`Shoot` live on the client itself, because their replies or events change the model.
Enumerated values are sent exactly as the reference spells them (strict out).
"""

from __future__ import annotations

from typing import Any

from backend.cameras.wire import CameraSelection, Message, PhotoSelection, ShutterButton

ALL = CameraSelection.all()
ALL_PHOTOS = PhotoSelection.all()


class RigCommands:
    """The request methods; mixed into `RigClient`, which provides `command`."""

    async def command(self, msg_id: str, fields: dict[str, Any] | None = None, *, timeout: float | None = None) -> Message:
        raise NotImplementedError

    async def _cs(self, msg_id: str, cameras: CameraSelection, **fields: Any) -> Message:
        return await self.command(msg_id, {**cameras.fields(), **fields})

    async def _ps(self, msg_id: str, photos: PhotoSelection, **fields: Any) -> Message:
        return await self.command(msg_id, {**photos.fields(), **fields})

    # --- cameras -------------------------------------------------------------------------

    async def detect_cameras(self) -> Message:
        return await self.command("DetectCameras")

    async def connect_cameras(self, cameras: CameraSelection = ALL) -> Message:
        return await self._cs("Connect", cameras)

    async def disconnect_cameras(self, cameras: CameraSelection = ALL) -> Message:
        return await self._cs("Disconnect", cameras)

    async def autofocus(self, cameras: CameraSelection = ALL) -> Message:
        return await self._cs("Autofocus", cameras)

    async def identify(self, cameras: CameraSelection = ALL) -> Message:
        return await self._cs("Identify", cameras)

    async def set_shutter_button(self, cameras: CameraSelection, button: ShutterButton) -> Message:
        return await self._cs("SetShutterButton", cameras, CameraShutterButton=ShutterButton(button).value)

    async def set_property(self, cameras: CameraSelection, kind: str, value: str) -> Message:
        return await self._cs("SetProperty", cameras, CameraPropertyType=kind, CameraPropertyValue=str(value))

    async def increment_property(self, cameras: CameraSelection, kind: str, step: int) -> Message:
        return await self._cs("IncrementProperty", cameras, CameraPropertyType=kind, CameraPropertyStep=int(step))

    async def rename_camera(self, cameras: CameraSelection, name: str) -> Message:
        return await self._cs("RenameCamera", cameras, CameraName=name)

    async def set_camera_group(self, cameras: CameraSelection, group: str) -> Message:
        return await self._cs("SetCameraGroup", cameras, CameraGroup=group)

    async def set_camera_trigger_index(self, cameras: CameraSelection, index: int) -> Message:
        # Documented as a string 0–100 (§4); the field is sent as the documented string.
        return await self._cs("SetCameraTriggerIndex", cameras, CameraTriggerIndex=str(int(index)))

    # --- photos --------------------------------------------------------------------------

    async def reshoot(self, photos: PhotoSelection) -> Message:
        return await self._ps("Reshoot", photos)

    async def download(self, photos: PhotoSelection = ALL_PHOTOS) -> Message:
        return await self._ps("Download", photos)

    async def transfer(self, photos: PhotoSelection = ALL_PHOTOS) -> Message:
        return await self._ps("Transfer", photos)

    async def rename_photo(self, photos: PhotoSelection, computed_name: str) -> Message:
        return await self._ps("RenamePhoto", photos, PhotoComputedName=computed_name)

    async def delete_photos(self, photos: PhotoSelection, *, delete_files: bool) -> Message:
        """Dangerous with `delete_files` (§9): the caller confirms and audits first."""
        return await self._ps("Delete", photos, DeleteFiles=bool(delete_files))

    # --- numbering and options -----------------------------------------------------------

    async def set_sequence_num(self, number: int) -> Message:
        return await self.command("SetSequenceNum", {"PhotoSequenceNum": int(number)})

    async def set_batch_num(self, number: int) -> Message:
        return await self.command("SetBatchNum", {"PhotoBatchNum": int(number)})

    async def sync_batch_num(self) -> Message:
        return await self.command("SyncBatchNum")

    async def set_options(self, **changes: Any) -> Message:
        """Send only the `OptionsInfo` fields that change (§4)."""
        return await self.command("SetOptions", changes)

    # --- live view, video, zoom ----------------------------------------------------------

    async def enable_liveview(self, cameras: CameraSelection, enable: bool) -> Message:
        return await self._cs("EnableLiveview", cameras, Enable=bool(enable))

    async def enable_liveview_zoom(self, cameras: CameraSelection, enable: bool) -> Message:
        return await self._cs("EnableLiveviewZoom", cameras, Enable=bool(enable))

    async def enable_liveview_dof(self, cameras: CameraSelection, enable: bool) -> Message:
        return await self._cs("EnableLiveviewDOF", cameras, Enable=bool(enable))

    async def enable_video(self, cameras: CameraSelection, enable: bool) -> Message:
        return await self._cs("EnableVideo", cameras, Enable=bool(enable))

    async def liveview_fps(self, cameras: CameraSelection, fps: int, video_fps: int) -> Message:
        return await self._cs("LiveviewFPS", cameras, CameraLiveviewFPS=int(fps), CameraLiveviewVideoFPS=int(video_fps))

    async def liveview_focus(self, cameras: CameraSelection, step: str) -> Message:
        return await self._cs("LiveviewFocus", cameras, CameraLiveviewFocusStep=step)

    async def liveview_position(self, cameras: CameraSelection, x: int, y: int) -> Message:
        return await self._cs("LiveviewPosition", cameras, CameraLiveviewPositionX=int(x), CameraLiveviewPositionY=int(y))

    async def power_zoom_position(self, cameras: CameraSelection, position: int) -> Message:
        return await self._cs("PowerZoomPosition", cameras, CameraPowerZoomPosition=int(position))

    async def power_zoom_direction(self, cameras: CameraSelection, direction: str) -> Message:
        return await self._cs("PowerZoomDirection", cameras, CameraPowerZoomDirection=direction)

    async def power_zoom_stop(self, cameras: CameraSelection = ALL) -> Message:
        return await self._cs("PowerZoomStop", cameras)

    # --- latches, synchronised trigger, clocks -------------------------------------------

    async def engage_latch(self, cameras: CameraSelection, latch: int) -> Message:
        return await self._cs("EngageLatch", cameras, CameraLatchIndex=int(latch))

    async def release_latch(self, latch: int) -> Message:
        return await self.command("ReleaseLatch", {"CameraLatchIndex": int(latch)})

    async def cancel_latch(self, latch: int) -> Message:
        return await self.command("CancelLatch", {"CameraLatchIndex": int(latch)})

    async def engage_trigger(self, cameras: CameraSelection = ALL) -> Message:
        return await self._cs("EngageTrigger", cameras)

    async def release_trigger(self, interval_ms: int) -> Message:
        return await self.command("ReleaseTrigger", {"CameraTriggerInterval": int(interval_ms)})

    async def cancel_trigger(self) -> Message:
        return await self.command("CancelTrigger")

    async def sync_clocks(self, offset: int) -> Message:
        return await self.command("SyncClocks", {"CameraDateTimeOffset": int(offset)})

    async def check_clocks(self) -> Message:
        return await self.command("CheckClocks")

    # --- the application -----------------------------------------------------------------

    async def format_cards(self) -> Message:
        """Formats the cards in every camera (§8): the caller confirms and audits first."""
        return await self.command("Format")

    async def relay_custom_text(self, text: str) -> Message:
        return await self.command("RelayCustomText", {"CustomText": text})

    async def activate_license(self, code: str) -> Message:
        return await self.command("ActivateLicense", {"ActivationCode": code})

    async def deactivate_license(self) -> Message:
        """Dangerous (§9): the caller confirms and audits first."""
        return await self.command("DeactivateLicense")

    async def shutdown_app(self) -> Message:
        """Quits the camera application (§8): the caller confirms and audits first."""
        return await self.command("Shutdown")
