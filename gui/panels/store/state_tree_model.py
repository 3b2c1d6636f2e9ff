"""The Store panel's tree: one branch per service's State, loaded and expanded lazily.

Nothing is read until its branch is opened: a source (a service's State) is read from
its owner or the Store when first expanded, and an object's keys become rows 500 at a
time as the view asks for them, so a State of 10,000 keys opens at once. Rows hold only
their path; values are read from the source's State when drawn, so an owner's Update is
shown by refreshing the rows it touched, not by rebuilding the tree.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from backend.app.store_model import Edit, EditStatus, StateSource
from backend.bus import value_paths
from backend.bus.json_tree import children, join, json_type, summary
from backend.bus.service import MISSING
from gui.theme import colour

COLUMNS = ("Key", "Value", "Type", "Status")
CHUNK = 500
RETIRED_LIMIT = 100_000
Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_EDIT_STATE = {
    EditStatus.PENDING: "warning",
    EditStatus.CONFIRMED: "ok",
    EditStatus.REFUSED: "error",
    EditStatus.NOT_CONFIRMED: "error",
    EditStatus.FAILED: "error",
}


class Node:
    """A row: a source (path None) or a value inside a source's State (path relative to State)."""

    __slots__ = ("source", "path", "key", "parent", "children", "child_keys", "rows_by_key")

    def __init__(self, source: StateSource | None, path: str | None, key: str, parent: Node | None) -> None:
        self.source = source
        self.path = path
        self.key = key
        self.parent = parent
        self.children: list[Node] | None = None
        """Materialized children (maybe only the first chunks); None until first opened."""
        self.child_keys: list[str] = []
        self.rows_by_key: dict[str, int] = {}

    @property
    def state_path(self) -> str:
        return self.path or ""

    @property
    def row(self) -> int:
        if self.parent is None or self.parent.children is None:
            return 0
        return self.parent.rows_by_key[self.key]


def value_at(source: StateSource, path: str) -> Any:
    """The value at `path` in a source's State, or MISSING."""
    if not source.loaded:
        return MISSING
    try:
        return value_paths.get_at(source.state, path)
    except (value_paths.PathNotFound, TypeError):
        return MISSING


