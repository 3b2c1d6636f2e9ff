"""The detail pane: one message with its topic and message pretty-printed."""

from __future__ import annotations

import datetime as dt
import json

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from backend.bus.message import BusMessage

HEX_PREVIEW_BYTES = 256


def describe(message: BusMessage) -> str:
    """The text the detail pane shows: a heading line, the topic, the message, the attachment."""
    when = dt.datetime.fromtimestamp(message.received).strftime("%H:%M:%S.%f")[:-3]
    source = message.sender or "?"
    target = message.target or "?"
    lines = [f"{message.type} from {source} to {target} at {when}, {message.size:,} bytes", "", "Topic"]
    lines.append(json.dumps(message.topic, indent=2, ensure_ascii=False))
    problem = message.body_problem
    if problem is None:
        lines += ["", "Message", json.dumps(message.body, indent=2, ensure_ascii=False)]
    else:
        lines += ["", f"Message (malformed: {problem})", message.body_text()]
    if message.attachment is not None:
        data = message.attachment
        lines += ["", f"Attachment: {len(data):,} bytes"]
        preview = data[:HEX_PREVIEW_BYTES]
        for offset in range(0, len(preview), 16):
            chunk = preview[offset : offset + 16]
            lines.append(f"{offset:08x}  {chunk.hex(' ')}")
        if len(data) > HEX_PREVIEW_BYTES:
            lines.append("…")
    return "\n".join(lines)


class MessageDetail(QWidget):
    """Shows the selected message; can copy it or hand it to the composer."""

    edit_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message: BusMessage | None = None
        self.heading = QLabel("Select a message to see it in full.")
        self.heading.setObjectName("SectionTitle")
        self.text = QPlainTextEdit()
        self.text.setObjectName("MessageDetailText")
        self.text.setReadOnly(True)
        self.text.setProperty("monospace", True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy = QPushButton("Copy")
        self.copy.setToolTip("Copy the topic and message as JSON")
        self.to_composer = QPushButton("Edit in composer")
        self.to_composer.setObjectName("EditInComposer")
        self.to_composer.setToolTip("Put this message in the composer's raw editor to change and send it")
        for button in (self.copy, self.to_composer):
            button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.heading, 1)
        buttons.addWidget(self.copy)
        buttons.addWidget(self.to_composer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.text)
        self.copy.clicked.connect(self._copy)
        self.to_composer.clicked.connect(lambda: self.edit_requested.emit(self.message))

    def show_message(self, message: BusMessage | None) -> None:
        self.message = message
        for button in (self.copy, self.to_composer):
            button.setEnabled(message is not None)
        if message is None:
            self.heading.setText("Select a message to see it in full.")
            self.text.clear()
            return
        self.heading.setText(f"{message.type} — {message.subject or message.sender or ''}")
        self.text.setPlainText(describe(message))

    def _copy(self) -> None:
        if self.message is not None:
            text = json.dumps({"Topic": self.message.topic, "Message": self.message.readable_body()}, indent=2, ensure_ascii=False)
            QGuiApplication.clipboard().setText(text)
