"""One trainer at a glance: heartbeat, modes, the emergency state (large, coloured), alarms,
detectors, the behaviour toggles, animal, session and trial, counters.

Everything shown here is what the trainer reported (`TrainerModel`); the toggles' boxes
send a command when clicked and then show what the trainer answered, not the click.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from backend.trainer.trainer_model import TrainerModel
from backend.trainer.trainer_status import EmergencyCondition, Liveness
from backend.trainer.wire_enums import Toggle
from gui.status_light import StatusLight, set_label_state

_LIVENESS = {
    Liveness.WAITING: ("off", "Waiting for the first heartbeat"),
    Liveness.ONLINE: ("ok", "Online"),
    Liveness.STALE: ("warning", "Stale: heartbeats missed"),
    Liveness.OFFLINE: ("error", "Offline: no heartbeat for a minute"),
}
_EMERGENCY = {
    EmergencyCondition.UNKNOWN: ("off", "Emergency state not reported yet"),
    EmergencyCondition.RUNNING: ("ok", "RUNNING"),
    EmergencyCondition.STOPPED: ("error", "STOPPED"),
}
COUNTER_LABELS = {
    "pelletsPresented": "Pellets presented", "pelletsConsumed": "Pellets consumed", "reaches": "Reaches",
    "successfulReaches": "Successful reaches", "dayPelletsPresented": "Today: presented", "dayPelletsConsumed": "Today: consumed",
    "dayReaches": "Today: reaches", "daySuccessfulReaches": "Today: successful",
}


class TrainerStatusView(QWidget):
    toggle_requested = Signal(object, bool)
    """(Toggle, enabled): the operator clicked a toggle's box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heartbeat = StatusLight()
        self.heartbeat_text = QLabel("No trainer selected")
        self.heartbeat_text.setObjectName("HeartbeatText")
        self.emergency = QLabel("—")
        self.emergency.setObjectName("EmergencyState")
        self.emergency.setProperty("emphasis", "large")
        self.emergency_detail = QLabel()
        self.emergency_detail.setObjectName("Muted")
        self.emergency_detail.setWordWrap(True)
        self.unconfirmed = QLabel()
        self.unconfirmed.setObjectName("Banner")
        self.unconfirmed.setProperty("state", "error")
        self.unconfirmed.setWordWrap(True)
        self.unconfirmed.hide()
        self.application_mode = QLabel("—")
        self.application_mode.setObjectName("ApplicationModeValue")
        self.training_mode = QLabel("—")
        self.training_mode.setObjectName("TrainingModeValue")
        self.alarms = QLabel("—")
        self.alarms.setObjectName("ActiveAlarms")
        self.alarms.setWordWrap(True)
        self.detectors = QLabel("—")
        self.detectors.setObjectName("ActiveDetectors")
        self.detectors.setWordWrap(True)
        self.animal = QLabel("—")
        self.session = QLabel("—")
        self.session.setObjectName("SessionValue")
        self.session.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counters: dict[str, QLabel] = {key: QLabel("—") for key in COUNTER_LABELS}
        self.toggles: dict[Toggle, QCheckBox] = {}
        self._build()

    def _build(self) -> None:
        heartbeat = QHBoxLayout()
        heartbeat.addWidget(self.heartbeat)
        heartbeat.addWidget(self.heartbeat_text, 1)
        state = QFormLayout()
        state.addRow("Application mode", self.application_mode)
        state.addRow("Training mode", self.training_mode)
        state.addRow("Active alarms", self.alarms)
        state.addRow("Active detectors", self.detectors)
        state.addRow("Animal", self.animal)
        state.addRow("Session / trial", self.session)
        counters = QGroupBox("Counters")
        grid = QGridLayout(counters)
        for row, (key, text) in enumerate(COUNTER_LABELS.items()):
            grid.addWidget(QLabel(text), row % 4, (row // 4) * 2)
            grid.addWidget(self.counters[key], row % 4, (row // 4) * 2 + 1)
        toggles = QGroupBox("Behaviour")
        toggle_grid = QGridLayout(toggles)
        for index, toggle in enumerate(Toggle):
            box = QCheckBox(toggle.label)
            box.setObjectName(f"Toggle_{toggle.name}")
            box.setToolTip("Sends the setting to the trainer; the box then shows what the trainer reports")
            box.clicked.connect(lambda checked, t=toggle: self.toggle_requested.emit(t, checked))
            self.toggles[toggle] = box
            toggle_grid.addWidget(box, index % 5, index // 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heartbeat)
        layout.addWidget(self.emergency)
        layout.addWidget(self.emergency_detail)
        layout.addWidget(self.unconfirmed)
        layout.addLayout(state)
        layout.addWidget(counters)
        layout.addWidget(toggles)
        layout.addStretch(1)

    def show_model(self, model: TrainerModel | None) -> None:
        if model is None:
            self.heartbeat.set_state("off", "No trainer selected")
            self.heartbeat_text.setText("No trainer selected")
            return
        light, words = _LIVENESS[model.liveness]
        if model.last_heartbeat is not None:
            words += f" · last heartbeat {dt.datetime.fromtimestamp(model.last_heartbeat).strftime('%H:%M:%S')}"
        if model.version_text:
            words += f" · {model.identifier} (auto-trainer-api {model.version_text})"
        self.heartbeat.set_state(light, words)
        self.heartbeat_text.setText(words)
        self._show_emergency(model)
        self.application_mode.setText(model.application_mode_name)
        self.training_mode.setText(model.training_mode_name)
        set_label_state(self.alarms, "error" if model.active_alarms else "ok",
                        ", ".join(a.name for a in model.active_alarms) or "none")
        set_label_state(self.detectors, "warning" if model.active_detectors else "ok",
                        ", ".join(d.name for d in model.active_detectors) or "none")
        animal = model.animal or {}
        self.animal.setText(str(animal.get("name") or animal.get("identifier") or "none selected"))
        session = model.session
        trial = "—" if session.trial_id is None else f"trial {session.trial_id}" + (" (running)" if session.in_trial else "")
        self.session.setText(f"{session.session_id or 'no session'} / {trial}")
        for key, label in self.counters.items():
            value = model.counters.values.get(key)
            label.setText("—" if value is None else str(value))
        for toggle, box in self.toggles.items():
            known = toggle in model.toggles
            box.setChecked(model.toggles.get(toggle, False))
            box.setEnabled(known)

    def _show_emergency(self, model: TrainerModel) -> None:
        emergency = model.emergency
        state, text = _EMERGENCY[emergency.condition]
        set_label_state(self.emergency, state, text)
        if emergency.condition is EmergencyCondition.UNKNOWN:
            self.emergency_detail.setText("Shown once the trainer reports a stop or a resume.")
        else:
            alarms = ", ".join(emergency.alarm_names) or "none"
            when = dt.datetime.fromtimestamp(emergency.when).strftime("%H:%M:%S") if emergency.when else "?"
            self.emergency_detail.setText(f"Reported at {when}: reason {emergency.reason_name}; alarms {alarms}")
        self.unconfirmed.setText(model.estop_unconfirmed)
        self.unconfirmed.setVisible(bool(model.estop_unconfirmed))
