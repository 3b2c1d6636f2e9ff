"""The status bar: hub link, Switchboard's service name, Store link, current show, traffic rate."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from backend.app.runtime import SwitchboardRuntime
from backend.bus.service import StoreLink
from gui.status_light import StatusLight, set_label_state

STORE_STATES = {
    StoreLink.ANSWERED: "ok",
    StoreLink.WAITING: "warning",
    StoreLink.NOT_ANSWERING: "error",
    StoreLink.SILENT: "error",
    StoreLink.UNKNOWN: "off",
}


class LightLabel(QWidget):
    """A status light and its words, side by side."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.setSpacing(6)
        self.light = StatusLight()
        self.label = QLabel()
        row.addWidget(self.light)
        row.addWidget(self.label)

    def show_state(self, state: str, text: str) -> None:
        self.light.set_state(state, text)
        self.label.setText(text)
        set_label_state(self.label, state)

    @property
    def text(self) -> str:
        return self.label.text()


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.hub = LightLabel("HubStatus")
        self.service_name = QLabel("Starting…")
        self.service_name.setObjectName("ServiceName")
        self.store = LightLabel("StoreStatus")
        self.show_name = QLabel("Show: —")
        self.show_name.setObjectName("ShowName")
        self.rate = QLabel("")
        self.rate.setObjectName("TrafficRate")
        self.addWidget(self.hub)
        self.addWidget(self.service_name)
        self.addWidget(self.store)
        self.addWidget(self.show_name)
        self.addPermanentWidget(self.rate)
        self.hub.show_state("off", "Hub: connecting…")
        self.store.show_state("off", "Store: —")
        self.runtime: SwitchboardRuntime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def attach(self, runtime: SwitchboardRuntime) -> None:
        self.runtime = runtime
        if runtime.service is not None:
            runtime.service.status_changed.connect(self.refresh)
        self.refresh()

    def detach(self) -> None:
        if self.runtime is not None and self.runtime.service is not None:
            self.runtime.service.status_changed.disconnect(self.refresh)
        self.runtime = None

    def show_message_now(self, text: str) -> None:
        self.service_name.setText(text)

    def refresh(self) -> None:
        runtime = self.runtime
        if runtime is None or runtime.service is None:
            return
        service = runtime.service
        endpoints = runtime.endpoints
        where = f"{endpoints.connect_host}:{endpoints.pub_port}/{endpoints.sub_port}"
        if service.hub_linked:
            embedded = " (inside Switchboard)" if runtime.hub is not None else ""
            self.hub.show_state("ok", f"Hub {where}{embedded}")
        else:
            self.hub.show_state("error", f"Hub {where}: not connected")
        self.service_name.setText(f"as {service.name}")
        self.store.show_state(STORE_STATES[service.store_link], f"Store: {service.store_link.value}")
        self.show_name.setText(f"Show: {service.current_show or '—'}")
        if runtime.monitor is not None:
            self.rate.setText(f"{runtime.monitor.rate.settle():,.0f} msg/s")
