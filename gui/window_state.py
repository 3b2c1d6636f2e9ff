"""Window geometry, dock layout and the last panel, remembered between runs.

Kept in its own file (`window.ini` beside the settings), not in the operator's settings:
it is the app's memory of how it was left, not a choice anyone edits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

STATE_VERSION = 1


class WindowState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def save(self, window: QMainWindow, current_panel: int, splitters: dict[str, QSplitter]) -> None:
        s = self._settings
        s.setValue("window/geometry", window.saveGeometry())
        s.setValue("window/state", window.saveState(STATE_VERSION))
        s.setValue("window/panel", current_panel)
        for name, splitter in splitters.items():
            s.setValue(f"splitters/{name}", splitter.saveState())
        s.sync()

    def restore(self, window: QMainWindow, splitters: dict[str, QSplitter]) -> int:
        """Restore what was saved; returns the panel index to show (0 when nothing was saved)."""
        s = self._settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state, STATE_VERSION)
        for name, splitter in splitters.items():
            saved = s.value(f"splitters/{name}")
            if isinstance(saved, QByteArray) and not saved.isEmpty():
                splitter.restoreState(saved)
        try:
            return int(s.value("window/panel", 0))
        except (TypeError, ValueError):
            return 0
