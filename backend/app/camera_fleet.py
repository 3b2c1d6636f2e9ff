"""Every configured camera rig (`[[cameras]]`), its live status in `State.Cameras`, and the
bus Calls that let any service drive a rig through Switchboard.

Calls (all take `Rig`, the rig's name, and optionally `Cameras`, a list of camera keys, or
`Group`; with neither, every camera of the rig):
- `Shoot` waits until each photo is on disk (at most 30 s: give the Call a timeout above
  that) and returns the new photo per camera and a sentence per camera that failed;
- `Download` downloads the selected cameras' photos still on their cards;
- `SetProperty` sets `Property` to `Value` (a value from the camera's range);
- `Autofocus` focuses.
Each is written to the audit log with its result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from backend.app.device_fleet import DeviceFleet
from backend.app.device_settings import CameraRigSettings
from backend.app.switchboard_service import SwitchboardService
from backend.bus.errors import CallRefused
from backend.cameras.request_channel import RigError
from backend.cameras.rig_client import RigClient
from backend.cameras.wire import CameraSelection, PhotoLocation, PhotoSelection
from backend.observable import Signal

log = logging.getLogger(__name__)

STATUS_PERIOD_S = 1.0
"""Live status is gathered at most this often, however fast the rigs' events come."""


class CameraFleet(DeviceFleet):
    family = "cameras"
    state_section = "Cameras"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rigs: dict[str, RigClient] = {}
        self.rigs_changed: Signal[[]] = Signal("cameras.rigs_changed")
        """Emitted after the set of rigs changed (start, stop, new settings): panels rebuild."""
        self._status_pending: asyncio.TimerHandle | None = None

    # --- life cycle ----------------------------------------------------------------------

    async def start(self, entries: Sequence[CameraRigSettings]) -> None:
        await super().start(entries)
        for entry in entries:
            client = RigClient(entry.name, entry.events, entry.requests)
            for signal in (client.model.cameras_changed, client.model.photos_changed):
                signal.connect(lambda _keys: self._status_soon())
            client.model.reset.connect(self._status_soon)
            client.model.link_changed.connect(lambda state, text, name=entry.name: self._on_link(name, state, text))
            self.rigs[entry.name] = client
            await client.start()
        self._publish_status()
        self.rigs_changed.emit()

    async def stop(self) -> None:
        if self._status_pending is not None:
            self._status_pending.cancel()
            self._status_pending = None
        rigs, self.rigs = list(self.rigs.values()), {}
        for client in rigs:
            await client.stop()
        self.rigs_changed.emit()

    def bind(self, service: SwitchboardService) -> None:
        super().bind(service)
        service.methods.add("Shoot", self.call_shoot, summary="Take a photo with a rig's cameras (Rig; Cameras or Group) and wait for the files.", changes_world=True)
        service.methods.add("Download", self.call_download, summary="Download the photos still on the selected cameras' cards (Rig; Cameras or Group).", changes_world=True)
        service.methods.add("SetProperty", self.call_set_property, summary="Set a camera property (Rig, Property, Value; Cameras or Group).", changes_world=True)
        service.methods.add("Autofocus", self.call_autofocus, summary="Autofocus a rig's cameras (Rig; Cameras or Group).", changes_world=True)

    # --- bus Calls -----------------------------------------------------------------------

    async def call_shoot(self, Rig: str, Cameras: list[str] | None = None, Group: str | None = None) -> dict[str, Any]:  # noqa: N803 - wire names
        client, selection = self._target(Rig, Cameras, Group)
        result = await self._run(Rig, "Shoot", {"Cameras": Cameras, "Group": Group}, client.shoot(selection))
        if not result.photos:
            raise CallRefused(result.sentence())
        return {"Photos": result.photos, "Failures": result.failures}

    async def call_download(self, Rig: str, Cameras: list[str] | None = None, Group: str | None = None) -> dict[str, Any]:  # noqa: N803
        client, selection = self._target(Rig, Cameras, Group)
        cameras = set(selection.keys or client.model.camera_keys(group=selection.group))
        on_cards = [p.key for p in client.model.photos.values() if p.camera_key in cameras and p.location == PhotoLocation.CAMERA]
        if on_cards:
            await self._run(Rig, "Download", {"Cameras": Cameras, "Group": Group}, client.download(PhotoSelection.of(*on_cards)))
        return {"Downloading": len(on_cards)}

    async def call_set_property(self, Rig: str, Property: str, Value: str, Cameras: list[str] | None = None, Group: str | None = None) -> str:  # noqa: N803
        client, selection = self._target(Rig, Cameras, Group)
        params = {"Property": Property, "Value": Value, "Cameras": Cameras, "Group": Group}
        await self._run(Rig, "SetProperty", params, client.set_property(selection, str(Property), str(Value)))
        return f"{Property} set to {Value} on {selection.describe()}"

    async def call_autofocus(self, Rig: str, Cameras: list[str] | None = None, Group: str | None = None) -> str:  # noqa: N803
        client, selection = self._target(Rig, Cameras, Group)
        await self._run(Rig, "Autofocus", {"Cameras": Cameras, "Group": Group}, client.autofocus(selection))
        return f"Autofocus sent to {selection.describe()}"

    def _target(self, rig: str, cameras: list[str] | None, group: str | None) -> tuple[RigClient, CameraSelection]:
        if not isinstance(rig, str):
            raise CallRefused(f"Rig must be a rig's name, not {rig!r}")
        client = self.rigs.get(rig)
        if client is None:
            known = ", ".join(self.rigs) or "none configured"
            raise CallRefused(f"No camera rig named {rig!r}; rigs: {known}")
        if cameras is not None and group is not None:
            raise CallRefused("Give Cameras or Group, not both")
        if cameras is not None:
            if not isinstance(cameras, list) or not cameras or not all(isinstance(k, str) for k in cameras):
                raise CallRefused("Cameras must be a non-empty list of camera keys")
            unknown = [k for k in cameras if k not in client.model.cameras]
            if unknown:
                raise CallRefused(f"Rig {rig!r} has no camera {unknown[0]!r}")
            return client, CameraSelection.of(*cameras)
        if group is not None:
            if not isinstance(group, str):
                raise CallRefused(f"Group must be a group's name, not {group!r}")
            if group not in client.model.groups():
                raise CallRefused(f"Rig {rig!r} has no camera group {group!r}; groups: {', '.join(client.model.groups()) or 'none'}")
            return client, CameraSelection.of_group(group)
        return client, CameraSelection.all()

    async def _run(self, rig: str, action: str, params: dict[str, Any], work: Any) -> Any:
        """Await a rig request for a bus Call: audited, and a failure answered as a sentence."""
        params = {"Rig": rig, **{k: v for k, v in params.items() if v is not None}}
        try:
            result = await work
        except RigError as error:
            log.warning("%s (asked on the bus)", error, extra={"source": "Cameras"})
            await self.audit.record(f"Rig {rig}", action, params, {"Error": str(error)})
            raise CallRefused(str(error)) from None
        summary = result.sentence() if hasattr(result, "sentence") else "done"
        await self.audit.record(f"Rig {rig}", action, params, summary)
        return result

    # --- live status ---------------------------------------------------------------------

    def _on_link(self, name: str, state: str, text: str) -> None:
        if state in ("offline", "refused", "degraded"):
            log.warning("%s", text, extra={"source": "Cameras"})
        elif state == "online":
            log.info("%s", text, extra={"source": "Cameras"})
        self._status_soon()

    def _status_soon(self) -> None:
        if self._status_pending is None:
            self._status_pending = asyncio.get_running_loop().call_later(STATUS_PERIOD_S, self._publish_status)

    def _publish_status(self) -> None:
        self._status_pending = None
        self.publish_live({name: client.model.summary() for name, client in self.rigs.items()})
