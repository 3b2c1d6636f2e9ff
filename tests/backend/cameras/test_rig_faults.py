"""Each fault of the simulated rig, and how the client lives through it (cameras.md §8–§10)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from backend.cameras.request_channel import RequestRefused, RequestTimeout, RigError
from backend.cameras.wire import CameraSelection
from tests.backend.cameras.rig_floor import connected_client, running_rig
from tests.helpers import wait_until


async def test_no_reply_times_out_rebuilds_the_socket_and_the_next_request_works(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=0.3) as client:
        rig.faults.no_reply = True
        with pytest.raises(RequestTimeout, match=r"Rig 'North' did not answer Autofocus within 0.3 s"):
            await client.autofocus()
        assert client.model.link == "degraded"
        rig.faults.no_reply = False
        client.timings.request_timeout = 5.0  # a new connection on a busy machine may take a moment
        await client.autofocus()  # a REQ socket that lost its reply would refuse to send: it was rebuilt
        assert client.model.link == "online"


async def test_three_timeouts_in_a_row_mark_the_rig_offline(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=0.2) as client:
        rig.faults.no_reply = True
        for _ in range(3):
            with pytest.raises(RequestTimeout):
                await client.identify()
        assert client.model.link == "offline" and "no reply to 3 requests" in client.model.link_text


async def test_commands_are_never_retried_but_get_camera_is_once(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=0.3) as client:
        taken_before = sum(c.taken for c in rig.app.cameras.values())
        answered = rig.requests_answered
        rig.faults.slow_reply_s = 0.6
        with pytest.raises(RequestTimeout):
            await client.shoot()
        await wait_until(lambda: sum(c.taken for c in rig.app.cameras.values()) == taken_before + 4, what="the one shot")
        await wait_until(lambda: rig.requests_answered == answered + 1, what="the late reply to Shoot")
        answered = rig.requests_answered
        with pytest.raises(RequestTimeout):
            await client.refresh_cameras()
        await wait_until(lambda: rig.requests_answered == answered + 2, what="GetCamera sent twice")
        rig.faults.slow_reply_s = 0
        assert sum(c.taken for c in rig.app.cameras.values()) == taken_before + 4  # one Shoot, one photo each


async def test_a_slow_reply_within_the_timeout_is_just_slow(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=5) as client:
        rig.faults.slow_reply_s = 0.2
        await client.identify()
        assert client.model.link == "online"


async def test_a_refused_request_names_the_rig_and_the_request(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        rig.faults.fail_requests = {"Autofocus"}
        with pytest.raises(RequestRefused, match=r"Rig 'North': Autofocus failed \(msg_result=false\)"):
            await client.autofocus()


async def test_a_reply_with_a_wrong_sequence_number_is_discarded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=5) as client:  # the wrong reply ends the wait at once
        rig.faults.wrong_seq = True
        with pytest.raises(RequestTimeout):
            await client.identify()
        assert "instead of" in caplog.text
        rig.faults.wrong_seq = False
        await client.identify()


async def test_dropped_events_make_a_gap_that_asks_get_camera(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        key = next(iter(rig.app.cameras))
        await a_baseline_event(client, rig)
        rig.faults.drop_events = 1
        await client.rename_camera(CameraSelection.of(key), "Lost in the gap")  # its event is dropped
        await client.identify()
        assert client.model.cameras[key].name != "Lost in the gap"
        await client.autofocus(CameraSelection.of(key))  # the next event shows the gap
        await wait_until(lambda: client.stats.gaps == 1 and client.stats.camera_refreshes >= 1, what="the GetCamera after the gap")
        assert client.model.cameras[key].name == "Lost in the gap"


async def test_resyncs_are_limited_to_one_per_interval(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, resync_interval=60) as client:
        key = next(iter(rig.app.cameras))
        await a_baseline_event(client, rig)
        client._last_resync_at = float("-inf")  # the first Synchronise counted as a resync; start afresh
        for gaps in (1, 2):
            rig.faults.drop_events = 1
            await client.autofocus(CameraSelection.of(key))
            await client.autofocus(CameraSelection.of(key))
            await wait_until(lambda: client.stats.gaps == gaps, what=f"gap {gaps}")
        await wait_until(lambda: client.stats.camera_refreshes == 1, what="the first GetCamera")
        await client._resync_if_wanted()  # within the interval: the wish waits
        assert client.stats.camera_refreshes == 1 and client._want_cameras


async def a_baseline_event(client, rig) -> None:
    """The first event only sets the sequence baseline; gaps are seen from the second on."""
    events = client.stats.events
    await client.identify()
    rig.publish("NodeUpdated", rig.app.node_info())
    await wait_until(lambda: client.stats.events > events, what="a first event")


async def test_an_app_restart_resets_the_sequence_and_the_client_synchronises(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        syncs = client.stats.synchronisations
        key = next(iter(rig.app.cameras))
        await a_baseline_event(client, rig)
        await client.autofocus(CameraSelection.of(key))
        await wait_until(lambda: client.model.cameras[key].counter("CameraNumAutofocus") == 1, what="the event")
        statuses: list[str] = []
        client.model.cameras_changed.connect(lambda keys: statuses.extend(client.model.cameras[k].status for k in keys if k == key))
        await rig.restart_app(reconnect_after=0.1)
        await wait_until(lambda: client.stats.resets == 1 and client.stats.synchronisations > syncs, what="Synchronise after the reset")
        await wait_until(lambda: client.model.cameras[key].status == "Ready", what="the camera back")
        assert "Absent" in statuses


async def test_a_camera_lost_during_a_shot_fails_that_camera_with_a_sentence(tmp_path: Path) -> None:
    slow = {"timing": __import__("backend.sim.cameras.simulated_app", fromlist=["Timing"]).Timing(capture_delay=0.5, download_delay=0.02)}
    async with running_rig(tmp_path, cameras=2, **slow) as rig, connected_client(rig) as client:
        lost = next(iter(rig.app.cameras))
        shot = asyncio.create_task(client.shoot())
        await wait_until(lambda: client.model.cameras[lost].status == "Busy", what="Busy")
        rig.lose_camera(lost)
        result = await shot
        assert set(result.photos) == set(rig.app.cameras) - {lost}
        assert result.failures[lost] == "camera D850 #3119826 went Lost during the shot"
        with pytest.raises(RigError, match="camera not available|failed"):
            await client.shoot(CameraSelection.of(lost))
        rig.restore_camera(lost)


async def test_absent_cameras_are_left_out_of_shoot_all(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=3) as rig, connected_client(rig) as client:
        absent = next(iter(rig.app.cameras))
        rig.lose_camera(absent, "Absent")
        await wait_until(lambda: client.model.cameras[absent].status == "Absent", what="Absent")
        result = await client.shoot()
        assert result.ok and absent not in result.photos and len(result.photos) == 2


async def test_a_failed_shot_is_reported_per_camera(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=2) as rig, connected_client(rig) as client:
        rig.faults.failed_shot = True
        result = await client.shoot()
        assert not result.ok and not result.photos
        assert all("failed to take the photo" in text for text in result.failures.values())
        assert "0 photos taken" in result.sentence()


async def test_a_failed_download_ends_the_shot_by_timeout(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=1) as rig, connected_client(rig, shot_timeout=3.0) as client:
        rig.faults.download_failure = True
        result = await client.shoot()
        key = next(iter(rig.app.cameras))
        assert result.failures[key] == "camera D850 #3119826: no photo reached the disk within 3 s of Shoot"
        assert client.model.cameras[key].counter("CameraNumDownloadsFailed") == 1


async def test_malformed_events_are_counted_logged_once_and_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        key = next(iter(rig.app.cameras))
        rig.faults.malformed_events = 2
        await client.autofocus(CameraSelection.of(key))
        await client.autofocus(CameraSelection.of(key))
        await client.autofocus(CameraSelection.of(key))
        await wait_until(lambda: client.model.cameras[key].counter("CameraNumAutofocus") == 3, what="the good event")
        assert client.stats.malformed == 2
        assert caplog.text.count("sent an unreadable event") == 1


async def test_network_pings_and_extra_fields_are_harmless(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        rig.faults.network_ping_s = 0.05
        await wait_until(lambda: client.stats.ignored.get("NetworkPing", 0) >= 2, what="NetworkPing events")
        key = next(iter(rig.app.cameras))
        await client.autofocus(CameraSelection.of(key))
        await wait_until(lambda: "CameraOrientation" in client.model.cameras[key].fields, what="an extra field kept")
        assert client.stats.gaps == 0 and client.stats.resets == 0


async def test_a_silent_publisher_is_probed_and_marked_degraded(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, silence_probe=0.3) as client:
        rig.unbind_events()
        await wait_until(lambda: client.stats.probes >= 2, timeout=10, what="GetCamera probes")
        await wait_until(lambda: client.model.link == "degraded", timeout=10, what="degraded")
        assert "no events for" in client.model.link_text
        syncs = client.stats.synchronisations
        rig.bind_events()
        rig.faults.network_ping_s = 0.05
        await wait_until(lambda: client.stats.synchronisations > syncs, timeout=10, what="a Synchronise once events resume")
        await wait_until(lambda: client.model.link == "online", timeout=10, what="online again")


async def test_requests_unbound_while_events_flow_then_back(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=0.3) as client:
        rig.unbind_requests()
        with pytest.raises(RequestTimeout):
            await client.identify()
        assert client.model.link == "degraded"
        rig.bind_requests()
        client.timings.request_timeout = 5.0
        await client.identify()
        assert client.model.link == "online"


async def test_trigger_index_as_integer_or_string_is_read_as_text(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        key = next(iter(rig.app.cameras))
        assert client.model.cameras[key].fields["CameraTriggerIndex"] == 0
        rig.faults.integer_trigger_index = False
        await client.set_camera_trigger_index(CameraSelection.of(key), 7)
        await wait_until(lambda: client.model.cameras[key].fields["CameraTriggerIndex"] == "7", what="the string index")


async def test_a_v3_rig_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    async with running_rig(tmp_path, version=3) as rig, connected_client(rig, synchronised=False) as client:
        await wait_until(lambda: client.model.link == "refused", timeout=10, what="the refusal")
        assert "runs Smart Shooter 3" in client.model.link_text and "Smart Shooter 4 or 5" in client.model.link_text
        with pytest.raises(RigError, match="Smart Shooter 3"):
            await client.identify()


async def test_a_v4_rig_works_without_photo_filename(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=2, version=4) as rig, connected_client(rig) as client:
        assert client.api_version == "4.28"
        result = await client.shoot()
        assert result.ok
        photo = client.model.photos[next(iter(result.photos.values()))]
        assert "PhotoFilename" not in photo.fields and photo.filename.endswith(".jpg")
        assert "PixelShiftMode" not in next(iter(client.model.cameras.values())).properties


async def test_a_live_view_flood_does_not_stop_camera_events(tmp_path: Path) -> None:
    async with running_rig(tmp_path, cameras=4) as rig, connected_client(rig) as client:
        rig.faults.liveview_flood = True
        await wait_until(lambda: len(client.model.liveview) == 4, what="frames of every camera")
        result = await client.shoot()
        rig.faults.liveview_flood = False
        assert result.ok


async def test_an_unknown_request_is_refused_by_the_rig(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        with pytest.raises(RequestRefused, match="Frobnicate failed"):
            await client.command("Frobnicate")


async def test_a_reply_that_is_not_json_is_discarded_and_the_socket_rebuilt(caplog: pytest.LogCaptureFixture) -> None:
    """A stand-in app (a plain ROUTER socket) answers the first request with garbage."""
    import json as _json

    import zmq
    import zmq.asyncio

    from backend.cameras.request_channel import RequestChannel

    router = zmq.asyncio.Context.instance().socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind("tcp://127.0.0.1:0")
    channel = RequestChannel("Odd", router.getsockopt(zmq.LAST_ENDPOINT).decode())

    async def answer_twice() -> None:
        identity, _, _body = await router.recv_multipart()
        await router.send_multipart([identity, b"", b"<html>500</html>"])
        identity, _, body = await router.recv_multipart()
        request = _json.loads(body)
        reply = {"msg_type": "Response", "msg_id": request["msg_id"], "msg_seq_num": request["msg_seq_num"], "msg_result": True}
        await router.send_multipart([identity, b"", _json.dumps(reply).encode()])

    app = asyncio.create_task(answer_twice())
    try:
        reply = await channel.request("GetCamera", {"CameraSelection": "All"}, timeout=5, retries=1)
        assert reply.result and "sent an unreadable reply to GetCamera: not JSON" in caplog.text
        await app
    finally:
        channel.close()
        router.close(linger=0)


async def test_lists_where_keys_belong_during_a_shot_leave_the_reader_and_the_shot_alive(tmp_path: Path) -> None:
    from backend.sim.cameras.simulated_app import Timing

    async with running_rig(tmp_path, cameras=2, timing=Timing(capture_delay=1.0, download_delay=0.02)) as rig, connected_client(rig) as client:
        shot = asyncio.create_task(client.shoot())
        await wait_until(lambda: any(c.status == "Busy" for c in client.model.cameras.values()), what="Busy")
        rig.publish("CameraUpdated", {"CameraKey": list(rig.app.cameras), "CameraStatus": ["Error"]})
        rig.publish("PhotoUpdated", {"PhotoKey": ["p"], "CameraKey": list(rig.app.cameras), "PhotoLocation": "Local Disk"})
        result = await shot
        assert result.ok and set(result.photos) == set(rig.app.cameras), result.sentence()
        assert all(not task.done() for task in client._tasks)


async def test_the_rig_refuses_requests_it_cannot_read_and_keeps_answering(tmp_path: Path) -> None:
    import zmq
    import zmq.asyncio

    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        odd_requests = [
            ("SetSequenceNum", {"PhotoSequenceNum": float("inf")}),  # sent as Infinity, read as 1e400 would be
            ("Download", {"PhotoSelection": "Multiple", "PhotoKeys": [["p"]]}),
            ("SetProperty", {"CameraSelection": "All", "CameraPropertyType": "ISO", "CameraPropertyValue": {"odd": 1}}),
        ]
        for msg_id, fields in odd_requests:
            with pytest.raises(RequestRefused, match=f"{msg_id} failed"):
                await client.command(msg_id, fields)
        req = zmq.asyncio.Context.instance().socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(rig.requests_endpoint)
        try:
            await req.send(b"[1, 2]")
            async with asyncio.timeout(10):
                assert b'"msg_result":false' in await req.recv()
        finally:
            req.close(linger=0)
        await client.identify()


async def test_a_request_cancelled_while_it_waits_leaves_the_next_one_working(tmp_path: Path) -> None:
    async with running_rig(tmp_path) as rig, connected_client(rig) as client:
        rig.faults.no_reply = True
        waiting = asyncio.create_task(client.identify())
        await wait_until(client._channel._lock.locked, what="the request sent")  # sent and awaiting its reply
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        rig.faults.no_reply = False
        await client.identify()  # a REQ socket still waiting for the lost reply would refuse to send
        assert client._channel.consecutive_timeouts == 0 and client.model.link == "online"


async def test_a_request_answered_after_timeouts_is_followed_by_a_synchronise(tmp_path: Path) -> None:
    """docs/cameras-decisions.md: the app may have restarted while it did not answer."""
    async with running_rig(tmp_path) as rig, connected_client(rig, request_timeout=0.3) as client:
        syncs = client.stats.synchronisations
        rig.faults.no_reply = True
        with pytest.raises(RequestTimeout):
            await client.identify()
        rig.faults.no_reply = False
        client.timings.request_timeout = 5.0
        await client.identify()
        await wait_until(lambda: client.stats.synchronisations == syncs + 1, what="the Synchronise after the rig answered again")
        await client.identify()
        assert not client._want_sync  # answered without timeouts before: no further Synchronise wanted


async def test_a_shot_waiting_when_the_client_stops_fails_with_a_sentence(tmp_path: Path) -> None:
    from backend.sim.cameras.simulated_app import Timing

    async with running_rig(tmp_path, cameras=1, timing=Timing(capture_delay=30.0)) as rig:
        async with connected_client(rig) as client:
            shot = asyncio.create_task(client.shoot())
            await wait_until(lambda: next(iter(client.model.cameras.values())).status == "Busy", what="Busy")
        result = await shot  # the client stopped (settings changed, app closing) while the shot waited
        assert not result.ok and not result.photos
        assert result.failures == {next(iter(rig.app.cameras)): "camera D850 #3119826: the connection to the rig was closed before the photo arrived"}
