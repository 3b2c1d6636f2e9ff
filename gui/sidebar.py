"""The sidebar: one entry per panel, each with its icon, its name, its shortcut and a light."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.status_light import StatusLight


class SidebarEntry(QPushButton):
    def __init__(self, title: str, icon: QIcon, shortcut_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SidebarEntry")
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(40)
        self.title = title
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 0, 10, 0)
        self.icon_label = QLabel()
        self.icon_label.setPixmap(icon.pixmap(20, 20))
        self.text_label = QLabel(title)
        self.light = StatusLight()
        for child in (self.icon_label, self.text_label, self.light):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(self.icon_label)
        row.addWidget(self.text_label, 1)
        row.addWidget(self.light)
        self.shortcut_text = shortcut_text
        self.setToolTip(f"{title} ({shortcut_text})")
        self.setAccessibleName(title)

    def set_icon(self, icon: QIcon) -> None:
        self.icon_label.setPixmap(icon.pixmap(20, 20))

    def set_status(self, state: str, description: str) -> None:
        self.light.set_state(state, f"{self.title}: {description}")
        self.setToolTip(f"{self.title} ({self.shortcut_text}) — {description}")


class Sidebar(QWidget):
    """Exclusive list of panel entries; `selected` emits the index of the chosen one."""

    selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumWidth(170)
        self.entries: list[SidebarEntry] = []
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(self.selected.emit)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 8)
        self._layout.setSpacing(0)
        title = QLabel("PANELS")
        title.setObjectName("SidebarTitle")
        self._layout.addWidget(title)
        self._layout.addStretch(1)

    def add_entry(self, title: str, icon: QIcon, shortcut_text: str) -> SidebarEntry:
        entry = SidebarEntry(title, icon, shortcut_text, self)
        self._group.addButton(entry, len(self.entries))
        self._layout.insertWidget(self._layout.count() - 1, entry)
        self.entries.append(entry)
        return entry

    def select(self, index: int) -> None:
        if 0 <= index < len(self.entries):
            self.entries[index].setChecked(True)
