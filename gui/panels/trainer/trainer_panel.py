"""The Trainer panel: every configured trainer, one at a time in detail — its state as it
reported it, its commands, its stop and resume, and its event stream.

The panel calls the `TrainerFleet` (which audits) and observes each `TrainerModel`
through an adapter; it never builds a protocol message. Mode changes and resume ask
first; a stop never asks.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from backend.app.trainer_fleet import TrainerFleet
from backend.trainer.command_outcome import CommandOutcome
from backend.trainer.trainer_model import TrainerEvent, TrainerModel
from backend.trainer.trainer_status import EmergencyCondition, Liveness
from backend.trainer.wire_enums import ApplicationMode, Toggle, TrainingMode
from gui.app_context import AppContext
from gui.dialogs import confirm, run_dialog
from gui.panels.panel import Panel
from gui.panels.trainer.model_adapter import TrainerModelAdapter
from gui.panels.trainer.resume_dialog import ResumeDialog
from gui.panels.trainer.trainer_commands_view import TrainerCommandsView
from gui.panels.trainer.trainer_events_view import TrainerEventsView
from gui.panels.trainer.trainer_status_view import TrainerStatusView
from gui.tasks import spawn

ORIGIN = "Trainer panel"


class TrainerPanel(Panel):
    title = "Trainer"
    icon_name = "trainer"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainerPanel")
        self.fleet: TrainerFleet | None = None
        self.adapters: dict[str, TrainerModelAdapter] = {}
        self.selected: str | None = None
        self._modes_offered = False
        """The mode choices start from the selected trainer's modes once, then stay the operator's."""

        heading = QLabel("Trainer")
        heading.setObjectName("PanelTitle")
        self.summary = QLabel("No trainers configured")
        self.summary.setObjectName("Muted")
        self.trainer_list = QListWidget()
        self.trainer_list.setObjectName("TrainerList")
        self.trainer_list.setMaximumWidth(200)
        self.stop_button = QPushButton("Stop this trainer")
        self.stop_button.setObjectName("StopTrainer")
        self.stop_button.setToolTip("Emergency stop of the selected trainer only; never asks")
        self.resume_button = QPushButton("Resume…")
        self.resume_button.setObjectName("ResumeTrainer")
        self.status_view = TrainerStatusView()
        self.commands_view = TrainerCommandsView()
        self.events_view = TrainerEventsView()
        self._build(heading)
        self.trainer_list.currentRowChanged.connect(self._on_row_changed)
        self.stop_button.clicked.connect(self._stop_selected)
        self.resume_button.clicked.connect(lambda: spawn(self.resume_selected(), "trainer-resume"))
        self.commands_view.application_mode_requested.connect(lambda mode: spawn(self.set_application_mode(mode), "trainer-mode"))
        self.commands_view.training_mode_requested.connect(lambda mode: spawn(self.set_training_mode(mode), "trainer-mode"))
        self.commands_view.refresh_requested.connect(lambda: spawn(self._refresh(), "trainer-refresh"))
        self.commands_view.user_command_requested.connect(lambda number, data: spawn(self._user_command(number, data), "trainer-user"))
        self.status_view.toggle_requested.connect(lambda toggle, on: spawn(self._set_toggle(toggle, on), "trainer-toggle"))
        self._show_selected()

    def _build(self, heading: QLabel) -> None:
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(self.summary, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        actions = QHBoxLayout()
        actions.addWidget(self.stop_button)
        actions.addWidget(self.resume_button)
        actions.addStretch(1)
        upper = QWidget()
        upper_layout = QHBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.status_view, 3)
        upper_layout.addWidget(self.commands_view, 2)
        details = QSplitter(Qt.Orientation.Vertical)
        details.setObjectName("TrainerSplitter")
        scroller = QScrollArea()  # the status is tall: let the splitter give the event stream room
        scroller.setWidget(upper)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        details.addWidget(scroller)
        details.addWidget(self.events_view)
        details.setStretchFactor(1, 1)
        details.setSizes([420, 300])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(actions)
        right_layout.addWidget(details, 1)
        body = QHBoxLayout()
        body.addWidget(self.trainer_list)
        body.addWidget(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    # --- life cycle ------------------------------------------------------------------------------

    def attach(self, context: AppContext) -> None:
        super().attach(context)
        fleet = context.runtime.fleets.get(TrainerFleet.family)
        self.fleet = fleet if isinstance(fleet, TrainerFleet) else None
        if self.fleet is not None:
            self.fleet.clients_changed.connect(self._rebuild_trainers)
        self._rebuild_trainers()

    def detach(self) -> None:
        if self.fleet is not None:
            self.fleet.clients_changed.disconnect(self._rebuild_trainers)
        self._close_adapters()
        self.fleet = None
        super().detach()

    def _close_adapters(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()
            adapter.deleteLater()
        self.adapters = {}

    def _rebuild_trainers(self) -> None:
        self._close_adapters()
        clients = self.fleet.clients if self.fleet is not None else {}
        previous = self.selected
        self.trainer_list.blockSignals(True)
        self.trainer_list.clear()
        for name, client in clients.items():
            adapter = TrainerModelAdapter(client.model, self)
            adapter.changed.connect(lambda n=name: self._on_model_changed(n))
            adapter.events_arrived.connect(lambda events, n=name: self._on_events(n, events))
            self.adapters[name] = adapter
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.trainer_list.addItem(item)
        self.trainer_list.blockSignals(False)
        names = list(clients)
        row = names.index(previous) if previous in names else (0 if names else -1)
        self.trainer_list.setCurrentRow(row)
        self._on_row_changed(row)
        self._update_overview()

    def model(self, name: str | None) -> TrainerModel | None:
        adapter = self.adapters.get(name or "")
        return adapter.model if adapter is not None else None

    # --- showing ---------------------------------------------------------------------------------

    def _on_row_changed(self, row: int) -> None:
        item = self.trainer_list.item(row) if row >= 0 else None
        self.selected = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self._show_selected()
        self.events_view.show_model(self.model(self.selected))
        self._modes_offered = False
        self._offer_current_modes()

    def _show_selected(self) -> None:
        model = self.model(self.selected)
        self.status_view.show_model(model)
        for widget in (self.stop_button, self.resume_button, self.commands_view, self.status_view):
            widget.setEnabled(model is not None)

    def _on_model_changed(self, name: str) -> None:
        if name == self.selected:
            self.status_view.show_model(self.model(name))
            self._offer_current_modes()
        self._update_overview()

    def _offer_current_modes(self) -> None:
        model = self.model(self.selected)
        if not self._modes_offered and model is not None and model.application_mode is not None:
            self.commands_view.show_modes(model)
            self._modes_offered = True

    def _on_events(self, name: str, events: list[TrainerEvent]) -> None:
        if name == self.selected:
            self.events_view.add(events)

    def _update_overview(self) -> None:
        models = [adapter.model for adapter in self.adapters.values()]
        for row in range(self.trainer_list.count()):
            item = self.trainer_list.item(row)
            model = self.model(item.data(Qt.ItemDataRole.UserRole))
            if model is not None:
                item.setText(f"{model.name}\n{_one_line(model)}")
        if not models:
            self.summary.setText("No trainers configured")
            self.set_status("off", "No trainers configured")
            return
        stopped = [m.name for m in models if m.emergency.condition is EmergencyCondition.STOPPED]
        unconfirmed = [m.name for m in models if m.estop_unconfirmed]
        unwell = [m.name for m in models if m.liveness is not Liveness.ONLINE]
        self.summary.setText(f"{len(models)} trainer(s) · {len(stopped)} stopped · {len(unwell)} not online")
        if unconfirmed:
            self.set_status("error", "E-stop not confirmed: " + ", ".join(unconfirmed))
        elif stopped:
            self.set_status("error", "Stopped: " + ", ".join(stopped))
        elif unwell:
            self.set_status("warning", "Not online: " + ", ".join(unwell))
        else:
            self.set_status("ok", f"{len(models)} trainer(s) online and running")

    # --- acting ----------------------------------------------------------------------------------

    def _stop_selected(self) -> None:
        if self.fleet is not None and self.selected is not None:
            name = self.selected
            stopping = self.fleet.begin_emergency_stop([name], origin=ORIGIN)  # sent before this returns
            spawn(self._report(stopping), "trainer-stop")

    async def resume_selected(self) -> None:
        model = self.model(self.selected)
        if self.fleet is None or model is None:
            return
        detail = f"It reports: {model.emergency.condition.value} (reason {model.emergency.reason_name})."
        dialog = ResumeDialog(model.name, detail, self)
        accepted = await run_dialog(dialog)
        reason = dialog.reason.text().strip()
        dialog.deleteLater()
        if accepted:
            await self._report(self.fleet.emergency_resume(model.name, reason=reason, origin=ORIGIN))

    async def set_application_mode(self, mode: ApplicationMode) -> None:
        await self._change_mode("application", mode, lambda fleet, name: fleet.set_application_mode(name, mode, origin=ORIGIN))

    async def set_training_mode(self, mode: TrainingMode) -> None:
        await self._change_mode("training", mode, lambda fleet, name: fleet.set_training_mode(name, mode, origin=ORIGIN))

    async def _change_mode(self, which: str, mode: Any, act: Any) -> None:
        model = self.model(self.selected)
        if self.fleet is None or model is None:
            return
        current = model.application_mode_name if which == "application" else model.training_mode_name
        question = f"Change the {which} mode of trainer '{model.name}' from {current} to {mode.name}?"
        if await confirm(self, f"Change {which} mode", question, action=f"Set {mode.name}"):
            await self._report(act(self.fleet, model.name))

    async def _set_toggle(self, toggle: Toggle, enabled: bool) -> None:
        if self.fleet is not None and self.selected is not None:
            await self._report(self.fleet.set_toggle(self.selected, toggle, enabled, origin=ORIGIN))
        self._show_selected()  # the box shows what the trainer reported, not the click

    async def _refresh(self) -> None:
        if self.fleet is not None and self.selected is not None:
            client = self.fleet.client(self.selected)
            configuration = await client.refresh_configuration()
            status = await client.refresh_status()
            failed = next((o for o in (configuration, status) if not o.ok), None)
            outcome = failed or status
            self.commands_view.show_result(outcome.ok, outcome.sentence)

    async def _user_command(self, number: int, data: Any) -> None:
        if self.fleet is not None and self.selected is not None:
            await self._report(self.fleet.user_command(self.selected, number, data, origin=ORIGIN))

    async def _report(self, action: Awaitable[CommandOutcome | list[CommandOutcome]]) -> None:
        result = await action
        outcomes = result if isinstance(result, list) else [result]
        for outcome in outcomes:
            self.commands_view.show_result(outcome.ok, outcome.sentence)


def _one_line(model: TrainerModel) -> str:
    if model.estop_unconfirmed:
        return "E-STOP NOT CONFIRMED"
    if model.liveness is not Liveness.ONLINE:
        return model.liveness.value
    return f"{model.emergency.condition.value} · {model.application_mode_name}"
