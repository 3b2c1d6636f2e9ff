"""The commands an operator gives one trainer: modes, refresh, and a user-defined command.

The view only collects what the operator wants and says what became of it; the panel
asks for confirmation and calls the fleet. Results and errors arrive as sentences.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from backend.trainer.trainer_model import TrainerModel
from backend.trainer.wire_enums import ApplicationMode, TrainingMode
from gui.json_editor import JsonEditor
from gui.status_light import set_label_state


class TrainerCommandsView(QWidget):
    application_mode_requested = Signal(object)
    training_mode_requested = Signal(object)
    refresh_requested = Signal()
    user_command_requested = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.application_mode = QComboBox()
        self.application_mode.setObjectName("ApplicationModeChoice")
        for mode in ApplicationMode:
            self.application_mode.addItem(mode.name, mode)
        self.training_mode = QComboBox()
        self.training_mode.setObjectName("TrainingModeChoice")
        for mode in TrainingMode:
            self.training_mode.addItem(mode.name, mode)
        self.set_application = QPushButton("Set…")
        self.set_application.setObjectName("SetApplicationMode")
        self.set_training = QPushButton("Set…")
        self.set_training.setObjectName("SetTrainingMode")
        self.refresh = QPushButton("Refresh status and configuration")
        self.refresh.setObjectName("RefreshTrainer")
        self.custom_number = QSpinBox()
        self.custom_number.setObjectName("CustomCommand")
        self.custom_number.setRange(0, 2**31 - 1)
        self.custom_number.setValue(1)
        self.custom_data = JsonEditor("{}", allow_empty=True)
        self.custom_data.setObjectName("CustomData")
        self.custom_data.setMaximumHeight(110)
        self.send_custom = QPushButton("Send user-defined command")
        self.send_custom.setObjectName("SendCustomCommand")
        self.result = QLabel("")
        self.result.setObjectName("CommandResult")
        self.result.setWordWrap(True)
        self._build()
        self.set_application.clicked.connect(lambda: self.application_mode_requested.emit(self.application_mode.currentData()))
        self.set_training.clicked.connect(lambda: self.training_mode_requested.emit(self.training_mode.currentData()))
        self.refresh.clicked.connect(self.refresh_requested.emit)
        self.send_custom.clicked.connect(self._send_custom)
        self.custom_data.validity_changed.connect(self.send_custom.setEnabled)

    def _build(self) -> None:
        modes = QFormLayout()
        for label, combo, button in (("Application mode", self.application_mode, self.set_application),
                                     ("Training mode", self.training_mode, self.set_training)):
            row = QHBoxLayout()
            row.addWidget(combo, 1)
            row.addWidget(button)
            modes.addRow(label, row)
        custom = QGroupBox("User-defined command")
        custom_layout = QFormLayout(custom)
        custom_layout.addRow("Custom command", self.custom_number)
        custom_layout.addRow("Data (JSON)", self.custom_data)
        custom_layout.addRow(self.send_custom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(modes)
        layout.addWidget(self.refresh)
        layout.addWidget(custom)
        layout.addWidget(self.result)

    def _send_custom(self) -> None:
        try:
            data = self.custom_data.value()
        except ValueError as error:  # the editor already shows why; say it here too
            self.show_result(False, f"Not sent: the data {error}")
            return
        self.user_command_requested.emit(self.custom_number.value(), data)

    def show_modes(self, model: TrainerModel | None) -> None:
        """Start the choices from the trainer's current modes (only when another trainer is selected)."""
        if model is None:
            return
        for combo, name in ((self.application_mode, model.application_mode_name), (self.training_mode, model.training_mode_name)):
            index = combo.findText(name)
            if index >= 0:
                combo.setCurrentIndex(index)

    def show_result(self, ok: bool, sentence: str) -> None:
        set_label_state(self.result, "ok" if ok else "error", sentence)
