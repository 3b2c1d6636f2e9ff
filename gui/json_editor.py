"""A text box for JSON that says what is wrong with it, live, without losing a character."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from gui.theme import repolish

_EMPTY = object()


class JsonEditor(QWidget):
    """Editor plus a one-line verdict. `value()` raises ValueError with the reason when invalid."""

    validity_changed = Signal(bool)

    def __init__(self, text: str = "", *, allow_empty: bool = False, require_object: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.allow_empty = allow_empty
        self.require_object = require_object
        self.edit = QPlainTextEdit(text)
        self.edit.setProperty("monospace", True)
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.edit.setTabChangesFocus(True)
        self.verdict = QLabel()
        self.verdict.setObjectName("ValidationMessage")
        self.verdict.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.verdict)
        self._valid = True
        self.edit.textChanged.connect(self._check)
        self._check()

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    def is_valid(self) -> bool:
        return self._valid

    def value(self) -> Any:
        """The parsed value; `None` for an allowed empty box. Raises ValueError with a sentence."""
        text = self.text().strip()
        if not text:
            if self.allow_empty:
                return None
            raise ValueError("is empty; write a JSON value (for text, use quotes: \"like this\")")
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
        if self.require_object and not isinstance(parsed, dict):
            raise ValueError("must be a JSON object ({…})")
        return parsed

    def _check(self) -> None:
        try:
            self.value()
            problem = ""
        except ValueError as error:
            problem = str(error)
        valid = not problem
        self.verdict.setText(problem)
        self.verdict.setVisible(not valid)
        if self.edit.property("valid") != valid:
            self.edit.setProperty("valid", valid)
            repolish(self.edit)
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
