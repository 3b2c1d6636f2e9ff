"""The main window: sidebar of panels with their lights, the panel area, the event log dock,
the status bar, and a toolbar and menus for global actions.

The window holds no bus logic. It shows panels, forwards global actions as signals
(settings, theme, quit) to the application, and asks the application to close rather
than closing itself, so shutdown always runs in order.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSplitter, QStackedWidget, QToolBar

from backend.app import locations
from backend.app.event_log import EventLog
from backend.bus import value_paths
from backend.bus.message import LogLevel
from backend.version import VERSION
from gui.app_context import AppContext
from gui.event_log_dock import EventLogDock
from gui.icons import icon, redraw_icons
from gui.panels.bus.bus_panel import BusPanel
from gui.panels.panel import Panel
from gui.panels.store.store_panel import StorePanel
from gui.panels.trainer.emergency_stop_action import EmergencyStopAction
from gui.panels.trainer.trainer_panel import TrainerPanel
from gui.sidebar import Sidebar
from gui.status_bar import StatusBar
from gui.window_state import WindowState

PANEL_TYPES: list[type[Panel]] = [BusPanel, StorePanel, TrainerPanel]
MINIMUM_LEVEL = "State.Panels.EventLog.MinimumLevel"
"""Every panel, in sidebar order. Each device family adds its own."""


class MainWindow(QMainWindow):
    settings_requested = Signal()
    theme_toggle_requested = Signal()
    about_requested = Signal()

    def __init__(self, events: EventLog, window_state: WindowState, on_close: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("Switchboard")
        self.setWindowIcon(icon("switchboard", "accent"))
        self.resize(1440, 900)
        self.events = events
        self.window_state = window_state
        self.on_close = on_close
        self.closing_allowed = False
        self.context: AppContext | None = None

        self.sidebar = Sidebar()
        self.stack = QStackedWidget()
        self.stack.setObjectName("PanelArea")
        self.panels: list[Panel] = []
        for number, panel_type in enumerate(PANEL_TYPES, start=1):
            self._add_panel(panel_type(), number)
        central = QSplitter(Qt.Orientation.Horizontal)
        central.setObjectName("CentralSplitter")
        central.addWidget(self.sidebar)
        central.addWidget(self.stack)
        central.setStretchFactor(1, 1)
        central.setCollapsible(1, False)
        central.setSizes([190, 1250])
        self.central = central
        self.setCentralWidget(central)

        self.event_dock = EventLogDock(events, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.event_dock)
        self.resizeDocks([self.event_dock], [190], Qt.Orientation.Vertical)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self._build_actions()
        self.sidebar.selected.connect(self.show_panel)
        self.show_panel(self.window_state.restore(self, self.splitters()))

    # ------------------------------------------------------------------ building

    def _add_panel(self, panel: Panel, number: int) -> None:
        entry = self.sidebar.add_entry(panel.title, icon(panel.icon_name), f"Ctrl+{number}")
        panel.status_changed.connect(entry.set_status)
        entry.set_status(*panel.status)
        self.stack.addWidget(panel)
        self.panels.append(panel)

    def _action(self, text: str, slot: Callable[[], object], shortcut: str | QKeySequence | None = None, icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.settings_action = self._action("Settings…", self.settings_requested.emit, QKeySequence("Ctrl+,"), "settings")
        self.theme_action = self._action("Dark theme", self.theme_toggle_requested.emit, QKeySequence("Ctrl+Shift+D"), "theme")
        self.theme_action.setCheckable(True)
        self.log_action = self.event_dock.toggleViewAction()
        self.log_action.setText("Event log")
        self.log_action.setShortcut(QKeySequence("Ctrl+L"))
        self.log_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.log_action.setIcon(icon("log"))
        self.addAction(self.log_action)
        self.export_action = self._action("Export event log…", self.event_dock.export_clicked, QKeySequence("Ctrl+Shift+E"), "export")
        self.quit_action = self._action("Quit", self.request_close, QKeySequence.StandardKey.Quit)
        self.panel_actions = [
            self._action(f"{panel.title}", lambda checked=False, i=index: self.show_panel(i), QKeySequence(f"Ctrl+{index + 1}"), panel.icon_name)
            for index, panel in enumerate(self.panels)
        ]

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = menu.addMenu("&View")
        for action in self.panel_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.log_action)
        view_menu.addAction(self.theme_action)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction("Open data folder", lambda: self._open(locations.data_dir()))
        help_menu.addAction("Open settings folder", lambda: self._open(locations.config_dir()))
        help_menu.addAction(f"About Switchboard {VERSION}", self.about_requested.emit)

        self.toolbar = QToolBar("Global actions")
        self.toolbar.setObjectName("GlobalToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.settings_action)
        self.toolbar.addAction(self.theme_action)
        self.toolbar.addAction(self.log_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.emergency_stop = EmergencyStopAction(self, self.toolbar)

    @staticmethod
    def _open(path: object) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def splitters(self) -> dict[str, QSplitter]:
        found = {"central": self.central}
        for panel in self.panels:
            for splitter in panel.findChildren(QSplitter):
                if splitter.objectName():
                    found[splitter.objectName()] = splitter
        return found

    # ------------------------------------------------------------------ behaviour

    def show_panel(self, index: int) -> None:
        if not 0 <= index < len(self.panels):
            index = 0
        self.stack.setCurrentIndex(index)
        self.sidebar.select(index)

    @property
    def current_panel(self) -> int:
        return self.stack.currentIndex()

    def attach(self, context: AppContext) -> None:
        self.context = context
        for panel in self.panels:
            panel.attach(context)
        self.emergency_stop.attach(context)
        self.status.attach(context.runtime)
        context.service.state_changed.connect(self._follow_state)
        self._follow_state("State")

    def detach(self) -> None:
        for panel in self.panels:
            panel.detach()
        self.emergency_stop.detach()
        self.status.detach()
        if self.context is not None:
            self.context.service.state_changed.disconnect(self._follow_state)
        self.context = None

    def _follow_state(self, path: str) -> None:
        """The show's State says how much of the event log to show (State.Panels.EventLog.MinimumLevel)."""
        if self.context is None or not value_paths.is_within(MINIMUM_LEVEL, path):
            return
        level = value_paths.get_at(self.context.service.state, value_paths.relative(MINIMUM_LEVEL, "State"))
        self.event_dock.set_minimum_level(LogLevel(level))

    def refresh_icons(self) -> None:
        """Redraw icons in the current theme's colours."""
        redraw_icons(self)
        for entry, panel in zip(self.sidebar.entries, self.panels):
            entry.set_icon(icon(panel.icon_name))
        for action, name in ((self.settings_action, "settings"), (self.theme_action, "theme"), (self.log_action, "log"), (self.export_action, "export")):
            action.setIcon(icon(name))
        for action, panel in zip(self.panel_actions, self.panels):
            action.setIcon(icon(panel.icon_name))

    def save_state(self) -> None:
        self.window_state.save(self, self.current_panel, self.splitters())

    def request_close(self) -> None:
        self.on_close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Closing asks the application to shut down in order; only then does the window close."""
        if self.closing_allowed:
            event.accept()
            return
        event.ignore()
        self.on_close()

