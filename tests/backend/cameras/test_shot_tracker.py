"""A shot is complete on Ready plus a photo on Local Disk with a file name (cameras.md §9),
judged on the photo as merged from partial events, and odd values never break the watch."""

from __future__ import annotations

from backend.cameras.rig_model import RigModel
from backend.cameras.shot_tracker import ShotWatch

KEY = "Nikon Corporation|D850|3119826"


def deliver(model: RigModel, watch: ShotWatch, msg_id: str, fields: dict) -> None:
    """What the client does with an event: merge it, then show it to the watch."""
    if msg_id == "CameraUpdated":
        model.merge_cameras([fields])
        watch.on_camera(fields)
    else:
        model.merge_photos([fields])
        watch.on_photo(fields)


def test_a_partial_local_disk_event_without_its_camera_key_completes_the_shot() -> None:
    model = RigModel("North")
    model.merge_cameras([{"CameraKey": KEY, "CameraStatus": "Ready"}])
    watch = ShotWatch(model, [KEY])
    deliver(model, watch, "CameraUpdated", {"CameraKey": KEY, "CameraStatus": "Busy"})
    deliver(model, watch, "PhotoUpdated", {"PhotoKey": "p1", "CameraKey": KEY, "PhotoLocation": "Camera"})
    deliver(model, watch, "CameraUpdated", {"CameraKey": KEY, "CameraStatus": "Ready"})
    assert not watch.done.is_set()  # Ready, but the photo is only on the card
    deliver(model, watch, "PhotoUpdated", {"PhotoKey": "p1", "PhotoLocation": "Local Disk", "PhotoFilename": "/photos/SSP_1_0.jpg"})
    assert watch.done.is_set() and watch.result.ok and watch.result.photos == {KEY: "p1"}


def test_lists_and_objects_where_keys_and_statuses_belong_are_ignored() -> None:
    model = RigModel("North")
    model.merge_cameras([{"CameraKey": KEY, "CameraStatus": "Ready"}])
    watch = ShotWatch(model, [KEY])
    deliver(model, watch, "CameraUpdated", {"CameraKey": [KEY], "CameraStatus": "Error"})
    deliver(model, watch, "CameraUpdated", {"CameraKey": KEY, "CameraStatus": ["Error"]})
    deliver(model, watch, "PhotoUpdated", {"PhotoKey": ["p1"], "CameraKey": [KEY], "PhotoLocation": "Local Disk"})
    assert not watch.done.is_set() and watch.pending == {KEY} and not watch.result.failures
