"""The rig model merges partial events by key and never lets an event replace what it knows."""

from __future__ import annotations

import json

from backend.cameras.rig_model import RigModel

KEY = "Nikon Corporation|D850|3119826"


def full_camera(**extra) -> dict:
    return {
        "CameraKey": KEY, "CameraName": "", "CameraModel": "D850", "CameraSerialNumber": "3119826", "CameraGroup": "Ring 1",
        "CameraStatus": "Ready", "CameraBatterylevel": 90,
        "CameraPropertyInfo": [
            {"CameraPropertyType": "ISO", "CameraPropertyValue": "100", "CameraPropertyIsWriteable": True, "CameraPropertyRange": ["100", "200", "400"]},
            {"CameraPropertyType": "Aperture", "CameraPropertyValue": "f/8", "CameraPropertyIsWriteable": True, "CameraPropertyRange": ["f/4", "f/8"]},
        ],
        **extra,
    }


def test_a_partial_camera_event_changes_only_what_it_carries() -> None:
    model = RigModel("North")
    changed: list[list[str]] = []
    model.cameras_changed.connect(changed.append)
    model.merge_cameras([full_camera()])
    model.merge_cameras([{"CameraKey": KEY, "CameraStatus": "Busy", "msg_seq_num": 9}])
    camera = model.cameras[KEY]
    assert (camera.status, camera.battery, camera.group, camera.model) == ("Busy", 90, "Ring 1", "D850")
    assert "msg_seq_num" not in camera.fields
    assert changed == [[KEY], [KEY]]


def test_properties_merge_by_type_keeping_range_and_writability() -> None:
    model = RigModel("North")
    model.merge_cameras([full_camera()])
    model.merge_cameras([{"CameraKey": KEY, "CameraPropertyInfo": [{"CameraPropertyType": "ISO", "CameraPropertyValue": 400}]}])
    iso = model.cameras[KEY].properties["ISO"]
    assert (iso.value, iso.writable, iso.range) == ("400", True, ("100", "200", "400"))
    assert model.cameras[KEY].property_value("Aperture") == "f/8"


def test_a_deleted_photo_leaves_the_list_and_observers_hear_its_key() -> None:
    model = RigModel("North")
    heard: list[list[str]] = []
    model.photos_changed.connect(heard.append)
    model.merge_photos([{"PhotoKey": "p1", "CameraKey": KEY, "PhotoLocation": "Camera"}])
    model.merge_photos([{"PhotoKey": "p1", "PhotoLocation": "Local Disk", "PhotoFilename": "/photos/a.jpg"}])
    assert model.photos["p1"].on_disk and model.photos["p1"].camera_key == KEY
    model.merge_photos([{"PhotoKey": "p1", "PhotoLocation": "Deleted"}])
    assert "p1" not in model.photos
    assert heard == [["p1"], ["p1"], ["p1"]]


def test_a_synchronise_reply_is_the_whole_truth() -> None:
    model = RigModel("North")
    model.merge_cameras([full_camera(), {"CameraKey": "gone|x|1", "CameraStatus": "Ready"}])
    model.merge_photos([{"PhotoKey": "old", "CameraKey": KEY}])
    resets: list[bool] = []
    model.reset.connect(lambda: resets.append(True))
    model.replace({
        "OptionsInfo": {"DefaultStorage": "Disk"},
        "NodeInfo": [{"NodeName": "pc", "NodeVersion": "v5.3"}],
        "CameraInfo": [{"CameraKey": KEY, "CameraStatus": "Busy"}],
        "PhotoInfo": [{"PhotoKey": "new", "CameraKey": KEY, "PhotoLocation": "Local Disk", "PhotoName": "a.jpg"}],
    })
    assert list(model.cameras) == [KEY] and model.cameras[KEY].status == "Busy"
    assert model.cameras[KEY].property_value("ISO") == "100"  # the reply merges into what the camera had
    assert list(model.photos) == ["new"]
    assert model.options["DefaultStorage"] == "Disk" and model.nodes["pc"]["NodeVersion"] == "v5.3"
    assert resets == [True]


def test_the_summary_counts_photos_per_camera() -> None:
    model = RigModel("North")
    model.merge_cameras([full_camera(CameraName="Front")])
    model.merge_photos([{"PhotoKey": f"p{i}", "CameraKey": KEY} for i in range(3)])
    summary = model.summary()
    assert summary["Cameras"] == [{"Key": KEY, "Name": "Front", "Model": "D850", "Group": "Ring 1", "Status": "Ready", "Battery": 90, "Photos": 3}]
    assert summary["Photos"] == 3
    assert model.describe_camera(KEY) == "camera 'Front' (D850 #3119826)"


def test_bad_fields_are_read_leniently() -> None:
    model = RigModel("North")
    model.merge_cameras([{"CameraKey": KEY, "CameraBatterylevel": "high", "CameraPropertyInfo": "nonsense"}, {"CameraKey": 5}])
    assert model.cameras[KEY].battery is None and list(model.cameras) == [KEY]


def test_numbers_json_reads_as_infinite_or_not_a_number_are_no_numbers() -> None:
    model = RigModel("North")
    odd = json.loads('{"CameraKey": "%s", "CameraBatterylevel": 1e400, "CameraNumPhotosFailed": NaN, "CameraNumPhotosTaken": -1e400}' % KEY)
    model.merge_cameras([odd])
    camera = model.cameras[KEY]
    assert camera.battery is None
    assert camera.counter("CameraNumPhotosFailed") == 0 and camera.counter("CameraNumPhotosTaken") == 0
    assert model.summary()["Cameras"][0]["Battery"] is None


def test_a_snapshot_with_odd_values_for_its_lists_is_read_without_failing() -> None:
    model = RigModel("North")
    model.replace({"CameraInfo": 5, "PhotoInfo": "PhotoKey", "NodeInfo": {"NodeName": "pc"}, "OptionsInfo": [1]})
    assert model.cameras == {} and model.photos == {} and model.nodes == {}


def test_events_merged_between_the_steps_of_a_large_snapshot_are_kept() -> None:
    """A shot during a 10,000-photo Synchronise: its photo must not vanish when the merge ends."""
    model = RigModel("North")
    model.merge_photos([{"PhotoKey": "doomed", "CameraKey": KEY, "PhotoLocation": "Local Disk", "PhotoName": "d.jpg"}])
    listed = [{"PhotoKey": f"p{i}", "CameraKey": KEY, "PhotoLocation": "Local Disk", "PhotoName": f"{i}.jpg"} for i in range(1_000)]
    listed.append({"PhotoKey": "doomed", "CameraKey": KEY, "PhotoLocation": "Local Disk", "PhotoName": "d.jpg"})
    steps = model.replace_stepwise({"CameraInfo": [full_camera()], "PhotoInfo": listed}, step=100)
    next(steps)  # the loop runs here, and events arrive
    model.merge_photos([{"PhotoKey": "fresh", "CameraKey": KEY, "PhotoLocation": "Local Disk", "PhotoName": "f.jpg"}])
    model.merge_photos([{"PhotoKey": "doomed", "PhotoLocation": "Deleted"}])
    for _ in steps:
        pass
    assert "fresh" in model.photos and model.photos["fresh"].on_disk
    assert "doomed" not in model.photos and len(model.photos) == 1_001
