"""The EMERGENCY STOP in the main toolbar: one click, or one key from any panel, stops every trainer.

The action fires the fleet's stop for every connected trainer at once; it never asks.
What the operator then sees (the Trainer panel's state, the sidebar light) is what each
trainer reported, and a stop that is not confirmed raises "E-stop not confirmed".
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QToolBar

from backend.app.trainer_fleet import TrainerFleet
from gui.app_context import AppContext
from gui.tasks import spawn

log = logging.getLogger(__name__)

SHORTCUT = "F12"


class EmergencyStopAction(QAction):
    def __init__(self, window: QMainWindow, toolbar: QToolBar) -> None:
        super().__init__("EMERGENCY STOP", window)
        self.setObjectName("EmergencyStopAction")
        self.setShortcut(QKeySequence(SHORTCUT))
        self.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.setToolTip(f"Stop every connected trainer now ({SHORTCUT}); never asks")
        self.context: AppContext | None = None
        window.addAction(self)
        toolbar.addSeparator()
        toolbar.addAction(self)
        button = toolbar.widgetForAction(self)
        if button is not None:
            button.setObjectName("EmergencyStopButton")
        self.triggered.connect(self.stop_all)

    def attach(self, context: AppContext) -> None:
        self.context = context

    def detach(self) -> None:
        self.context = None

    def stop_all(self) -> None:
        fleet = self._fleet()
        if fleet is None:
            log.error("EMERGENCY STOP pressed, but Switchboard is not running: no trainer was stopped", extra={"source": "Trainer"})
            return
        if not fleet.clients:
            log.warning("EMERGENCY STOP pressed: no trainers are configured", extra={"source": "Trainer"})
            return
        stopping = fleet.begin_emergency_stop(origin="toolbar")  # every request is on its way when this returns
        spawn(_await(stopping), "emergency-stop-all")

    def _fleet(self) -> TrainerFleet | None:
        if self.context is None:
            return None
        fleet = self.context.runtime.fleets.get(TrainerFleet.family)
        return fleet if isinstance(fleet, TrainerFleet) else None


async def _await(task: object) -> None:
    """Keep the stop's task referenced and its failure reported (gui.tasks) until it ends."""
    await task  # type: ignore[misc]
