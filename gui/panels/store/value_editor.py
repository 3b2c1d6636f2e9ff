"""The typed editor beside the Store tree: text, number, true/false, null or JSON, checked as typed.

It never throws away what the operator typed: the panel reads `draft()` before showing
another value and gives it back with `restore()`, and an answer (refused, not
confirmed) only changes the status line, never the editor.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.json_editor import JsonEditor
from gui.status_light import set_label_state
from gui.widgets import section_title

TYPES = ("Text", "Number", "Boolean", "Null", "JSON")


def _at_top(widget: QWidget) -> QWidget:
    """A one-line editor kept at the top of its page instead of stretched to the JSON editor's height."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    layout.addStretch(1)
    return page


def type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "Text"
    if value is None:
        return "Null"
    return "JSON"


def parse_number(text: str) -> int | float:
    """A whole number stays whole; anything else that is a finite number is a float."""
    cleaned = text.strip()
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"'{cleaned}' is not a number") from None
    if not math.isfinite(number):
        raise ValueError("JSON has no infinite or NaN numbers")
    return number


class ValueEditor(QWidget):
    apply_requested = Signal()
    remove_requested = Signal()
    add_requested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ValueEditor")
        self.where = QLabel("Select a value in the tree.")
        self.where.setObjectName("EditorWhere")
        self.where.setWordWrap(True)
        self.holds = QLabel("")
        self.holds.setObjectName("EditorHolds")
        self.holds.setWordWrap(True)
        self.type_box = QComboBox()
        self.type_box.setObjectName("EditorType")
        self.type_box.addItems(TYPES)
        self.text = QLineEdit()
        self.text.setObjectName("EditorText")
        self.number = QLineEdit()
        self.number.setObjectName("EditorNumber")
        self.number.setPlaceholderText("e.g. 25 or 0.42")
        self.boolean = QCheckBox("true")
        self.boolean.setObjectName("EditorBoolean")
        self.null = QLabel("null (no value)")
        self.json = JsonEditor("{}")
        self.json.setObjectName("EditorJson")
        self.stack = QStackedWidget()
        for widget in (self.text, self.number, self.boolean, self.null):
            self.stack.addWidget(_at_top(widget))
        self.stack.addWidget(self.json)
        self.verdict = QLabel()
        self.verdict.setObjectName("ValidationMessage")
        self.verdict.setWordWrap(True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("EditorApply")
        self.apply_button.setToolTip("Send the value to its owner (Ctrl+Return)")
        self.apply_button.setShortcut("Ctrl+Return")
        self.remove_button = QPushButton("Remove key…")
        self.remove_button.setObjectName("EditorRemove")
        self.status = QLabel("")
        self.status.setObjectName("Banner")
        self.status.setWordWrap(True)
        set_label_state(self.status, "off")
        self.status.hide()

        self.new_key = QLineEdit()
        self.new_key.setObjectName("EditorNewKey")
        self.new_key.setPlaceholderText("new key")
        self.new_value = QLineEdit()
        self.new_value.setObjectName("EditorNewValue")
        self.new_value.setPlaceholderText('value as JSON, e.g. 1 or "text"')
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("EditorAdd")
        self.add_row = QWidget()
        add_layout = QHBoxLayout(self.add_row)
        add_layout.setContentsMargins(0, 0, 0, 0)
        add_layout.addWidget(self.new_key, 1)
        add_layout.addWidget(self.new_value, 2)
        add_layout.addWidget(self.add_button)

        form = QFormLayout()
        form.addRow("Type", self.type_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(section_title("Value"))
        layout.addWidget(self.where)
        layout.addWidget(self.holds)
        layout.addLayout(form)
        layout.addWidget(self.stack)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(section_title("Add a key to this object"))
        layout.addWidget(self.add_row)
        layout.addStretch(1)

        self.type_box.currentIndexChanged.connect(self._type_chosen)
        for signal in (self.text.textChanged, self.number.textChanged, self.json.edit.textChanged):
            signal.connect(self._check)
        self.apply_button.clicked.connect(self.apply_requested.emit)
        self.remove_button.clicked.connect(self.remove_requested.emit)
        self.add_button.clicked.connect(self._add_clicked)
        self.set_editable(False, can_remove=False, is_object=False)

    # ------------------------------------------------------------------ showing

    def show_value(self, where: str, value: Any) -> None:
        """Fill the editor with `value` (the one the owner holds)."""
        self.where.setText(where)
        kind = type_of(value)
        self.type_box.blockSignals(True)
        self.type_box.setCurrentText(kind)
        self.type_box.blockSignals(False)
        self.text.setText(value if isinstance(value, str) else "")
        self.number.setText(json.dumps(value) if kind == "Number" else "")
        self.boolean.setChecked(bool(value) if kind == "Boolean" else False)
        self.json.set_text(json.dumps(value, indent=2, ensure_ascii=False) if kind == "JSON" else "{}")
        self.stack.setCurrentIndex(TYPES.index(kind))
        self._check()

    def show_holds(self, text: str) -> None:
        """What the owner holds now, without touching what is being typed."""
        self.holds.setText(text)

    def set_editable(self, editable: bool, *, can_remove: bool, is_object: bool) -> None:
        for widget in (self.type_box, self.stack, self.apply_button):
            widget.setEnabled(editable)
        self.remove_button.setEnabled(editable and can_remove)
        self.add_row.setEnabled(editable and is_object)

    def set_status(self, state: str, text: str) -> None:
        set_label_state(self.status, state, text)
        self.status.setVisible(bool(text))

    # ------------------------------------------------------------------ drafts

    def draft(self) -> dict[str, Any]:
        """Everything typed, to give back later with `restore`."""
        return {
            "type": self.type_box.currentText(),
            "text": self.text.text(),
            "number": self.number.text(),
            "boolean": self.boolean.isChecked(),
            "json": self.json.text(),
        }

    def restore(self, draft: dict[str, Any]) -> None:
        self.type_box.blockSignals(True)
        self.type_box.setCurrentText(draft["type"])
        self.type_box.blockSignals(False)
        self.stack.setCurrentIndex(TYPES.index(draft["type"]))
        self.text.setText(draft["text"])
        self.number.setText(draft["number"])
        self.boolean.setChecked(draft["boolean"])
        self.json.set_text(draft["json"])
        self._check()

    # ------------------------------------------------------------------ reading

    def value(self) -> Any:
        """The value as typed; ValueError with a sentence when it is not one."""
        kind = self.type_box.currentText()
        if kind == "Text":
            return self.text.text()
        if kind == "Number":
            return parse_number(self.number.text())
        if kind == "Boolean":
            return self.boolean.isChecked()
        if kind == "Null":
            return None
        return self.json.value()

    def _type_chosen(self) -> None:
        self.stack.setCurrentIndex(self.type_box.currentIndex())
        self._check()

    def _check(self) -> None:
        try:
            self.value()
            problem = ""
        except ValueError as error:
            problem = f"The value {error}" if self.type_box.currentText() == "JSON" else str(error)
        self.verdict.setText(problem)
        self.verdict.setVisible(bool(problem))

    def _add_clicked(self) -> None:
        key = self.new_key.text().strip()
        if not key or "." in key:
            self.set_status("error", "A key must be non-empty and contain no '.'")
            return
        try:
            value = json.loads(self.new_value.text())
        except ValueError as error:
            self.set_status("error", f"The new value is not JSON: {error}")
            return
        self.add_requested.emit(key, value)
