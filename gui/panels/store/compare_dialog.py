"""Compare two shows, or the live States against what the Store keeps for the current show."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from backend.bus.json_diff import CHANGED, ONLY_LEFT, Difference, diff
from gui.tasks import spawn
from gui.theme import colour
from gui.widgets import row_table

LIVE = "Live (what the services hold now)"
Index = QModelIndex | QPersistentModelIndex


class DifferencesModel(QAbstractTableModel):
    COLUMNS = ("Service", "Path", "Left", "Right")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, Difference]] = []

    def set_rows(self, rows: list[tuple[str, Difference]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        service, difference = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return service
            if column == 1:
                return difference.path or "(whole State)"
            if column == 2:
                return "—" if difference.kind == "only right" else json.dumps(difference.left, ensure_ascii=False)
            return "—" if difference.kind == ONLY_LEFT else json.dumps(difference.right, ensure_ascii=False)
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3):
            return colour("warning") if difference.kind == CHANGED else colour("muted")
        return None


def differences(left: dict[str, Any], right: dict[str, Any]) -> list[tuple[str, Difference]]:
    """Per service, every leaf that differs; a service on one side only is one row."""
    rows: list[tuple[str, Difference]] = []
    for service in sorted(left.keys() | right.keys(), key=str.lower):
        if service not in right:
            rows.append((service, Difference("", ONLY_LEFT, left=left[service])))
        elif service not in left:
            rows.append((service, Difference("", "only right", right=right[service])))
        else:
            rows.extend((service, d) for d in diff(left[service], right[service]))
    return rows


class CompareDialog(QDialog):
    def __init__(
        self,
        shows: list[str],
        current: str | None,
        read: Callable[[str], Awaitable[dict[str, Any]]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CompareDialog")
        self.setWindowTitle("Compare States")
        self.resize(900, 560)
        self.read = read
        self.left = QComboBox()
        self.left.setObjectName("CompareLeft")
        self.right = QComboBox()
        self.right.setObjectName("CompareRight")
        choices = ([LIVE] if current else []) + shows
        self.left.addItems(choices)
        self.right.addItems(shows)
        if current:
            self.right.setCurrentText(current)
        self.compare = QPushButton("Compare")
        self.compare.setObjectName("CompareRun")
        self.verdict = QLabel("Choose two sides and press Compare.")
        self.verdict.setObjectName("CompareVerdict")
        self.model = DifferencesModel(self)
        self.table = row_table("DifferencesTable")
        self.table.setModel(self.model)
        for column, width in enumerate((170, 260, 200)):
            self.table.setColumnWidth(column, width)
        top = QHBoxLayout()
        top.addWidget(QLabel("Left"))
        top.addWidget(self.left, 1)
        top.addWidget(QLabel("Right"))
        top.addWidget(self.right, 1)
        top.addWidget(self.compare)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.compare.clicked.connect(lambda: spawn(self.run_compare(), "store-compare"))

    async def run_compare(self) -> None:
        left_name, right_name = self.left.currentText(), self.right.currentText()
        self.compare.setEnabled(False)
        self.verdict.setText(f"Reading {left_name} and {right_name}…")
        try:
            left = await self.read(left_name)
            right = await self.read(right_name)
        finally:
            self.compare.setEnabled(True)
        rows = differences(left, right)
        self.model.set_rows(rows)
        self.verdict.setText(f"{len(rows)} difference(s) between {left_name} (left) and {right_name} (right)." if rows else f"{left_name} and {right_name} hold the same values.")
