"""The client against the simulated rig over real sockets: snapshot, merge, shots, downloads, requests."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from pathlib import Path

import pytest
import zmq
import zmq.asyncio
from PIL import Image

from backend.cameras.request_channel import RequestRefused
from backend.cameras.wire import CameraSelection, PhotoSelection, ShutterButton
from backend.sim.cameras.camera_catalog import models_named
from tests.backend.cameras.rig_floor import connected_client, running_rig
from tests.helpers import wait_until


async def test_synchronise_gives_every_camera_with_its_properties_options_and_node(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=5) as rig, connected_client(rig) as client:
        model = client.model
        assert set(model.cameras) == set(rig.app.cameras)
        d850 = model.cameras["Nikon Corporation|D850|3119826"]
        assert d850.status == "Ready" and d850.battery == 100 and d850.group == "Ring 1"
        iso = d850.properties["ISO"]
        assert iso.writable and "25600" in iso.range and iso.value == "100"
        assert model.options["FilenameExpression"] == "SSP_[S]_[I]"
        assert client.api_version == "5.3"
        assert model.link == "online"


async def test_events_merge_into_the_snapshot(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        key = next(iter(rig.app.cameras))
        await client.rename_camera(CameraSelection.of(key), "Front left")
        await client.set_property(CameraSelection.of(key), "Aperture", "f/11")
        await wait_until(lambda: client.model.cameras[key].property_value("Aperture") == "f/11", what="the Aperture event")
        camera = client.model.cameras[key]
        assert camera.name == "Front left" and camera.property_value("ISO") == "100" and camera.model == "D850"


async def test_shoot_all_completes_with_a_real_jpeg_per_camera(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=4) as rig, connected_client(rig) as client:
        result = await client.shoot()
        assert result.ok, result.sentence()
        assert set(result.photos) == set(rig.app.cameras)
        for camera_key, photo_key in result.photos.items():
            photo = client.model.photos[photo_key]
            assert photo.on_disk and photo.camera_key == camera_key
            assert Path(photo.filename).read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
        assert all(c.counter("CameraNumPhotosTaken") == 1 and c.status == "Ready" for c in client.model.cameras.values())
        assert client.model.options["PhotoSequenceNum"] == 2


async def test_shoot_a_group_only_shoots_that_group(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=8) as rig, connected_client(rig) as client:
        result = await client.shoot(CameraSelection.of_group("Ring 2"))
        assert result.ok and len(result.photos) == 2
        assert {client.model.cameras[k].group for k in result.photos} == {"Ring 2"}


async def test_photos_kept_on_the_card_are_downloaded_on_request(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=2) as rig, connected_client(rig) as client:
        await client.set_options(DefaultStorage="Card")
        await wait_until(lambda: client.model.options.get("DefaultStorage") == "Card", what="OptionsUpdated")
        result = await client.shoot()
        assert result.ok
        photos = [client.model.photos[k] for k in result.photos.values()]
        assert all(p.location == "Camera" and not p.filename for p in photos)
        await client.download(PhotoSelection.of(*result.photos.values()))
        await wait_until(lambda: all(p.on_disk for p in photos), what="both downloads")
        assert all(Path(p.filename).exists() for p in photos)


async def test_rename_and_delete_photos_with_their_files(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=1) as rig, connected_client(rig) as client:
        result = await client.shoot()
        photo_key = next(iter(result.photos.values()))
        path = Path(client.model.photos[photo_key].filename)
        await client.rename_photo(PhotoSelection.of(photo_key), "hero.jpg")
        await wait_until(lambda: client.model.photos[photo_key].display_name == "hero.jpg", what="the rename event")
        await client.delete_photos(PhotoSelection.of(photo_key), delete_files=True)
        await wait_until(lambda: photo_key not in client.model.photos, what="the Deleted event")
        assert not path.exists()


async def test_a_reshoot_takes_the_photo_again_under_the_same_file_name(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=2) as rig, connected_client(rig) as client:
        first = await client.shoot(CameraSelection.of(next(iter(rig.app.cameras))))
        photo_key = next(iter(first.photos.values()))
        path = Path(client.model.photos[photo_key].filename)
        await client.reshoot(PhotoSelection.of(photo_key))
        await wait_until(lambda: len([p for p in client.model.photos.values() if p.on_disk]) == 2, what="the photo taken again")
        again = next(p for k, p in client.model.photos.items() if k != photo_key)
        assert Path(again.filename) == path and again.display_name == path.name
        assert sorted(f.name for f in tmp_path.glob("*.jpg")) == [path.name]


async def test_a_value_outside_the_range_is_refused_with_a_sentence(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        with pytest.raises(RequestRefused, match=r"Rig 'North': SetProperty failed \(msg_result=false\)"):
            await client.set_property(CameraSelection.all(), "ISO", "123")
        assert all(c.property_value("ISO") == "100" for c in client.model.cameras.values())


async def test_the_simulator_matches_enum_values_without_regard_to_case(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        reply = await client.command("SetShutterButton", {"CameraSelection": "all", "CameraShutterButton": "half"})
        assert reply.result
        await client.set_shutter_button(CameraSelection.all(), ShutterButton.HALF)
        await client.command("SetProperty", {"CameraSelection": "ALL", "CameraPropertyType": "whitebalance", "CameraPropertyValue": "cloudy"})
        await wait_until(lambda: all(c.property_value("WhiteBalance") == "Cloudy" for c in client.model.cameras.values()), what="WB events")


async def test_every_request_of_the_reference_table_is_answered(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=2) as rig, connected_client(rig) as client:
        one = CameraSelection.of(next(iter(rig.app.cameras)))
        calls = [
            client.detect_cameras(), client.connect_cameras(one), client.autofocus(one), client.identify(one),
            client.increment_property(one, "ISO", 1), client.set_camera_group(one, "Top"), client.set_camera_trigger_index(one, 3),
            client.set_sequence_num(10), client.set_batch_num(4), client.sync_batch_num(),
            client.enable_liveview(one, True), client.enable_liveview_zoom(one, False), client.enable_liveview_dof(one, False),
            client.enable_video(one, False), client.liveview_fps(one, 10, 30), client.liveview_focus(one, "Near1"),
            client.liveview_position(one, 10, 20), client.power_zoom_position(one, 50), client.power_zoom_direction(one, "Tele1"),
            client.power_zoom_stop(one), client.engage_latch(one, 1), client.release_latch(1), client.cancel_latch(1),
            client.engage_trigger(one), client.release_trigger(100), client.cancel_trigger(), client.sync_clocks(0),
            client.check_clocks(), client.relay_custom_text("hello"), client.activate_license("ABC"), client.deactivate_license(),
            client.transfer(), client.format_cards(), client.disconnect_cameras(one), client.refresh_cameras(one),
        ]
        for call in calls:
            await call
        texts: list[str] = []
        client.model.custom_text.connect(texts.append)
        await client.relay_custom_text("again")
        await wait_until(lambda: texts == ["again"], what="RelayCustomText event")
        assert rig.app.options["PhotoSequenceNum"] == 10 and client.model.cameras[one.keys[0]].status == "Disconnected"
        await client.shutdown_app()
        await wait_until(rig.shut_down.is_set, what="the simulated app to quit")


async def test_live_view_keeps_only_the_latest_frame_per_camera(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=2, liveview_fps=20, liveview_size=(160, 90)) as rig, connected_client(rig) as client:
        key = next(iter(rig.app.cameras))
        frames: list[str] = []
        client.model.liveview_frame.connect(frames.append)
        await client.enable_liveview(CameraSelection.of(key), True)
        await wait_until(lambda: len(frames) >= 2, what="two live view frames")
        assert set(frames) == {key} and client.model.liveview[key].startswith("/9j/")  # base64 of a JPEG
        with Image.open(io.BytesIO(base64.b64decode(client.model.liveview[key]))) as frame:
            assert frame.size == (160, 90)  # the size the simulator was asked for (cameras.md §10.7)


async def test_one_shot_is_busy_then_the_observed_v5_sequence_of_five_events(tmp_path: Path) -> None:
    """cameras.md §5 and §10.5: Busy, then PhotoUpdated on the Camera without a file name,
    CameraUpdated Ready, OptionsUpdated, PhotoUpdated on Local Disk with the names, NodeUpdated."""
    async with running_rig(tmp_path, cameras=1) as rig, connected_client(rig) as client:
        sub = zmq.asyncio.Context.instance().socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(rig.events_endpoint)
        try:
            async def joined() -> bool:  # the slow joiner: ping until our socket hears one
                rig.publish("NetworkPing", {})
                return await sub.poll(100) != 0

            for _ in range(100):
                if await joined():
                    break
            else:
                raise AssertionError("the test's SUB socket never heard the rig")
            events: list[dict] = []
            await client.shoot()
            async with asyncio.timeout(10):
                while not events or events[-1]["msg_id"] != "NodeUpdated" or not any(e["msg_id"] == "PhotoUpdated" for e in events):
                    event = json.loads(await sub.recv())
                    if event["msg_id"] not in ("NetworkPing", "LiveviewUpdated"):
                        events.append(event)
        finally:
            sub.close(linger=0)
        busy = next(i for i, e in enumerate(events) if e.get("CameraStatus") == "Busy")
        first = next(i for i, e in enumerate(events) if e["msg_id"] == "PhotoUpdated")
        shot = events[first : first + 5]
        assert busy < first
        assert [e["msg_id"] for e in shot] == ["PhotoUpdated", "CameraUpdated", "OptionsUpdated", "PhotoUpdated", "NodeUpdated"]
        assert [e["msg_seq_num"] for e in shot] == list(range(shot[0]["msg_seq_num"], shot[0]["msg_seq_num"] + 5))
        assert shot[0]["PhotoLocation"] == "Camera" and "PhotoName" not in shot[0] and "PhotoFilename" not in shot[0]
        assert shot[1]["CameraStatus"] == "Ready"
        assert shot[3]["PhotoLocation"] == "Local Disk" and shot[3]["PhotoName"] and shot[3]["PhotoFilename"]


async def test_the_rig_answers_shoot_before_it_says_busy(tmp_path: Path) -> None:
    """cameras.md §10.5: the reply first, then `CameraUpdated` Busy."""
    async with running_rig(tmp_path, cameras=2) as rig:
        sent = rig.events_sent
        request = {"msg_type": "Request", "msg_id": "Shoot", "msg_seq_num": 1, "CameraSelection": "All", "PhotoOrigin": "api"}
        reply = rig._answer(json.dumps(request).encode())  # what the request task sends before it reads again
        assert reply is not None and b'"msg_result":true' in reply
        assert rig.events_sent == sent and all(c.status == "Busy" for c in rig.app.cameras.values())
        await wait_until(lambda: rig.events_sent >= sent + 2, what="Busy of both cameras after the reply")


async def test_the_simulated_rig_is_built_from_the_models_and_serials_asked_for(tmp_path: Path) -> None:
    """cameras.md §10.2: N cameras with configurable make, model and serial."""
    models = models_named("ilce-7rm4, D850")
    async with running_rig(tmp_path, cameras=3, models=models, first_serial=500) as rig, connected_client(rig) as client:
        await wait_until(lambda: len(client.model.cameras) == 3, what="three cameras")
        assert sorted(client.model.cameras) == [
            "Nikon Corporation|D850|500", "Sony Corporation|ILCE-7RM4|500", "Sony Corporation|ILCE-7RM4|501"]
    with pytest.raises(ValueError, match="no camera model 'EOS R5'; the simulator has D850, Canon EOS 5D Mark IV, ILCE-7RM4"):
        models_named("EOS R5")
