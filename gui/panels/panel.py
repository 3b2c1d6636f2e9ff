"""The base of every panel in the sidebar: a title, an icon, and a connection light.

A panel talks to backend models through the `AppContext` it is attached to and never
builds a protocol message itself (STYLE.md, after PyDM). `attach` and `detach` are its
life cycle: the window attaches panels once the runtime runs and again after the bus
settings change.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from gui.app_context import AppContext


class Panel(QWidget):
    title = "Panel"
    icon_name = "bus"
    status_changed = Signal(str, str)
    """(state, description): state is ok, warning, error or off; the sidebar light shows it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context: AppContext | None = None
        self._status = ("off", "Not connected")

    def attach(self, context: AppContext) -> None:
        self.context = context

    def detach(self) -> None:
        self.context = None

    @property
    def status(self) -> tuple[str, str]:
        return self._status

    def set_status(self, state: str, description: str) -> None:
        if (state, description) != self._status:
            self._status = (state, description)
            self.status_changed.emit(state, description)
