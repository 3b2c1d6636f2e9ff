"""The Chamber panel: one page per configured XO-VAC+ chamber.

It observes the chamber fleet (`context.runtime.fleets["chambers"]`) and rebuilds its
pages when the settings bring other chambers. The sidebar light shows the worst link.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from backend.app.chamber_fleet import ChamberFleet
from backend.chamber.chamber_model import LinkState
from gui.app_context import AppContext
from gui.panels.chamber.chamber_view import ChamberView
from gui.panels.panel import Panel
from gui.widgets import section_title

_WORST = [(LinkState.LOST, "error"), (LinkState.STALE, "warning"), (LinkState.CONNECTING, "warning"), (LinkState.LIVE, "ok")]


class ChamberPanel(Panel):
    title = "Chamber"
    icon_name = "chamber"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChamberPanel")
        self.fleet: ChamberFleet | None = None
        self.views: dict[str, ChamberView] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("ChamberTabs")
        self.empty = QLabel("No chamber is configured. Add a [[chambers]] entry (name, url) in the settings.")
        self.empty.setObjectName("Muted")
        layout = QVBoxLayout(self)
        title = section_title("Chamber")
        title.setObjectName("PanelTitle")
        layout.addWidget(title)
        layout.addWidget(self.empty)
        layout.addWidget(self.tabs, 1)
        self.light_timer = QTimer(self)
        self.light_timer.setInterval(500)
        self.light_timer.timeout.connect(self._update_light)

    def attach(self, context: AppContext) -> None:
        super().attach(context)
        fleet = context.runtime.fleets.get("chambers")
        self.fleet = fleet if isinstance(fleet, ChamberFleet) else None
        if self.fleet is not None:
            self.fleet.changed.connect(self.rebuild)
        self.rebuild()
        self.light_timer.start()

    def detach(self) -> None:
        self.light_timer.stop()
        if self.fleet is not None:
            self.fleet.changed.disconnect(self.rebuild)
        self._clear()
        self.fleet = None
        super().detach()

    def _clear(self) -> None:
        for view in self.views.values():
            view.close_view()
        self.views = {}
        while self.tabs.count():
            page = self.tabs.widget(0)
            self.tabs.removeTab(0)
            page.deleteLater()

    def rebuild(self) -> None:
        self._clear()
        if self.fleet is not None and self.context is not None:
            for name, chamber in self.fleet.chambers.items():
                view = ChamberView(chamber, self.fleet, self.context.audit)
                self.views[name] = view
                self.tabs.addTab(view, name)
        self.empty.setVisible(not self.views)
        self.tabs.setVisible(bool(self.views))
        self._update_light()

    def _update_light(self) -> None:
        if not self.views:
            self.set_status("off", "No chamber configured")
            return
        links = {view.model.link for view in self.views.values()}
        state = next(state for link, state in _WORST if link in links or link is LinkState.LIVE)
        worst = [f"{v.model.name}: {v.model.link.value}" for v in self.views.values()]
        self.set_status(state, "; ".join(worst))
