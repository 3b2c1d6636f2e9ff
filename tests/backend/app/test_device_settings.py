"""`[[cameras]]`, `[[chambers]]` and `[[trainers]]` entries: defaults, every problem named
with its entry and key, and saved back without losing the operator's comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.app import settings as settings_module
from backend.app.device_settings import CameraRigSettings, ChamberSettings, TrainerSettings
from backend.app.settings import SettingsError, default_text, load, parse, save, with_changes

HAND_WRITTEN = """
[bus]
host = "127.0.0.1"

# The turntable rig in studio B.
[[cameras]]
name = "Turntable"  # keep this name: scripts call Shoot with it
events = "tcp://10.0.0.7:54543"

[[chambers]]
name = "XO 1"
url = "http://10.0.0.8:8080"
[chambers.event_names]
telemetry = "xovac_telemetry_v2"
[chambers.limits.pressure]
warning_high = 0.01
alarm_high = 1.0

[[trainers]]
name = "Rig 1"
host = "10.0.0.9"
[[trainers]]
name = "Rig 2"
host = "10.0.0.10"
rep_port = 6557
"""


def test_the_default_file_has_no_devices_and_documents_how_to_add_them() -> None:
    defaults = parse(default_text())
    assert (defaults.cameras, defaults.chambers, defaults.trainers) == ((), (), ())
    for example in ("# [[cameras]]", "# [[chambers]]", "# [[trainers]]"):
        assert example in default_text()


def test_entries_are_read_with_defaults_for_what_they_leave_out() -> None:
    settings = parse(HAND_WRITTEN)

    assert settings.cameras == (CameraRigSettings("Turntable", "tcp://10.0.0.7:54543", "tcp://127.0.0.1:54544"),)
    assert settings.chambers == (
        ChamberSettings("XO 1", "http://10.0.0.8:8080", {"telemetry": "xovac_telemetry_v2"}, {"pressure": {"warning_high": 0.01, "alarm_high": 1.0}}),
    )
    assert settings.trainers == (TrainerSettings("Rig 1", "10.0.0.9"), TrainerSettings("Rig 2", "10.0.0.10", 5556, 6557))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"cameras": [{"events": "tcp://127.0.0.1:1"}]}, "cameras #1 needs a name"),
        ({"cameras": [{"name": "A", "requests": "127.0.0.1:54544"}]}, "cameras #1 ('A'): requests must be an endpoint like tcp://127.0.0.1:54543"),
        ({"cameras": [{"name": "A", "events": "tcp://127.0.0.1:70000"}]}, "cameras #1 ('A'): events must be a whole number from 1 to 65535"),
        ({"cameras": [{"name": "A"}, {"name": "A"}]}, "cameras #2: the name 'A' is used by another entry"),
        ({"cameras": [{"name": "A", "lens": "50mm"}]}, "cameras #1 ('A'): lens is not a setting Switchboard knows"),
        ({"cameras": {"name": "A"}}, "cameras must be an array of tables ([[cameras]] entries)"),
        ({"chambers": [{"name": "XO", "url": "ftp://chamber"}]}, "chambers #1 ('XO'): url must be an address like http://127.0.0.1:8080"),
        ({"chambers": [{"name": "XO", "url": "http://chamber:99999"}]}, "chambers #1 ('XO'): url 'http://chamber:99999' is not a valid address"),
        ({"chambers": [{"name": "XO", "limits": {"pressure": {"alarm_high": 0.1, "warning_high": 1.0}}}]}, "'pressure' limits must rise"),
        ({"chambers": [{"name": "XO", "limits": {"shroud": {"too_hot": 80}}}]}, "'shroud.too_hot' is not a limit"),
        ({"chambers": [{"name": "XO", "event_names": {"telemetry": ""}}]}, "'telemetry' must be a non-empty event name"),
        ({"trainers": [{"name": "T", "pub_port": 6000, "rep_port": 6000}]}, "trainers #1 ('T'): pub_port and rep_port must differ"),
        ({"trainers": [{"name": " T"}]}, "must not start or end with spaces"),
        ({"trainers": [{"name": "T", "host": "not a host!"}]}, "trainers #1 ('T'): host 'not a host!' is not a host name or an IP address"),
    ],
)
def test_every_problem_names_the_entry_and_the_key(changes: dict, problem: str) -> None:
    with pytest.raises(SettingsError) as raised:
        with_changes(parse(default_text()), **changes)
    assert any(problem in text for text in raised.value.problems), raised.value.problems


def test_an_unchanged_device_array_is_saved_with_its_comments(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(HAND_WRITTEN, "utf-8")
    settings = load(path)

    save(with_changes(settings, ui={"theme": "dark"}))

    text = path.read_text("utf-8")
    assert "# keep this name: scripts call Shoot with it" in text and "# The turntable rig in studio B." in text
    assert load(path).cameras == settings.cameras and load(path).trainers == settings.trainers


def test_changed_entries_are_written_with_only_what_differs_from_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    settings = settings_module.load(path)

    save(with_changes(settings, cameras=[{"name": "Rig A"}, {"name": "Rig B", "requests": "tcp://10.1.1.1:6000"}], trainers=[]))

    reread = load(path)
    assert [rig.name for rig in reread.cameras] == ["Rig A", "Rig B"]
    assert reread.cameras[1].requests == "tcp://10.1.1.1:6000"
    written = path.read_text("utf-8").split("\n[[cameras]]\n", 1)[1]  # the entries, not the commented examples
    assert "events" not in written and "Rig B" in written


def test_removing_every_entry_removes_the_array(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(HAND_WRITTEN, "utf-8")

    save(with_changes(load(path), trainers=[]))

    assert load(path).trainers == () and load(path).cameras != ()
