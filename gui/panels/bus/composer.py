"""The composer: any bus message from a form or as raw JSON, and what came back.

The form shows the topic keys of the chosen type (`protocols/bus.md` §4) and an editor
for the part of the message that varies (the Value, the Params, or the whole message).
Get, Set and Call wait for their answer and show it: the value, whether the Set was
kept, the Result, the Failure or the timeout. Everything typed stays where it was typed,
whatever the outcome and whichever type is chosen next.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from backend.bus.codec import encode, encode_json
from backend.bus.errors import BusError, CallFailed, CallTimeout, GetTimeout, ValueMissing
from backend.bus.message import BROADCAST, TOPIC_KEYS, BusMessage, MessageType
from backend.bus.service import STORE
from gui.app_context import AppContext
from gui.icons import set_icon
from gui.json_editor import JsonEditor
from gui.status_light import set_label_state
from gui.tasks import spawn

# What the body editor holds for each type: the Value, the Params, the whole message, or nothing.
BODY_MODE = {
    MessageType.GET: "none",
    MessageType.SET: "value",
    MessageType.RESET: "none",
    MessageType.UPDATE: "value",
    MessageType.CALL: "params",
    MessageType.CALL_RESULT: "message",
    MessageType.IDENTIFY: "none",
    MessageType.SELF: "message",
    MessageType.STARTUP: "message",
    MessageType.LOG: "message",
}
BODY_LABEL = {"value": "Value (JSON)", "params": "Params (JSON, optional)", "message": "Message (JSON)"}
BODY_TEMPLATE = {
    MessageType.SET: "0",
    MessageType.UPDATE: "0",
    MessageType.CALL: "",
    MessageType.CALL_RESULT: '{"Result": null}',
    MessageType.SELF: '{"Role": "Switchboard"}',
    MessageType.STARTUP: '{"Role": "Switchboard"}',
    MessageType.LOG: '{"Level": "Info", "Message": "Hello from Switchboard"}',
}
TARGET_DEFAULT = {MessageType.IDENTIFY: BROADCAST, MessageType.LOG: BROADCAST, MessageType.SELF: STORE, MessageType.STARTUP: STORE}
OWN_NAME_KEYS = ("Source", "RespondTo", "ExecutedOn")
ANSWERED_TYPES = (MessageType.GET, MessageType.SET, MessageType.CALL)


class Composer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context: AppContext | None = None
        self._body_texts: dict[MessageType, str] = dict(BODY_TEMPLATE)
        self._current_type = MessageType.CALL
        self._busy = False

        self.tabs = QTabWidget()
        self.tabs.setObjectName("ComposerTabs")
        self.tabs.addTab(self._build_form(), "Form")
        self.tabs.addTab(self._build_raw(), "Raw JSON")

        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("ComposerSend")
        set_icon(self.send_button, "send")
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send (Ctrl+Return)")
        self.send_button.setShortcut("Ctrl+Return")
        self.verdict = QLabel("Compose a message and press Send.")
        self.verdict.setObjectName("Banner")
        self.verdict.setWordWrap(True)
        set_label_state(self.verdict, "off")
        self.answer = QPlainTextEdit()
        self.answer.setObjectName("ComposerAnswer")
        self.answer.setReadOnly(True)
        self.answer.setProperty("monospace", True)
        self.answer.setPlaceholderText("The answer appears here.")
        self.answer.setMinimumHeight(48)
        self.answer.setMaximumHeight(160)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Composer")
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.send_button)
        layout.addWidget(self.verdict)
        layout.addWidget(self.answer)
        self.send_button.clicked.connect(self.send_clicked)
        self._show_type(MessageType.CALL)

    # ------------------------------------------------------------------ building

    def _build_form(self) -> QWidget:
        page = QWidget()
        self.form = QFormLayout(page)
        self.type_box = QComboBox()
        self.type_box.setObjectName("ComposerType")
        for kind in MessageType:
            self.type_box.addItem(kind.value, kind)
        self.type_box.setCurrentText(MessageType.CALL.value)
        self.form.addRow("Type", self.type_box)
        self.key_edits: dict[str, QLineEdit] = {}
        self.targets = QCompleter([], self)
        self.targets.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.methods = QCompleter([], self)
        self.methods.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        for key in ("Target", "Name", "Method", "ID", "RespondTo", "Source", "ExecutedOn"):
            edit = QLineEdit()
            edit.setObjectName(f"Composer{key}")
            if key == "Target":
                edit.setCompleter(self.targets)
                edit.setPlaceholderText("service name, e.g. RENDER1-Engine")
                edit.editingFinished.connect(self._target_chosen)
            elif key == "Method":
                edit.setCompleter(self.methods)
                edit.setPlaceholderText("PascalCase method")
            elif key == "Name":
                edit.setPlaceholderText("State.Some.Path")
            self.key_edits[key] = edit
            self.form.addRow(key, edit)
        self.body_label = QLabel("Value (JSON)")
        self.body = JsonEditor(allow_empty=True)
        self.body.setObjectName("ComposerBody")
        self.body.edit.setMinimumHeight(48)
        self.form.addRow(self.body_label, self.body)
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("ComposerTimeout")
        self.timeout.setRange(0.1, 120.0)
        self.timeout.setValue(5.0)
        self.timeout.setSuffix(" s")
        self.timeout_label = QLabel("Timeout")
        self.form.addRow(self.timeout_label, self.timeout)
        self.type_box.currentIndexChanged.connect(lambda _: self._show_type(self.chosen_type()))
        return page

    def _build_raw(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Topic (a JSON object, sent compact and in the order written)"))
        self.raw_topic = JsonEditor('{"Type":"Get","Target":"Store","Name":"CurrentShow","RespondTo":""}', require_object=True)
        self.raw_topic.setObjectName("RawTopic")
        layout.addWidget(self.raw_topic)
        layout.addWidget(QLabel("Message (a JSON object)"))
        self.raw_message = JsonEditor("{}", require_object=True)
        self.raw_message.setObjectName("RawMessage")
        layout.addWidget(self.raw_message)
        return page

    # ------------------------------------------------------------------ wiring

    def attach(self, context: AppContext) -> None:
        self.context = context
        for key in OWN_NAME_KEYS:
            self.key_edits[key].setPlaceholderText(context.service.name)
        raw = self.raw_topic.text()
        if '"RespondTo":""' in raw:
            self.raw_topic.set_text(raw.replace('"RespondTo":""', f'"RespondTo":"{context.service.name}"'))

    def set_known_services(self, names: list[str]) -> None:
        model = self.targets.model()
        if model.rowCount() != len(names):
            model.setStringList(names)  # type: ignore[attr-defined]

    def set_target(self, name: str) -> None:
        self.key_edits["Target"].setText(name)
        self._target_chosen()

    def load_message(self, message: BusMessage) -> None:
        """Put a message in the raw editor (from the detail pane's "Edit in composer")."""
        self.raw_topic.set_text(encode_json(message.topic))
        problem = message.body_problem
        self.raw_message.set_text(message.body_text() if problem else json.dumps(message.body, indent=2, ensure_ascii=False))
        self.tabs.setCurrentIndex(1)

    def chosen_type(self) -> MessageType:
        """The type chosen in the form (Qt hands StrEnum data back as plain text)."""
        return MessageType(self.type_box.currentData())

    def _show_type(self, kind: MessageType) -> None:
        self._body_texts[self._current_type] = self.body.text()
        self._current_type = kind
        keys = TOPIC_KEYS[kind][1:]
        for key, edit in self.key_edits.items():
            self.form.setRowVisible(edit, key in keys)
        target = self.key_edits["Target"]
        if kind in TARGET_DEFAULT and not target.text():
            target.setPlaceholderText(TARGET_DEFAULT[kind])
        id_edit = self.key_edits["ID"]
        id_edit.setPlaceholderText("automatic" if kind == MessageType.CALL else "the ID of the Call answered")
        id_edit.setReadOnly(kind == MessageType.CALL)
        for key in ("RespondTo", "Source", "ExecutedOn"):
            self.key_edits[key].setReadOnly(kind in ANSWERED_TYPES)
        mode = BODY_MODE[kind]
        self.form.setRowVisible(self.body, mode != "none")
        if mode != "none":
            self.body_label.setText(BODY_LABEL[mode])
            self.body.allow_empty = mode == "params"
            self.body.require_object = mode == "message"
            self.body.set_text(self._body_texts.get(kind, ""))
        self.form.setRowVisible(self.timeout, kind in (MessageType.GET, MessageType.CALL))

    def _target_chosen(self) -> None:
        target = self.key_edits["Target"].text().strip()
        if target and self.context is not None:
            spawn(self._load_methods(target), "composer-list-methods")

    async def _load_methods(self, target: str) -> None:
        """Offer the target's methods in the Method box, if it answers ListMethods."""
        assert self.context is not None
        try:
            described = await self.context.service.call(target, "ListMethods", None, timeout=1.0)
        except BusError:
            return
        if isinstance(described, list):
            names = [item.get("Method") for item in described if isinstance(item, dict) and isinstance(item.get("Method"), str)]
            self.methods.model().setStringList(names)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ sending

    def send_clicked(self) -> None:
        if self._busy or self.context is None:
            return
        spawn(self._send(), "composer-send")

    def _field(self, key: str, kind: MessageType) -> str:
        edit = self.key_edits[key]
        text = edit.text().strip()
        if text:
            return text
        if key in OWN_NAME_KEYS and self.context is not None:
            return self.context.service.name
        if key == "Target" and kind in TARGET_DEFAULT:
            return TARGET_DEFAULT[kind]
        raise ValueError(f"A {kind.value} needs a {key}")

    async def _send(self) -> None:
        self._busy = True
        self.send_button.setEnabled(False)
        try:
            if self.tabs.currentIndex() == 1:
                await self._send_raw()
            else:
                await self._send_form()
        except ValueError as problem:
            self._show("error", str(problem))
        finally:
            self._busy = False
            self.send_button.setEnabled(True)

    async def _send_form(self) -> None:
        assert self.context is not None
        kind = self.chosen_type()
        mode = BODY_MODE[kind]
        body_value: Any = None
        if mode != "none":
            try:
                body_value = self.body.value()
            except ValueError as problem:
                raise ValueError(f"{BODY_LABEL[mode].split(' (')[0]} {problem}") from None
        actions = self.context.actions
        target = self._field("Target", kind)
        timeout = self.timeout.value()
        if kind == MessageType.GET:
            name = self._field("Name", kind)
            self._show("off", f"Waiting for {target} to answer the Get of {name}…")
            try:
                value = await actions.get(target, name, timeout)
            except ValueMissing as missing:
                self._show("warning", f"{missing} (it answered \"null\").")
                return
            except GetTimeout as silence:
                self._show("error", f"{silence}.")
                return
            self._show("ok", f"{target} answered: {name} is", value)
        elif kind == MessageType.SET:
            name = self._field("Name", kind)
            self._show("off", f"Waiting for {target} to confirm {name}…")
            outcome = await actions.set(target, name, body_value)
            if not outcome.confirmed:
                self._show("error", f"Not confirmed: {target} sent no Update of {name} within 2 s.")
            elif outcome.accepted:
                self._show("ok", f"{target} kept {name}:", outcome.kept)
            else:
                self._show("warning", f"{target} refused the Set of {name}; it kept:", outcome.kept)
        elif kind == MessageType.CALL:
            method = self._field("Method", kind)
            self._show("off", f"Waiting for {target} to answer {method}…")
            try:
                result = await actions.call(target, method, body_value, timeout)
            except CallFailed as failure:
                self._show("error", f"{target} answered {method} with a Failure:", failure.failure)
                return
            except (CallTimeout, BusError) as silence:
                self._show("error", f"{silence}.")
                return
            self._show("ok", f"{target} answered {method} with a Result:", result)
        elif kind == MessageType.RESET:
            await actions.reset(target)
            self._show("ok", f"Reset sent to {target}. Its Update of State shows what it restored.")
        else:
            await self._send_built(kind, target, body_value)

    async def _send_built(self, kind: MessageType, target: str, body_value: Any) -> None:
        assert self.context is not None
        topic = {"Type": kind.value}
        for key in TOPIC_KEYS[kind][1:]:
            topic[key] = target if key == "Target" else self._field(key, kind)
        body = {"Value": body_value} if BODY_MODE[kind] == "value" else (body_value or {})
        frames = encode(BusMessage(topic=topic, body=body))
        sent = await self.context.actions.send_raw(frames)
        self._show("ok" if sent else "error", f"{kind.value} sent to {target}." if sent else "Not sent: the hub queue is full or the bus is closed.")

    async def _send_raw(self) -> None:
        assert self.context is not None
        try:
            topic = self.raw_topic.value()
            body = self.raw_message.value()
        except ValueError as problem:
            raise ValueError(f"The raw message {problem}") from None
        frames = [encode_json(topic).encode("utf-8"), encode_json(body).encode("utf-8")]
        sent = await self.context.actions.send_raw(frames)
        self._show("ok" if sent else "error", "Raw message sent; its answer, if any, shows in the traffic." if sent else "Not sent: the hub queue is full or the bus is closed.")

    def _show(self, state: str, sentence: str, value: Any = ...) -> None:
        set_label_state(self.verdict, state, sentence)
        if value is ...:
            self.answer.clear()
        else:
            self.answer.setPlainText(json.dumps(value, indent=2, ensure_ascii=False))
