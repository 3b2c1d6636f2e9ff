"""The Bus panel: who is on the bus, the live traffic, one message in detail, and the composer."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend.bus.message import BusMessage, MessageType
from backend.bus.traffic_filter import TrafficFilter
from gui.app_context import AppContext
from gui.buffered_table_view import BufferedTableView
from gui.icons import set_icon
from gui.panels.bus.composer import Composer
from gui.panels.bus.message_detail import MessageDetail
from gui.panels.bus.services_model import ServicesModel
from gui.panels.bus.traffic_model import TrafficModel
from gui.panels.panel import Panel
from gui.widgets import row_table, titled, tool_button

ALL_SERVICES = "All services"
HEARTBEAT_TYPES = {MessageType.IDENTIFY.value, MessageType.SELF.value}


class TypeFilterButton(QToolButton):
    """A drop-down of message types to show, each checkable; heartbeats can be hidden at once."""

    types_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrafficTypeFilter")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.actions_by_type = {}
        for kind in MessageType:
            action = menu.addAction(kind.value)
            action.setCheckable(True)
            action.setChecked(True)
            self.actions_by_type[kind.value] = action
        menu.addSeparator()
        menu.addAction("Show every type", lambda: self.set_types(None))
        menu.addAction("Hide heartbeats (Identify, Self)", lambda: self.set_types(set(self.actions_by_type) - HEARTBEAT_TYPES))
        self.setMenu(menu)
        self._update_text()
        for action in self.actions_by_type.values():
            action.toggled.connect(self._update_text)

    def set_types(self, types: set[str] | None) -> None:
        for name, action in self.actions_by_type.items():
            action.blockSignals(True)
            action.setChecked(types is None or name in types)
            action.blockSignals(False)
        self._update_text()

    def types(self) -> frozenset[str]:
        """The chosen types; empty means every type (no filtering)."""
        chosen = {name for name, action in self.actions_by_type.items() if action.isChecked()}
        return frozenset() if len(chosen) == len(self.actions_by_type) else frozenset(chosen)

    def _update_text(self) -> None:
        chosen = self.types()
        self.setText("All types" if not chosen else f"{len(chosen)} types")
        self.setToolTip("Message types shown: " + (", ".join(sorted(chosen)) if chosen else "all"))
        self.types_changed.emit()


class BusPanel(Panel):
    title = "Bus"
    icon_name = "bus"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BusPanel")
        self.traffic = TrafficModel(limit=20_000, parent=self)
        self.services = ServicesModel(directory=None, parent=self)  # type: ignore[arg-type]

        heading = QLabel("Bus")
        heading.setObjectName("PanelTitle")
        self.summary = QLabel("Not connected")
        self.summary.setObjectName("Muted")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(self.summary, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.services_table = row_table("ServicesTable")
        self.services_table.setModel(self.services)
        self.services_table.setSortingEnabled(False)
        for column, width in enumerate((150, 75, 75, 90, 70)):
            self.services_table.setColumnWidth(column, width)
        self.services_table.setToolTip("Double-click a service to filter the traffic by it and address it in the composer")

        self.type_filter = TypeFilterButton()
        self.type_filter.types_changed.connect(self._refilter)
        self.service_filter = QComboBox()
        self.service_filter.setObjectName("TrafficServiceFilter")
        self.service_filter.addItem(ALL_SERVICES)
        self.service_filter.setMinimumContentsLength(10)
        self.service_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("TrafficTextFilter")
        self.text_filter.setPlaceholderText("Filter by text in topic or message…")
        self.text_filter.setClearButtonEnabled(True)
        self.pause = tool_button("Pause", "pause", "Freeze the list; messages keep being recorded", "TrafficPause", checkable=True)
        clear = tool_button("Clear", "clear", "Empty the list (the history is kept for filters)", "TrafficClear")
        self.shown = QLabel()
        self.shown.setObjectName("Muted")
        filters = QHBoxLayout()
        filters.addWidget(self.type_filter)
        filters.addWidget(self.service_filter)
        filters.addWidget(self.text_filter, 1)
        filters.addWidget(self.pause)
        filters.addWidget(clear)
        filters.addWidget(self.shown)

        self.traffic_table = row_table("TrafficTable", BufferedTableView)  # paints a flood's rows quickly
        self.traffic_table.setModel(self.traffic)
        for column, width in enumerate((90, 75, 150, 150, 190)):
            self.traffic_table.setColumnWidth(column, width)
        filter_bar = QWidget()
        filter_bar.setLayout(filters)
        filters.setContentsMargins(0, 0, 0, 0)
        traffic_box = titled("Live traffic", filter_bar, self.traffic_table)

        self.detail = MessageDetail()
        self.composer = Composer()
        self.composer.setObjectName("Composer")

        self.middle = QSplitter(Qt.Orientation.Vertical)
        self.middle.setObjectName("BusMiddleSplitter")
        self.middle.addWidget(traffic_box)
        self.middle.addWidget(self.detail)
        self.middle.setStretchFactor(0, 3)
        self.middle.setStretchFactor(1, 1)
        services_box = titled("Services on the bus", self.services_table)
        self.side = QSplitter(Qt.Orientation.Vertical)
        self.side.setObjectName("BusSideSplitter")
        self.side.addWidget(services_box)
        self.side.addWidget(self.composer)
        self.side.setStretchFactor(0, 1)
        self.side.setStretchFactor(1, 2)
        self.services_table.setMinimumHeight(110)
        self.side.setSizes([210, 420])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("BusSplitter")
        # Explicit minimums let the window shrink to a small screen; the splitter shares the rest.
        for widget, minimum in ((self.middle, 360), (self.side, 300)):
            widget.setMinimumWidth(minimum)
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([860, 460])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        self.service_filter.currentIndexChanged.connect(self._refilter)
        self.text_filter.textChanged.connect(self._refilter)
        self.pause.toggled.connect(self._pause_toggled)
        clear.clicked.connect(self.traffic.clear)
        self.traffic.flushed.connect(self._after_flush)
        self.traffic_table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.services_table.doubleClicked.connect(self._service_double_clicked)
        self.detail.edit_requested.connect(self._edit_in_composer)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    # ------------------------------------------------------------------ life cycle

    def attach(self, context: AppContext) -> None:
        super().attach(context)
        runtime = context.runtime
        self.services.set_directory(runtime.directory)
        self.composer.attach(context)
        if runtime.monitor is not None:
            self.traffic.set_limit(runtime.monitor.history.maxlen or 20_000)
            self.traffic.refilter(runtime.monitor.history, self.current_filter().accepts)
            runtime.monitor.arrived.connect(self.traffic.append)
        context.service.status_changed.connect(self._tick)
        context.service.state_changed.connect(self._follow_history_limit)
        self._tick()

    def detach(self) -> None:
        if self.context is not None:
            if self.context.runtime.monitor is not None:
                self.context.runtime.monitor.arrived.disconnect(self.traffic.append)
            self.context.service.status_changed.disconnect(self._tick)
            self.context.service.state_changed.disconnect(self._follow_history_limit)
        super().detach()

    def _follow_history_limit(self, _path: str) -> None:
        """The show's State says how many messages to keep (State.Panels.Bus.HistoryLimit)."""
        monitor = self.context.runtime.monitor if self.context else None
        if monitor is not None and monitor.history.maxlen:
            self.traffic.set_limit(monitor.history.maxlen)

    # ------------------------------------------------------------------ filtering

    def current_filter(self) -> TrafficFilter:
        service = self.service_filter.currentText()
        return TrafficFilter(
            types=self.type_filter.types(),
            service="" if service == ALL_SERVICES else service,
            text=self.text_filter.text().strip(),
        )

    def _refilter(self) -> None:
        history = self.context.runtime.monitor.history if self.context and self.context.runtime.monitor else []
        self.traffic.refilter(history, self.current_filter().accepts)
        self.traffic_table.scrollToBottom()
        self._update_counts()

    def _pause_toggled(self, paused: bool) -> None:
        set_icon(self.pause, "play" if paused else "pause")
        self.pause.setText("Resume" if paused else "Pause")
        self.traffic.set_paused(paused)
        self._update_counts()

    def _after_flush(self, added: int) -> None:
        bar = self.traffic_table.verticalScrollBar()
        near_bottom = bar.maximum() - bar.value() <= (added + 3) * self.traffic_table.verticalHeader().defaultSectionSize()
        if near_bottom:
            self.traffic_table.scrollToBottom()

    def _update_counts(self) -> None:
        waiting = f", {len(self.traffic.pending):,} waiting" if self.traffic.paused else ""
        self.shown.setText(f"{self.traffic.rowCount():,} shown{waiting}")

    # ------------------------------------------------------------------ reactions

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {index.row() for index in selected.indexes()}
        self.detail.show_message(self.traffic.item_at(min(rows)) if rows else None)

    def _service_double_clicked(self, index: QModelIndex) -> None:
        entry = self.services.entry_at(index.row())
        if entry is None:
            return
        if self.service_filter.findText(entry.name) < 0:
            self.service_filter.addItem(entry.name)
        self.service_filter.setCurrentText(entry.name)
        self.composer.set_target(entry.name)

    def _edit_in_composer(self, message: BusMessage | None) -> None:
        if message is not None:
            self.composer.load_message(message)

    def _tick(self) -> None:
        """Once a second: services, counts and the sidebar light."""
        if self.context is None:
            return
        runtime = self.context.runtime
        self.services.refresh()
        names = [entry.name for entry in self.services.entries]
        self.composer.set_known_services(names)
        for name in names:
            if self.service_filter.findText(name) < 0:
                self.service_filter.addItem(name)
        self._update_counts()
        service = self.context.service
        monitor = runtime.monitor
        rate = monitor.rate.settle() if monitor else 0.0
        malformed = monitor.connection.stats.malformed_total if monitor else 0
        bad = f", {malformed:,} malformed ignored" if malformed else ""
        self.summary.setText(f"{len(names)} services · {rate:,.0f} msg/s{bad}")
        if service.hub_linked:
            self.set_status("ok", f"Connected to the hub at {runtime.endpoints}")
        else:
            self.set_status("error", f"Not connected to the hub at {runtime.endpoints}")
