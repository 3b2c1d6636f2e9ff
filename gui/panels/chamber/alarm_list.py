"""The chamber's alarms: active or unacknowledged ones, newest last, with Acknowledge.

An alarm leaves the list only when the chamber has cleared it and the operator has
acknowledged it (backend/chamber/alarms.py). Row colours come from the theme's status
colours (item views cannot use the style sheet's properties).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from backend.chamber.alarms import Alarm
from backend.chamber.payload import Result
from gui.theme import colour
from gui.widgets import row_table, section_title, tool_button

COLUMNS = ("Raised", "Code", "Message", "State")


class AlarmList(QWidget):
    acknowledge_requested = Signal(str)
    """The operator acknowledged the alarm with this code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alarms: list[Alarm] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("ChamberAlarms")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        template = row_table("unused")
        self.table.setSelectionBehavior(template.selectionBehavior())
        self.table.setSelectionMode(template.selectionMode())
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        template.deleteLater()
        self.acknowledge_button = tool_button("Acknowledge", "clear", "Acknowledge the selected alarm (or the oldest unacknowledged)",
                                              "AcknowledgeAlarm")
        self.acknowledge_button.clicked.connect(self._acknowledge)
        self.summary = QLabel("No alarms.")
        header = QHBoxLayout()
        header.addWidget(section_title("Alarms"))
        header.addWidget(self.summary, 1)
        header.addWidget(self.acknowledge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.table)

    def show_alarms(self, alarms: list[Alarm]) -> None:
        self.alarms = list(alarms)
        self.table.setRowCount(len(alarms))
        for row, alarm in enumerate(alarms):
            state = ("ACTIVE" if alarm.active else "cleared") + ("" if alarm.acknowledged else ", unacknowledged")
            cells = (dt.datetime.fromtimestamp(alarm.raised_at).strftime("%H:%M:%S"), alarm.code, alarm.message, state)
            tone = colour("error" if alarm.severity is Result.ERROR else "warning") if alarm.active else colour("muted")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setForeground(QBrush(tone))
                self.table.setItem(row, column, item)
        unacknowledged = sum(not a.acknowledged for a in alarms)
        active = sum(a.active for a in alarms)
        self.summary.setText(f"{active} active, {unacknowledged} to acknowledge." if alarms else "No alarms.")
        self.acknowledge_button.setEnabled(unacknowledged > 0)

    def _acknowledge(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        candidates = [self.alarms[rows[0].row()]] if rows else [a for a in self.alarms if not a.acknowledged]
        if candidates:
            self.acknowledge_requested.emit(candidates[0].code)
