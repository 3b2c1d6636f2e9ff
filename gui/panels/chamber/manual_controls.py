"""Pump, vent and a manual set-point: requests only; the chamber view confirms and sends."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from backend.chamber.recipe import DEFAULT_MAX_C, DEFAULT_MIN_C
from gui.widgets import tool_button


class ManualControls(QWidget):
    pump_requested = Signal(bool)
    vent_requested = Signal(bool)
    setpoint_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pump_on = tool_button("Pump on", "play", "Start the vacuum pump", "PumpOn")
        self.pump_off = tool_button("Pump off", "pause", "Stop the vacuum pump", "PumpOff")
        self.vent_open = tool_button("Vent…", "export", "Open the vent valve: the chamber returns to atmosphere", "VentOpen")
        self.vent_close = tool_button("Close vent", "import", "Close the vent valve", "VentClose")
        self.setpoint = QDoubleSpinBox()
        self.setpoint.setObjectName("ManualSetpoint")
        self.setpoint.setRange(DEFAULT_MIN_C, DEFAULT_MAX_C)
        self.setpoint.setDecimals(1)
        self.setpoint.setSuffix(" °C")
        self.setpoint.setValue(25.0)
        self.set_button = tool_button("Set", "send", "Hold the shroud at this temperature (refused while a recipe runs)", "SetSetpoint")
        self.pump_on.clicked.connect(lambda: self.pump_requested.emit(True))
        self.pump_off.clicked.connect(lambda: self.pump_requested.emit(False))
        self.vent_open.clicked.connect(lambda: self.vent_requested.emit(True))
        self.vent_close.clicked.connect(lambda: self.vent_requested.emit(False))
        self.set_button.clicked.connect(lambda: self.setpoint_requested.emit(self.setpoint.value()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.pump_on, self.pump_off, self.vent_open, self.vent_close):
            layout.addWidget(widget)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Set-point"))
        layout.addWidget(self.setpoint)
        layout.addWidget(self.set_button)
        layout.addStretch(1)
