"""The Store panel: shows, every service's State in a show, and safe edits of it.

Protocol knowledge stays in `backend.app.store_model.StoreModel`; this panel shows what
the model knows and turns the operator's gestures into its methods.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from backend.app import locations
from backend.app.store_model import Edit, EditStatus, StateSource, StoreModel
from backend.bus.errors import BusError
from backend.bus.json_search import search
from backend.bus.json_tree import join, summary
from backend.bus.message import LogLevel
from backend.bus.service import MISSING, StoreLink
from backend.bus.store.store_service import EXPORT_FORMAT
from gui.app_context import AppContext
from gui.dialogs import confirm, inform, open_path, run_dialog, save_path
from gui.panels.panel import Panel
from gui.panels.store.compare_dialog import LIVE, CompareDialog
from gui.panels.store.show_dialogs import ShowNameDialog
from gui.panels.store.state_tree_model import Node, StateTreeModel
from gui.panels.store.value_editor import ValueEditor
from gui.status_bar import STORE_STATES
from gui.tasks import spawn
from gui.widgets import section_title, tool_button

CURRENT_MARK = "  (current)"
_EDIT_WORDS = {
    EditStatus.PENDING: ("warning", "Pending: waiting for {owner} to confirm {name}…"),
    EditStatus.CONFIRMED: ("ok", "{owner} kept {name}."),
    EditStatus.REFUSED: ("error", "{owner} refused {name} and kept {kept}. Your value is still in the editor."),
    EditStatus.NOT_CONFIRMED: ("error", "Not confirmed: {owner} sent no Update of {name} within 2 s. Your value is still in the editor."),
    EditStatus.FAILED: ("error", "Not changed: {message}. Your value is still in the editor."),
}


class StorePanel(Panel):
    title = "Store"
    icon_name = "store"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StorePanel")
        self.model: StoreModel | None = None
        self.tree_model = StateTreeModel(self)
        self.drafts: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.selected: Node | None = None

        heading = QLabel("Store")
        heading.setObjectName("PanelTitle")
        self.summary = QLabel("No Store seen yet")
        self.summary.setObjectName("Muted")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(self.summary, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.show_box = QComboBox()
        self.show_box.setObjectName("ShowSelector")
        self.show_box.setMinimumContentsLength(18)
        self.switch_button = tool_button("Switch to this show…", "play", "Make the chosen show current: every service gets its State", "ShowSwitch")
        self.new_button = tool_button("New…", "add", "Create a show, blank or from another", "ShowNew")
        self.rename_button = tool_button("Rename…", "rename", "Rename the chosen show", "ShowRename")
        self.delete_button = tool_button("Delete…", "clear", "Delete the chosen show (not the current one)", "ShowDelete")
        self.export_button = tool_button("Export…", "export", "Save the chosen show as a JSON file", "ShowExport")
        self.import_button = tool_button("Import…", "import", "Create or replace a show from a JSON file", "ShowImport")
        self.compare_button = tool_button("Compare…", "compare", "Differences between two shows, or live against stored", "ShowCompare")
        self.reload_button = tool_button("Reload", "reload", "Read the shows and States again", "StoreReload")
        shows_row = QHBoxLayout()
        shows_row.addWidget(QLabel("Show"))
        shows_row.addWidget(self.show_box)
        for button in (self.switch_button, self.new_button, self.rename_button, self.delete_button, self.export_button, self.import_button, self.compare_button):
            shows_row.addWidget(button)
        shows_row.addStretch(1)
        shows_row.addWidget(self.reload_button)

        self.search_box = QLineEdit()
        self.search_box.setObjectName("StoreSearch")
        self.search_box.setPlaceholderText("Search paths and values in this show (Enter)…")
        self.search_box.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("SearchResults")
        self.results.setMaximumHeight(150)
        self.results.hide()

        self.tree = QTreeView()
        self.tree.setObjectName("StateTree")
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 320)
        self.tree.setColumnWidth(2, 110)
        self.editor = ValueEditor()
        tree_box = QWidget()
        tree_layout = QVBoxLayout(tree_box)
        tree_layout.setContentsMargins(0, 0, 0, 0)
        tree_layout.addWidget(section_title("States in this show: live from their owners, stored for services offline"))
        tree_layout.addWidget(self.search_box)
        tree_layout.addWidget(self.results)
        tree_layout.addWidget(self.tree, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("StoreSplitter")
        tree_box.setMinimumWidth(360)
        self.editor.setMinimumWidth(280)
        self.splitter.addWidget(tree_box)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 380])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(top)
        layout.addLayout(shows_row)
        layout.addWidget(self.splitter, 1)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(300)
        self._reload_timer.timeout.connect(self.reload_sources)
        self.show_box.currentIndexChanged.connect(lambda _: self._reload_timer.start())
        self.tree_model.load_requested.connect(self._load_source)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.editor.apply_requested.connect(self._apply)
        self.editor.remove_requested.connect(lambda: spawn(self._remove(), "store-remove"))
        self.editor.add_requested.connect(self._add)
        self.switch_button.clicked.connect(lambda: spawn(self._switch(), "store-switch"))
        self.new_button.clicked.connect(lambda: spawn(self._new_show(), "store-new"))
        self.rename_button.clicked.connect(lambda: spawn(self._rename(), "store-rename"))
        self.delete_button.clicked.connect(lambda: spawn(self._delete(), "store-delete"))
        self.export_button.clicked.connect(lambda: spawn(self._export(), "store-export"))
        self.import_button.clicked.connect(lambda: spawn(self._import(), "store-import"))
        self.compare_button.clicked.connect(lambda: spawn(self._compare(), "store-compare"))
        self.reload_button.clicked.connect(self.reload_sources)
        self.search_box.returnPressed.connect(lambda: spawn(self._search(), "store-search"))
        self.search_box.textChanged.connect(lambda text: self.results.setVisible(bool(text) and self.results.count() > 0))
        self.results.itemActivated.connect(self._result_chosen)
        self.results.itemClicked.connect(self._result_chosen)

    # ------------------------------------------------------------------ life cycle

    def attach(self, context: AppContext) -> None:
        super().attach(context)
        self.model = StoreModel(context.service, context.actions)
        self.model.shows_changed.connect(self._shows_changed)
        self.model.clients_changed.connect(self._clients_changed)
        self.model.state_changed.connect(self._state_changed)
        self.model.edit_changed.connect(self._edit_changed)
        context.service.status_changed.connect(self._status_changed)
        self.model.start()
        self._status_changed()

    def detach(self) -> None:
        if self.model is not None:
            self.model.stop()
            if self.context is not None:
                self.context.service.status_changed.disconnect(self._status_changed)
        self.model = None
        self.tree_model.set_sources([])
        super().detach()

    @property
    def chosen_show(self) -> str | None:
        data = self.show_box.currentData()
        return data if isinstance(data, str) else None

    # ------------------------------------------------------------------ model → view

    def _status_changed(self) -> None:
        if self.context is None:
            return
        link = self.context.service.store_link
        state = STORE_STATES[link]
        words = {
            StoreLink.ANSWERED: "The Store answers",
            StoreLink.WAITING: "Waiting for the Store",
            StoreLink.NOT_ANSWERING: "The Store does not answer",
            StoreLink.SILENT: "The Store has gone silent",
            StoreLink.UNKNOWN: "No Store on this bus",
        }[link]
        self.set_status(state, words)
        self._update_summary()

    def _update_summary(self) -> None:
        if self.model is None:
            return
        current = self.model.current_show or "—"
        self.summary.setText(f"Current show: {current} · {len(self.model.clients)} services online · {len(self.model.shows)} shows")

    def _shows_changed(self) -> None:
        assert self.model is not None
        wanted = self.chosen_show or self.model.current_show
        self.show_box.blockSignals(True)
        self.show_box.clear()
        bold = QFont()
        bold.setBold(True)
        for name in self.model.shows:
            self.show_box.addItem(name + (CURRENT_MARK if name == self.model.current_show else ""), name)
            if name == self.model.current_show:
                self.show_box.setItemData(self.show_box.count() - 1, bold, Qt.ItemDataRole.FontRole)
        index = self.show_box.findData(wanted)
        self.show_box.setCurrentIndex(index if index >= 0 else 0)
        self.show_box.blockSignals(False)
        self._update_summary()
        self._reload_timer.start()

    def _clients_changed(self) -> None:
        self._update_summary()
        if self.model is not None and self.chosen_show == self.model.current_show:
            self._reload_timer.start()

    def reload_sources(self) -> None:
        show = self.chosen_show
        if self.model is None or show is None:
            self.tree_model.set_sources([])
            return
        spawn(self._reload(show), "store-reload")

    async def _reload(self, show: str) -> None:
        assert self.model is not None
        sources = await self.model.list_sources(show)
        if show != self.chosen_show:
            return
        unchanged = [s.service for s in sources] == [s.service for s in self.tree_model.sources()] and all(
            a is b for a, b in zip(sources, self.tree_model.sources())
        )
        if not unchanged:
            expanded = {s.service for s in self.tree_model.sources() if self.tree.isExpanded(self.tree_model.source_index(s))}
            self.tree_model.set_sources(sources)
            for source in sources:
                if source.service in expanded:
                    self.tree.expand(self.tree_model.source_index(source))
        # Read every State not read yet (one Get each), so each row says what it holds; branches stay closed.
        await asyncio.gather(*(self.model.load(source) for source in sources if not source.loaded and source.problem is None))

    def _load_source(self, source: StateSource) -> None:
        spawn(self._read_and_open(source), f"store-read-{source.service}")

    async def _read_and_open(self, source: StateSource) -> None:
        assert self.model is not None
        await self.model.load(source)
        index = self.tree_model.source_index(source)
        if index.isValid() and source.loaded:
            self.tree.expand(index)

    def _state_changed(self, source: StateSource, path: str) -> None:
        if path == "":
            self.tree_model.refresh_source(source)
        else:
            self.tree_model.apply_change(source, path)
        node = self.selected
        if node is not None and node.source is source:
            self._show_holds(node)

    def _edit_changed(self, edit: Edit) -> None:
        self.tree_model.set_edit(edit)
        node = self.selected
        if node is not None and node.source is edit.source and node.state_path == edit.path:
            self._show_edit(edit)
        if edit.status == EditStatus.CONFIRMED:
            self.drafts.pop((edit.source.show, edit.source.service, edit.path), None)
            if node is not None and node.source is edit.source and node.state_path == edit.path and not edit.removal:
                self.editor.show_value(self._where(node), self.tree_model.value(node))

    def _show_edit(self, edit: Edit) -> None:
        state, words = _EDIT_WORDS[edit.status]
        kept = "nothing" if edit.kept is None else summary(edit.kept)
        verb = f"removing {edit.name}" if edit.removal else edit.name
        self.editor.set_status(state, words.format(owner=edit.source.service, name=verb, kept=kept, message=edit.message))

    # ------------------------------------------------------------------ selection and drafts

    def _where(self, node: Node) -> str:
        assert node.source is not None
        name = f"State.{node.path}" if node.path else "State"
        return f"{name} of {node.source.service} — show {node.source.show}, {node.source.kind}"

    def _draft_key(self, node: Node) -> tuple[str, str, str]:
        assert node.source is not None
        return (node.source.show, node.source.service, node.state_path)

    def _keep_draft(self) -> None:
        """Remember what was typed for the node being left, if it differs from its value."""
        node = self.selected
        if node is None or node.source is None or not node.source.loaded:
            return
        try:
            typed = self.editor.value()
        except ValueError:
            typed = MISSING  # not even valid yet: certainly worth keeping
        if typed is MISSING or typed != self.tree_model.value(node):
            self.drafts[self._draft_key(node)] = self.editor.draft()
        else:
            self.drafts.pop(self._draft_key(node), None)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._keep_draft()
        indexes = [index for index in selected.indexes() if index.column() == 0]
        node = self.tree_model.node(indexes[0]) if indexes else None
        self.selected = node
        if node is None or node.source is None:
            self.editor.set_editable(False, can_remove=False, is_object=False)
            return
        value = self.tree_model.value(node)
        loaded = node.source.loaded and value is not MISSING
        self.editor.show_value(self._where(node), None if value is MISSING else value)
        self.editor.set_editable(loaded, can_remove=bool(node.path), is_object=isinstance(value, dict))
        self._show_holds(node)
        draft = self.drafts.get(self._draft_key(node))
        edit = self.tree_model.edit_for(node)
        if draft is not None:
            self.editor.restore(draft)
            self.editor.set_status("warning", "Unsent change kept from before; Apply sends it.")
        elif edit is not None:
            self._show_edit(edit)
        else:
            self.editor.set_status("off", "")

    def _show_holds(self, node: Node) -> None:
        value = self.tree_model.value(node)
        owner = node.source.service if node.source else ""
        if value is MISSING:
            self.editor.show_holds(f"{owner} holds no value here now.")
        else:
            self.editor.show_holds(f"{owner} holds: {summary(value, 120)}")

    # ------------------------------------------------------------------ edits

    def _apply(self) -> None:
        node = self.selected
        if node is None or node.source is None or self.model is None:
            return
        try:
            value = self.editor.value()
        except ValueError as problem:
            self.editor.set_status("error", f"Not sent: {problem}.")
            return
        self.drafts[self._draft_key(node)] = self.editor.draft()
        spawn(self.model.edit(node.source, node.state_path, value), "store-edit")

    def _add(self, key: str, value: Any) -> None:
        node = self.selected
        if node is None or node.source is None or self.model is None:
            return
        spawn(self.model.edit(node.source, join(node.state_path, key), value), "store-add")

    async def _remove(self) -> None:
        node = self.selected
        if node is None or node.source is None or not node.path or self.model is None:
            return
        owner = node.source.service
        if not await confirm(self, "Remove a key", f"Remove State.{node.path} from {owner}?", action="Remove", detail="The owner is asked to drop it; it may refuse."):
            return
        await self.model.remove(node.source, node.path)

    # ------------------------------------------------------------------ shows

    async def _call(self, what: str, work: Any) -> bool:
        """Run a Store operation; a refusal is shown as the Store's sentence."""
        try:
            await work
        except BusError as error:
            await inform(self, what, str(error), error=True)
            return False
        return True

    async def _switch(self) -> None:
        show = self.chosen_show
        if self.model is None or show is None:
            return
        if show == self.model.current_show:
            await inform(self, "Switch show", f"{show} is already the current show.")
            return
        detail = "Every connected service receives the State it keeps in that show, and unsaved differences are replaced."
        if await confirm(self, "Switch show", f"Switch the whole floor from {self.model.current_show} to {show}?", action="Switch", detail=detail):
            if await self._call("Switch show", self.model.change_show(show)):
                self._log(f"Switched the floor to show {show}")

    async def _new_show(self) -> None:
        if self.model is None:
            return
        dialog = ShowNameDialog("New show", self.model.shows, templates=self.model.shows, parent=self)
        if await run_dialog(dialog):
            name, template = dialog.name.text(), dialog.chosen_template
            if await self._call("New show", self.model.create_show(name, template)):
                self._log(f"Created show {name}" + (f" from {template}" if template else ""))
        dialog.deleteLater()

    async def _rename(self) -> None:
        show = self.chosen_show
        if self.model is None or show is None:
            return
        dialog = ShowNameDialog(f"Rename {show}", self.model.shows, name=show, parent=self)
        if await run_dialog(dialog):
            new = dialog.name.text()
            if await self._call("Rename show", self.model.rename_show(show, new)):
                self._log(f"Renamed show {show} to {new}")
        dialog.deleteLater()

    async def _delete(self) -> None:
        show = self.chosen_show
        if self.model is None or show is None:
            return
        if await confirm(self, "Delete show", f"Delete show {show} and every State stored in it?", action="Delete", detail="Export it first if you may want it back."):
            if await self._call("Delete show", self.model.delete_show(show)):
                self._log(f"Deleted show {show}")

    async def _export(self) -> None:
        show = self.chosen_show
        if self.model is None or show is None:
            return
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        path = await save_path(self, f"Export show {show}", locations.exports_dir() / f"{show}-{stamp}.json", "Show (*.json)")
        if path is None:
            return
        try:
            document = await self.model.export_show(show)
            await asyncio.to_thread(_write_json, path, document)
        except (BusError, OSError) as error:
            await inform(self, "Export failed", f"Show {show} was not exported: {error}", error=True)
            return
        self._log(f"Exported show {show} to {path}")

    async def _import(self) -> None:
        if self.model is None:
            return
        path = await open_path(self, "Import a show", locations.exports_dir(), "Show (*.json);;All files (*)")
        if path is None:
            return
        try:
            document = await asyncio.to_thread(_read_json, path)
        except (OSError, ValueError) as error:
            await inform(self, "Import failed", f"{path.name} cannot be read as a show: {error}", error=True)
            return
        suggested = document.get("Show") if isinstance(document, dict) and document.get("Format") == EXPORT_FORMAT else path.stem
        taken = [name for name in self.model.shows]
        dialog = ShowNameDialog("Import as show", [], name=str(suggested or path.stem), parent=self)
        accepted = await run_dialog(dialog)
        name = dialog.name.text()
        dialog.deleteLater()
        if not accepted:
            return
        replace = False
        if name in taken:
            replace = await confirm(self, "Replace show", f"Show {name} exists. Replace all of its States with those in {path.name}?", action="Replace")
            if not replace:
                return
        if await self._call("Import show", self.model.import_show(name, document, replace)):
            self._log(f"Imported {path} as show {name}")

    async def _compare(self) -> None:
        if self.model is None:
            return
        model = self.model

        async def read(side: str) -> dict[str, Any]:
            if side == LIVE:
                assert model.current_show is not None
                return await model.shown_states(model.current_show)
            return await model.stored_states(side)

        dialog = CompareDialog(model.shows, model.current_show, read, self)
        await run_dialog(dialog)
        dialog.deleteLater()

    # ------------------------------------------------------------------ search

    async def _search(self) -> None:
        show = self.chosen_show
        if self.model is None or show is None:
            return
        needle = self.search_box.text()
        trees = await self.model.shown_states(show)
        matches = search(trees, needle)
        self.results.clear()
        for match in matches:
            text = f"{match.owner}   State.{match.path}   =   {summary(match.value, 60)}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (match.owner, match.path))
            self.results.addItem(item)
        if not matches and needle.strip():
            self.results.addItem(f"Nothing in show {show} matches “{needle}”.")
        self.results.setVisible(self.results.count() > 0)

    def _result_chosen(self, item: QListWidgetItem) -> None:
        found = item.data(Qt.ItemDataRole.UserRole)
        if not found:
            return
        owner, path = found
        source = next((s for s in self.tree_model.sources() if s.service == owner), None)
        if source is None:
            return
        index = self.tree_model.materialize(source, path)
        if index.isValid():
            parent = index.parent()
            while parent.isValid():
                self.tree.expand(parent)
                parent = parent.parent()
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    def _log(self, text: str) -> None:
        if self.context is not None:
            self.context.events.add(LogLevel.INFO, "Store", text)


def _write_json(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), "utf-8")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))

