"""The settings dialog refuses a bad value with the reason and loses nothing typed."""

from __future__ import annotations

from pathlib import Path

from backend.app import locations
from backend.app.settings import load
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
