"""A small round light whose colour follows its `state` property through the style sheet."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from gui.theme import repolish

STATES = ("ok", "warning", "error", "off")


class StatusLight(QLabel):
    """Green, amber, red or grey dot; the tooltip says in words what the colour means."""

    def __init__(self, parent: QWidget | None = None, state: str = "off") -> None:
        super().__init__(parent)
        self.setObjectName("StatusLight")
        self.setFixedSize(12, 12)
        self.set_state(state)

    @property
    def state(self) -> str:
        return str(self.property("state"))

    def set_state(self, state: str, tooltip: str | None = None) -> None:
        if state not in STATES:
            raise ValueError(f"unknown light state {state!r}")
        if tooltip is not None:
            self.setToolTip(tooltip)
            self.setAccessibleDescription(tooltip)
        if self.property("state") != state:
            self.setProperty("state", state)
            repolish(self)


def set_label_state(label: QLabel, state: str, text: str | None = None) -> None:
    """Colour a label by state (ok/warning/error/off) and optionally change its text."""
    if text is not None:
        label.setText(text)
    if label.property("state") != state:
        label.setProperty("state", state)
        repolish(label)
