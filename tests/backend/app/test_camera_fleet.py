"""The camera fleet in Switchboard's runtime: each configured rig connected, its cameras and
photo counts in `State.Cameras`, and any service driving a rig with bus Calls."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.app.audit_log import AuditLog
from backend.app.camera_fleet import CameraFleet
from backend.app.event_log import EventLog
from backend.app.runtime import SwitchboardRuntime
from backend.app.settings import validate
from backend.bus.endpoints import HubEndpoints
from backend.bus.errors import CallFailed
from backend.bus.service import BusService
from tests.backend.cameras.rig_floor import first_call, running_rig
from tests.helpers import wait_until

FAST = {"identify_wait": 0.05, "startup_retry": 0.3, "startup_attempts": 1}
NAME = "LAB1-Switchboard"


@contextlib.asynccontextmanager
async def runtime_with_rigs(hub: HubEndpoints, tmp_path: Path, rigs: dict[str, object]) -> AsyncIterator[SwitchboardRuntime]:
    bus = {"pub_port": hub.pub_port, "sub_port": hub.sub_port, "machine_name": "LAB1", "start_hub": False}
    cameras = [{"name": name, "events": rig.events_endpoint, "requests": rig.requests_endpoint} for name, rig in rigs.items()]
    runtime = SwitchboardRuntime(validate({"bus": bus, "cameras": cameras}), EventLog(), AuditLog(tmp_path / "audit.jsonl"), service_options=FAST)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@contextlib.asynccontextmanager
async def bus_client(hub: HubEndpoints) -> AsyncIterator[BusService]:
    client = BusService("LAB1-Robot", "Robot", hub, stateful=False, identify_wait=0.05)
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


async def test_two_rigs_report_their_cameras_and_photo_counts_in_state(hub: HubEndpoints, tmp_path: Path) -> None:
    async with (
        running_rig(tmp_path / "north", cameras=3) as north,
        running_rig(tmp_path / "south", cameras=2) as south,
        runtime_with_rigs(hub, tmp_path, {"North": north, "South": south}) as runtime,
    ):
        fleet = runtime.fleets["cameras"]
        assert isinstance(fleet, CameraFleet) and list(fleet.rigs) == ["North", "South"]
        live = lambda: runtime.service.state.get("Cameras", {})  # noqa: E731
        await wait_until(lambda: len(live().get("North", {}).get("Cameras", [])) == 3 and len(live().get("South", {}).get("Cameras", [])) == 2, timeout=15, what="both rigs in State")
        await fleet.rigs["South"].shoot()
        await wait_until(lambda: live()["South"]["Photos"] == 2 and all(c["Photos"] == 1 for c in live()["South"]["Cameras"]), timeout=15, what="photo counts")
        assert live()["North"]["Link"] == "online"


async def test_a_service_shoots_a_group_through_switchboard_and_it_is_audited(hub: HubEndpoints, tmp_path: Path) -> None:
    async with (
        running_rig(tmp_path / "rig", cameras=8) as rig,
        runtime_with_rigs(hub, tmp_path, {"North": rig}) as runtime,
        bus_client(hub) as client,
    ):
        fleet = runtime.fleets["cameras"]
        await wait_until(lambda: fleet.rigs["North"].synchronised, timeout=15, what="synchronised")
        result = await first_call(client, NAME, "Shoot", {"Rig": "North", "Group": "Ring 3"})
        assert len(result["Photos"]) == 2 and result["Failures"] == {}
        assert all(fleet.rigs["North"].model.photos[p].on_disk for p in result["Photos"].values())
        records = runtime.audit.read()
        assert records[-1]["target"] == "Rig North" and records[-1]["action"] == "Shoot" and "2 photos taken" in records[-1]["result"]


async def test_set_property_and_autofocus_calls_select_cameras_by_key(hub: HubEndpoints, tmp_path: Path) -> None:
    async with (
        running_rig(tmp_path / "rig", cameras=3) as rig,
        runtime_with_rigs(hub, tmp_path, {"North": rig}) as runtime,
        bus_client(hub) as client,
    ):
        model = runtime.fleets["cameras"].rigs["North"].model
        await wait_until(lambda: len(model.cameras) == 3, timeout=15, what="synchronised")
        key = next(iter(model.cameras))
        await first_call(client, NAME, "SetProperty", {"Rig": "North", "Cameras": [key], "Property": "ISO", "Value": "800"})
        await wait_until(lambda: model.cameras[key].property_value("ISO") == "800", what="ISO event")
        assert [c.property_value("ISO") for k, c in model.cameras.items() if k != key] == ["100", "100"]
        assert await client.call(NAME, "Autofocus", {"Rig": "North"}) == "Autofocus sent to all cameras"


@pytest.mark.parametrize(
    ("params", "failure"),
    [
        ({"Rig": "Nowhere"}, "No camera rig named 'Nowhere'; rigs: North"),
        ({"Rig": ["North"]}, r"Rig must be a rig's name, not \['North'\]"),
        ({"Rig": "North", "Group": {"Ring": 1}}, r"Group must be a group's name, not \{'Ring': 1\}"),
        ({"Rig": "North", "Group": "Ring 9"}, "Rig 'North' has no camera group 'Ring 9'"),
        ({"Rig": "North", "Cameras": ["a|b|c"]}, "Rig 'North' has no camera 'a|b|c'"),
        ({"Rig": "North", "Cameras": [], "Group": "Ring 1"}, "Give Cameras or Group, not both"),
        ({"Rig": "North", "Property": "ISO", "Value": "7"}, "SetProperty failed"),
    ],
)
async def test_bad_calls_are_answered_with_a_sentence(hub: HubEndpoints, tmp_path: Path, params: dict, failure: str) -> None:
    async with (
        running_rig(tmp_path / "rig", cameras=2) as rig,
        runtime_with_rigs(hub, tmp_path, {"North": rig}) as runtime,
    ):
        await wait_until(lambda: runtime.fleets["cameras"].rigs["North"].synchronised, timeout=15, what="synchronised")
        method = "SetProperty" if "Property" in params else "Shoot"
        with pytest.raises(Exception, match=failure):
            await runtime.service.methods.invoke(method, params)


async def test_download_call_fetches_photos_left_on_the_cards(hub: HubEndpoints, tmp_path: Path) -> None:
    async with (
        running_rig(tmp_path / "rig", cameras=2) as rig,
        runtime_with_rigs(hub, tmp_path, {"North": rig}) as runtime,
        bus_client(hub) as client,
    ):
        north = runtime.fleets["cameras"].rigs["North"]
        await wait_until(lambda: north.synchronised, timeout=15, what="synchronised")
        await north.set_options(DefaultStorage="Card")
        await wait_until(lambda: north.model.options.get("DefaultStorage") == "Card", what="options")
        await north.shoot()
        assert await first_call(client, NAME, "Download", {"Rig": "North"}) == {"Downloading": 2}
        await wait_until(lambda: all(p.on_disk for p in north.model.photos.values()), what="downloads")
        with pytest.raises(CallFailed, match="no camera ready to shoot"):
            rig.lose_camera(next(iter(rig.app.cameras)), "Absent")
            rig.lose_camera(list(rig.app.cameras)[1], "Absent")
            await wait_until(lambda: not north.model.camera_keys(available_only=True), what="all absent")
            await client.call(NAME, "Shoot", {"Rig": "North"})
