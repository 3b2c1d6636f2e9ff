"""The settings dialog refuses a bad value with the reason and loses nothing typed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from backend.app import locations
from backend.app.device_settings import ChamberSettings, TrainerSettings
from backend.app.settings import load, with_changes
from gui.settings_dialog import SettingsDialog


async def test_a_bad_host_is_refused_with_the_reason_and_the_form_keeps_everything(qtbot) -> None:
    settings = load(locations.settings_file())
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.host.setText("bad host!")
    dialog.pub_port.setValue(17000)
    dialog.machine_name.setText("STAGE-LEFT")
    dialog.try_accept()
    assert dialog.result() == 0 and dialog.result_settings is None
    assert "bus.host" in dialog.problems.text() and "'bad host!' is not a host name" in dialog.problems.text()
    assert not dialog.problems.isHidden()
    assert (dialog.host.text(), dialog.pub_port.value(), dialog.machine_name.text()) == ("bad host!", 17000, "STAGE-LEFT")


async def test_equal_ports_are_refused(qtbot) -> None:
    dialog = SettingsDialog(load(locations.settings_file()))
    qtbot.addWidget(dialog)
    dialog.sub_port.setValue(dialog.pub_port.value())
    dialog.try_accept()
    assert dialog.result_settings is None
    assert "must differ" in dialog.problems.text()


async def test_good_values_are_accepted_as_one_validated_whole(qtbot) -> None:
    dialog = SettingsDialog(load(locations.settings_file()))
    qtbot.addWidget(dialog)
    dialog.host.setText("10.1.2.3")
    dialog.start_hub.setChecked(False)
    dialog.theme.setCurrentText("dark")
    dialog.try_accept()
    assert dialog.result() == 1
    new = dialog.result_settings
    assert new is not None
    assert (new.bus.host, new.bus.start_hub, new.ui.theme) == ("10.1.2.3", False, "dark")
    assert Path(str(new.path)) == locations.settings_file()


def _cell(dialog: SettingsDialog, family: str, row: int, key: str):
    editor = dialog.devices[family]
    return editor.table.item(row, editor.columns.index(key))


async def test_a_device_added_in_the_dialog_becomes_a_validated_entry(qtbot) -> None:
    dialog = SettingsDialog(load(locations.settings_file()))
    qtbot.addWidget(dialog)
    editor = dialog.devices["trainers"]
    qtbot.mouseClick(dialog.findChild(QToolButton, "AddDevice-trainers"), Qt.MouseButton.LeftButton)
    _cell(dialog, "trainers", 0, "host").setText("10.0.0.9")
    _cell(dialog, "trainers", 0, "rep_port").setText("6557")

    dialog.try_accept()

    assert editor.table.rowCount() == 1 and dialog.result() == 1
    assert dialog.result_settings is not None
    assert dialog.result_settings.trainers == (TrainerSettings("Trainer 1", "10.0.0.9", 5556, 6557),)


async def test_a_bad_device_value_is_refused_naming_the_entry_and_the_table_keeps_it(qtbot) -> None:
    dialog = SettingsDialog(load(locations.settings_file()))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.findChild(QToolButton, "AddDevice-cameras"), Qt.MouseButton.LeftButton)
    _cell(dialog, "cameras", 0, "requests").setText("tcp://rig-pc:port")

    dialog.try_accept()

    assert dialog.result_settings is None
    assert "cameras #1 ('Rig 1'): requests must be an endpoint" in dialog.problems.text()
    assert _cell(dialog, "cameras", 0, "requests").text() == "tcp://rig-pc:port"


async def test_editing_a_chamber_keeps_its_limits_and_removing_a_device_drops_it(qtbot) -> None:
    limits = {"pressure": {"warning_high": 0.01, "alarm_high": 1.0}}
    settings = with_changes(
        load(locations.settings_file()),
        chambers=[{"name": "XO 1", "limits": limits}],
        cameras=[{"name": "Rig A"}, {"name": "Rig B"}],
    )
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    _cell(dialog, "chambers", 0, "url").setText("http://10.0.0.8:8080")
    dialog.devices["cameras"].table.selectRow(0)
    qtbot.mouseClick(dialog.findChild(QToolButton, "RemoveDevice-cameras"), Qt.MouseButton.LeftButton)

    dialog.try_accept()

    new = dialog.result_settings
    assert new is not None
    assert new.chambers == (ChamberSettings("XO 1", "http://10.0.0.8:8080", {}, limits),)
    assert [rig.name for rig in new.cameras] == ["Rig B"]


async def test_a_chambers_telemetry_rate_is_edited_as_a_number_and_refused_out_of_range(qtbot) -> None:
    settings = with_changes(load(locations.settings_file()), chambers=[{"name": "XO 1"}])
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    _cell(dialog, "chambers", 0, "telemetry_hz").setText("50")
    dialog.try_accept()
    assert dialog.result_settings is None and "telemetry_hz must be a number of Hz within 0.2–10" in dialog.problems.text()
    _cell(dialog, "chambers", 0, "telemetry_hz").setText("5")
    dialog.try_accept()
    assert dialog.result_settings is not None and dialog.result_settings.chambers[0].telemetry_hz == 5.0
