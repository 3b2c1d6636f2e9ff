"""One device family's entries in the settings dialog: a row per device, added and removed.

The scalar settings (name, endpoints, host, ports) are edited in the table. Nested tables
(a chamber's `limits` and `event_names`) are carried through unchanged, because a grid is
the wrong tool for them: the file is where they are written, and the dialog says so.
Cells are read as text and handed to the settings validation, so a bad port is refused
with the same sentence as in the file, and nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from backend.app.device_settings import FAMILIES, DeviceSettings, entry_values
from gui.widgets import tool_button

ORIGINAL = Qt.ItemDataRole.UserRole
"""Where the name cell keeps the entry's full table, so nested values survive an edit."""

TITLES = {"cameras": "Camera rigs", "chambers": "Chambers", "trainers": "Trainers"}


class DeviceListEditor(QWidget):
    def __init__(self, family: str, entries: tuple[DeviceSettings, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.family = family
        self.setObjectName(f"Devices-{family}")
        kind = FAMILIES[family]
        self.columns = [f.name for f in fields(kind) if f.default_factory is MISSING]
        self.defaults = {f.name: f.default for f in fields(kind) if f.default is not MISSING}

        self.table = QTableWidget(0, len(self.columns))
        self.table.setObjectName(f"DeviceTable-{family}")
        self.table.setHorizontalHeaderLabels(self.columns)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        for entry in entries:
            self.add_row(entry_values(entry))

        add = tool_button("Add", "add", f"Add a device to {TITLES[family].lower()}", f"AddDevice-{family}")
        add.clicked.connect(lambda: self.add_row({"name": self._free_name(), **self.defaults}, edit=True))
        remove = tool_button("Remove", "clear", "Remove the selected devices", f"RemoveDevice-{family}")
        remove.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        nested = [f.name for f in fields(kind) if f.default_factory is not MISSING]
        if nested:
            note = QLabel(f"{' and '.join(nested)} are kept as the settings file has them; edit them there.")
            note.setObjectName("Muted")
            note.setWordWrap(True)
            layout.addWidget(note)

    def add_row(self, values: dict[str, Any], *, edit: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, key in enumerate(self.columns):
            item = QTableWidgetItem(str(values.get(key, "")))
            if column == 0:
                item.setData(ORIGINAL, values)
            self.table.setItem(row, column, item)
        if edit:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(self.table.item(row, 0))

    def remove_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def values(self) -> list[dict[str, Any]]:
        """The entries as settings tables, for the settings validation to judge."""
        entries = []
        for row in range(self.table.rowCount()):
            original = dict(self.table.item(row, 0).data(ORIGINAL) or {})
            for column, key in enumerate(self.columns):
                original[key] = self._typed(key, self.table.item(row, column).text().strip())
            entries.append(original)
        return entries

    def _typed(self, key: str, text: str) -> Any:
        """Numbers and true/false where the setting is one (ports, telemetry_hz, load_autostarts), so validation sees what the file would."""
        default = self.defaults.get(key)
        if isinstance(default, bool):  # before int: a bool is an int to Python
            return {"true": True, "yes": True, "false": False, "no": False}.get(text.lower(), text)
        if isinstance(default, int) and text.isdigit():
            return int(text)
        if isinstance(default, float):
            try:
                return float(text)
            except ValueError:
                return text
        return text

    def _free_name(self) -> str:
        taken = {self.table.item(row, 0).text() for row in range(self.table.rowCount())}
        base = {"cameras": "Rig", "chambers": "Chamber", "trainers": "Trainer"}[self.family]
        number = 1
        while f"{base} {number}" in taken:
            number += 1
        return f"{base} {number}"