class StateTreeModel(QAbstractItemModel):
    load_requested = Signal(object)
    """A source's branch was opened before its State was read: the panel reads it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.root = Node(None, None, "", None)
        self.root.children = []
        self.edits: dict[tuple[str, str, str], Edit] = {}
        self._retired: list[Node] = []
        """Rows taken out of the tree. Qt keeps only raw pointers to them (internalPointer), so
        they stay alive until the next reset rather than being freed while a view may still
        hold an index to them."""

    # ------------------------------------------------------------------ content

    def set_sources(self, sources: list[StateSource]) -> None:
        self.beginResetModel()
        self._retire(self.root.children or [])
        if len(self._retired) > RETIRED_LIMIT:
            self._retired = []  # nothing refers to them after a reset
        self.root.children = [Node(source, None, source.service, self.root) for source in sources]
        self.root.child_keys = [source.service for source in sources]
        self.root.rows_by_key = {key: row for row, key in enumerate(self.root.child_keys)}
        self.endResetModel()

    def sources(self) -> list[StateSource]:
        return [node.source for node in self.root.children or [] if node.source is not None]

    def node(self, index: Index) -> Node:
        return index.internalPointer() if index.isValid() else self.root  # type: ignore[return-value]

    def index_of(self, node: Node, column: int = 0) -> QModelIndex:
        if node is self.root:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def source_index(self, source: StateSource) -> QModelIndex:
        for node in self.root.children or []:
            if node.source is source:
                return self.index_of(node)
        return QModelIndex()

    def value(self, node: Node) -> Any:
        if node.source is None:
            return MISSING
        return value_at(node.source, node.state_path)

    def _container(self, node: Node) -> Any:
        value = self.value(node)
        return value if isinstance(value, (dict, list)) else None

    # ------------------------------------------------------------------ lazy children

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        node = self.node(parent)
        if node is self.root:
            return bool(node.children)
        if node.path is None and not node.source.loaded:  # type: ignore[union-attr]
            return node.source.problem is None  # type: ignore[union-attr]
        return bool(self._container(node))

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        node = self.node(parent)
        if node is self.root:
            return False
        if node.path is None and not node.source.loaded:  # type: ignore[union-attr]
            return node.source.problem is None  # type: ignore[union-attr]
        if node.children is None:
            return bool(self._container(node))
        return len(node.children) < len(node.child_keys)

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        node = self.node(parent)
        if node is self.root or node.source is None:
            return
        if node.path is None and not node.source.loaded:
            self.load_requested.emit(node.source)
            return
        if node.children is None:
            node.children = []
            node.child_keys = [key for key, _ in children(self._container(node))]
            node.rows_by_key = {}
        start = len(node.children)
        chunk = node.child_keys[start : start + CHUNK]
        if not chunk:
            return
        self.beginInsertRows(parent, start, start + len(chunk) - 1)
        for offset, key in enumerate(chunk):
            node.children.append(Node(node.source, join(node.state_path, key), key, node))
            node.rows_by_key[key] = start + offset
        self.endInsertRows()

    def materialize(self, source: StateSource, path: str) -> QModelIndex:
        """The index of `path` in `source`, opening the branches on the way (search results)."""
        node = next((n for n in self.root.children or [] if n.source is source), None)
        if node is None:
            return QModelIndex()
        for key in path.split(".") if path else []:
            parent_index = self.index_of(node)
            while self.canFetchMore(parent_index) and (node.children is None or key not in node.rows_by_key):
                self.fetchMore(parent_index)
                if node.children is None:
                    return QModelIndex()
            if node.children is None or key not in node.rows_by_key:
                return self.index_of(node)
            node = node.children[node.rows_by_key[key]]
        return self.index_of(node)

    # ------------------------------------------------------------------ changes

    def refresh_source(self, source: StateSource) -> None:
        """A source was (re)read: its branch starts over."""
        for node in self.root.children or []:
            if node.source is source:
                self._reset_children(node)
                self._changed(node)

    def apply_change(self, source: StateSource, path: str) -> None:
        """An owner changed `path` in a State: refresh the rows that show it."""
        node = next((n for n in self.root.children or [] if n.source is source), None)
        if node is None:
            return
        if path == "":
            self.refresh_source(source)
            return
        walked = ""
        for key in path.split("."):
            self._changed(node)
            if node.children is None:
                return  # nothing is shown below
            walked = join(walked, key)
            present = value_at(source, walked) is not MISSING
            if key not in node.rows_by_key:
                if present and key not in node.child_keys:
                    self._append_key(node, key)
                elif not present:
                    self._reset_children(node)
                return
            if not present:
                self._reset_children(node)
                return
            node = node.children[node.rows_by_key[key]]
        self._changed(node)
        if node.children is not None:
            self._reset_children(node)

    def _append_key(self, node: Node, key: str) -> None:
        node.child_keys.append(key)
        assert node.children is not None
        if len(node.children) == len(node.child_keys) - 1:  # fully shown: show the new key too
            row = len(node.children)
            self.beginInsertRows(self.index_of(node), row, row)
            node.children.append(Node(node.source, join(node.state_path, key), key, node))
            node.rows_by_key[key] = row
            self.endInsertRows()

    def _retire(self, nodes: list[Node]) -> None:
        stack = list(nodes)
        while stack:
            node = stack.pop()
            self._retired.append(node)
            stack.extend(node.children or [])

    def _reset_children(self, node: Node) -> None:
        if node.children:
            self.beginRemoveRows(self.index_of(node), 0, len(node.children) - 1)
            self._retire(node.children)
            node.children = None
            node.child_keys = []
            node.rows_by_key = {}
            self.endRemoveRows()
        else:
            node.children = None
            node.child_keys = []
            node.rows_by_key = {}

    def _changed(self, node: Node) -> None:
        if node is not self.root:
            self.dataChanged.emit(self.index_of(node, 0), self.index_of(node, len(COLUMNS) - 1))

    def set_edit(self, edit: Edit) -> None:
        """Show what became of an edit on its row."""
        self.edits[(edit.source.show, edit.source.service, edit.path)] = edit
        self.apply_change(edit.source, edit.path) if edit.path else self.refresh_source(edit.source)

    def edit_for(self, node: Node) -> Edit | None:
        if node.source is None:
            return None
        return self.edits.get((node.source.show, node.source.service, node.state_path))

    # ------------------------------------------------------------------ Qt model

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if node.children is None or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        return self.index_of(node.parent) if node.parent is not None else QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() and parent.column() != 0:
            return 0
        children_ = self.node(parent).children
        return len(children_) if children_ is not None else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        column = index.column()
        if role == _DISPLAY:
            return self._text(node, column)
        if role == _FOREGROUND:
            return self._colour(node, column)
        if role == _TOOLTIP:
            return self._tooltip(node)
        return None

    def _text(self, node: Node, column: int) -> str:
        source = node.source
        assert source is not None
        edit = self.edit_for(node)
        if node.path is None:
            if column == 0:
                return source.service
            if column == 1:
                if source.problem:
                    return source.problem
                return summary(source.state) if source.loaded else "open to read"
            if column == 2:
                return f"{source.kind} · {source.role}" if source.role else source.kind
            return edit.status.value if edit else ""
        value = self.value(node)
        if column == 0:
            return f"[{node.key}]" if isinstance(self.value(node.parent), list) else node.key  # type: ignore[arg-type]
        if column == 1:
            return "(removed)" if value is MISSING else summary(value)
        if column == 2:
            return "" if value is MISSING else json_type(value)
        return edit.status.value if edit else ""

    def _colour(self, node: Node, column: int) -> Any:
        edit = self.edit_for(node)
        if column == 3 and edit is not None:
            return colour(_EDIT_STATE[edit.status])
        if node.path is None and node.source is not None and node.source.problem:
            return colour("error")
        if column == 2:
            return colour("muted")
        return None

    def _tooltip(self, node: Node) -> str | None:
        edit = self.edit_for(node)
        parts = []
        if node.source is not None:
            where = f"{node.source.service}, show {node.source.show}, {node.source.kind}"
            parts.append(f"{'State.' + node.path if node.path else 'State'} of {where}")
        if edit is not None:
            parts.append(f"Last edit: {edit.status.value}" + (f" — {edit.message}" if edit.message else ""))
        return "\n".join(parts) or None
