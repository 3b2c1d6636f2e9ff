"""Small widget builders every panel uses the same way: tables of rows, tool buttons, titles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.icons import set_icon

ROW_HEIGHT = 22


def row_table(name: str, view_class: type[QTableView] = QTableView) -> QTableView:
    """A read-only table of rows: whole-row selection, fixed row height (fast with many rows)."""
    table = view_class()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setHighlightSections(False)
    return table


def tool_button(text: str, icon_name: str, tooltip: str, name: str = "", *, checkable: bool = False) -> QToolButton:
    """A tool button with an icon and its text beside it."""
    button = QToolButton()
    if name:
        button.setObjectName(name)
    set_icon(button, icon_name)
    button.setText(text)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setToolTip(tooltip)
    button.setCheckable(checkable)
    return button


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionTitle")
    return label


def titled(title: str, *widgets: QWidget) -> QWidget:
    """Widgets stacked under a section title."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(section_title(title))
    for widget in widgets:
        layout.addWidget(widget)
    return box


def validation_message() -> QLabel:
    """A hidden red line that says why input was refused; shown with `setText` + `show`."""
    label = QLabel()
    label.setObjectName("ValidationMessage")
    label.setWordWrap(True)
    label.hide()
    return label


def ok_cancel(dialog: QDialog, accept: object) -> QDialogButtonBox:
    """OK runs `accept` (which validates and accepts), Cancel rejects."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
