"""The "E-stop not confirmed" alarm: a window of its own over whatever panel is showing (`trainer.md` §8).

A trainer that never confirmed EMERGENCY_STOP must not go unnoticed while the operator is on
another panel, so the alarm is a window on top that stays until it is acknowledged or every
stop is confirmed, and comes back for each trainer newly unconfirmed. It is deliberately not
modal: a modal window would block the toolbar's EMERGENCY STOP and its shortcut, and another
stop is exactly what the operator may need next.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from backend.trainer.trainer_model import TrainerModel

TITLE = "E-stop not confirmed"


class EStopAlarm:
    """Follows the trainers' models; shows, updates and closes the alarm window."""

    def __init__(self, parent: QWidget) -> None:
        self.box = QMessageBox(QMessageBox.Icon.Critical, TITLE, "", QMessageBox.StandardButton.Ok, parent)
        self.box.setObjectName("EStopNotConfirmedAlarm")
        self.box.setWindowModality(Qt.WindowModality.NonModal)
        self.box.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self._raised_for: frozenset[str] = frozenset()

    def follow(self, models: Iterable[TrainerModel]) -> None:
        unconfirmed = {model.name: model.estop_unconfirmed for model in models if model.estop_unconfirmed}
        if not unconfirmed:
            self._raised_for = frozenset()
            self.box.hide()
            return
        self.box.setText("\n\n".join(unconfirmed.values()))
        self.box.setInformativeText("Check the rig now. EMERGENCY STOP (F12) tries again.")
        if not unconfirmed.keys() <= self._raised_for:  # a trainer newly unconfirmed: raise it even if acknowledged
            self.box.show()
            self.box.raise_()
            self.box.activateWindow()
        self._raised_for = frozenset(unconfirmed)
