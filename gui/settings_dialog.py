"""The settings dialog: edit the settings file's values, refused as a whole if any is wrong.

Nothing is written or applied until every value is valid; a refused value is named with
the reason under the form, and everything the operator typed stays in the form.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from backend.app.device_settings import FAMILIES
from backend.app.settings import THEMES, Settings, SettingsError, with_changes
from backend.bus.naming import machine_name_from_host
from gui.device_list_editor import TITLES, DeviceListEditor
from gui.widgets import ok_cancel, validation_message


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.original = settings
        self.result_settings: Settings | None = None

        self.host = QLineEdit(settings.bus.host)
        self.host.setObjectName("SettingHost")
        self.pub_port = self._port(settings.bus.pub_port, "SettingPubPort")
        self.sub_port = self._port(settings.bus.sub_port, "SettingSubPort")
        self.machine_name = QLineEdit(settings.bus.machine_name)
        self.machine_name.setObjectName("SettingMachineName")
        self.machine_name.setPlaceholderText(f"{machine_name_from_host()} (this computer's name)")
        self.start_hub = QCheckBox("Start a hub inside Switchboard when none answers")
        self.start_hub.setObjectName("SettingStartHub")
        self.start_hub.setChecked(settings.bus.start_hub)
        self.theme = QComboBox()
        self.theme.setObjectName("SettingTheme")
        self.theme.addItems(list(THEMES))
        self.theme.setCurrentText(settings.ui.theme)

        form = QFormLayout()
        form.addRow(self._section("Bus"))
        form.addRow("Hub host", self.host)
        form.addRow("Publish port", self.pub_port)
        form.addRow("Subscribe port", self.sub_port)
        form.addRow("Machine name", self.machine_name)
        form.addRow("", self.start_hub)
        form.addRow(self._section("Appearance"))
        form.addRow("Theme", self.theme)

        self.problems = validation_message()
        where = QLabel(f"Saved in {settings.path}" if settings.path else "")
        where.setObjectName("Muted")
        where.setWordWrap(True)
        buttons = ok_cancel(self, self.try_accept)

        general = QWidget()
        general.setLayout(form)
        self.devices = {family: DeviceListEditor(family, getattr(settings, family)) for family in FAMILIES}
        devices = QWidget()
        devices_layout = QVBoxLayout(devices)
        for family, editor in self.devices.items():
            devices_layout.addWidget(self._section(TITLES[family]))
            devices_layout.addWidget(editor)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("SettingsTabs")
        self.tabs.addTab(general, "General")
        self.tabs.addTab(devices, "Devices")

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.problems)
        layout.addWidget(where)
        layout.addWidget(buttons)

    @staticmethod
    def _port(value: int, name: str) -> QSpinBox:
        box = QSpinBox()
        box.setObjectName(name)
        box.setRange(1, 65535)
        box.setValue(value)
        return box

    @staticmethod
    def _section(title: str) -> QLabel:
        label = QLabel(title)
        label.setObjectName("SectionTitle")
        return label

    def values(self) -> dict[str, object]:
        return {
            **{family: editor.values() for family, editor in self.devices.items()},
            "bus": {
                "host": self.host.text().strip(),
                "pub_port": self.pub_port.value(),
                "sub_port": self.sub_port.value(),
                "machine_name": self.machine_name.text().strip(),
                "start_hub": self.start_hub.isChecked(),
            },
            "ui": {"theme": self.theme.currentText()},
        }

    def try_accept(self) -> None:
        """Accept only settings that validate as a whole; otherwise say why and stay open."""
        try:
            self.result_settings = with_changes(self.original, **self.values())
        except SettingsError as error:
            self.problems.setText("Not saved: " + "; ".join(error.problems) + ".")
            self.problems.show()
            return
        self.accept()
