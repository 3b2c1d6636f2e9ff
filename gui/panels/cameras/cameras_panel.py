"""The Cameras panel: a rig's cameras in a table, its photos as thumbnails, and every action.

It observes the rig model of the chosen rig (from the camera fleet) and calls the rig
client's methods; it never builds a protocol message. Actions act on the selected
cameras (one, many, a group selected with "Select", or all when none is selected);
Shoot has explicit buttons for the selection, a group and all cameras.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from backend.app.camera_fleet import CameraFleet
from backend.cameras.rig_client import RigClient
from backend.cameras.shot_tracker import ShotResult
from backend.cameras.wire import PROPERTY_TYPES, CameraSelection, ShutterButton
from gui.app_context import AppContext
from gui.dialogs import run_dialog
from gui.panels.cameras.camera_table_model import KEY_ROLE, SORT_ROLE, CameraTableModel
from gui.panels.cameras.photo_gallery import PhotoGallery
from gui.panels.cameras.rig_operator import RigOperator
from gui.panels.panel import Panel
from gui.status_light import StatusLight, set_label_state
from gui.tasks import spawn
from gui.widgets import row_table, tool_button

COLUMN_WIDTHS = (190, 150, 80, 70, 90, 70, 60, 60, 70, 70)
LINK_LIGHTS = {"online": "ok", "connecting": "warning", "degraded": "warning", "offline": "error", "refused": "error"}


class CamerasPanel(Panel):
    title = "Cameras"
    icon_name = "cameras"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CamerasPanel")
        self.fleet: CameraFleet | None = None
        self.client: RigClient | None = None
        self._known_groups: set[str] = set()
        self.operator = RigOperator(self)
        self.table_model = CameraTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.gallery = PhotoGallery(self.operator)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(self._build_heading())
        layout.addLayout(self._build_camera_actions())
        layout.addLayout(self._build_settings_actions())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("CamerasSplitter")
        splitter.addWidget(self._build_table())
        splitter.addWidget(self.gallery)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([820, 520])
        layout.addWidget(splitter, 1)
        self.message = QLabel("")
        self.message.setObjectName("CamerasMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.operator.message.connect(self.show_message)

    # --- building --------------------------------------------------------------------------

    def _build_heading(self) -> QHBoxLayout:
        heading = QLabel("Cameras")
        heading.setObjectName("PanelTitle")
        self.rig_box = QComboBox()
        self.rig_box.setObjectName("RigSelector")
        self.rig_box.setMinimumContentsLength(14)
        self.rig_box.currentTextChanged.connect(self._rig_chosen)
        self.light = StatusLight()
        self.link_text = QLabel("No camera rig configured")
        self.link_text.setObjectName("Muted")
        row = QHBoxLayout()
        row.addWidget(heading)
        row.addSpacing(16)
        row.addWidget(QLabel("Rig"))
        row.addWidget(self.rig_box)
        row.addWidget(self.light)
        row.addWidget(self.link_text, 1)
        return row

    def _build_camera_actions(self) -> QHBoxLayout:
        self.detect_button = tool_button("Detect", "reload", "Look for cameras plugged in", "CamerasDetect")
        self.connect_button = tool_button("Connect", "play", "Connect the selected cameras (all if none is selected)", "CamerasConnect")
        self.disconnect_button = tool_button("Disconnect", "pause", "Disconnect the selected cameras (all if none is selected)", "CamerasDisconnect")
        self.shoot_button = tool_button("Shoot selected", "cameras", "Take a photo with the selected cameras", "ShootSelected")
        self.shoot_all_button = tool_button("Shoot all", "cameras", "Take a photo with every camera of the rig", "ShootAll")
        self.group_box = QComboBox()
        self.group_box.setObjectName("GroupSelector")
        self.group_box.setMinimumContentsLength(8)
        self.select_group_button = tool_button("Select", "add", "Select the cameras of this group in the table", "SelectGroup")
        self.shoot_group_button = tool_button("Shoot group", "cameras", "Take a photo with the cameras of this group", "ShootGroup")
        self.autofocus_button = tool_button("Autofocus", "reload", "Autofocus the selected cameras (all if none is selected)", "CamerasAutofocus")
        self.half_press_button = tool_button("Half-press", "pause", "Press the shutter half way (focus and meter) on the selected cameras", "CamerasHalfPress")
        self.liveview_button = tool_button("Live view", "play", "Show live view of the current camera", "CamerasLiveView", checkable=True)
        row = QHBoxLayout()
        for widget in (self.shoot_button, self.shoot_all_button, QLabel("Group"), self.group_box, self.select_group_button, self.shoot_group_button,
                       self.autofocus_button, self.half_press_button, self.liveview_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.detect_button.clicked.connect(lambda: self.operator.run("detect cameras", lambda c: c.detect_cameras(), done="Looking for cameras"))
        self.connect_button.clicked.connect(lambda: self._on_selection("connect", lambda c, s: c.connect_cameras(s)))
        self.disconnect_button.clicked.connect(lambda: self._on_selection("disconnect", lambda c, s: c.disconnect_cameras(s)))
        self.autofocus_button.clicked.connect(lambda: self._on_selection("autofocus", lambda c, s: c.autofocus(s)))
        self.half_press_button.clicked.connect(lambda: self._on_selection("half-press", lambda c, s: c.set_shutter_button(s, ShutterButton.HALF)))
        self.shoot_button.clicked.connect(lambda: self.shoot(self.selection(all_if_none=False)))
        self.shoot_all_button.clicked.connect(lambda: self.shoot(CameraSelection.all()))
        self.shoot_group_button.clicked.connect(lambda: self.shoot(CameraSelection.of_group(self.group_box.currentText())) if self.group_box.currentText() else None)
        self.select_group_button.clicked.connect(lambda: self.select_group(self.group_box.currentText()))
        self.liveview_button.toggled.connect(self._liveview_toggled)
        return row

    def _build_settings_actions(self) -> QVBoxLayout:
        self.property_box = QComboBox()
        self.property_box.setObjectName("PropertyType")
        self.property_box.addItems(PROPERTY_TYPES)
        self.value_box = QComboBox()
        self.value_box.setObjectName("PropertyValue")
        self.value_box.setMinimumContentsLength(10)
        self.set_property_button = tool_button("Set", "send", "Set the property on the selected cameras (all if none is selected)", "SetProperty")
        self.sequence_box = QSpinBox()
        self.sequence_box.setObjectName("SequenceNumber")
        self.sequence_box.setRange(0, 999_999)
        self.sequence_button = tool_button("Set [S]", "send", "Set the sequence number used in file names", "SetSequence")
        self.batch_box = QSpinBox()
        self.batch_box.setObjectName("BatchNumber")
        self.batch_box.setRange(0, 999_999)
        self.batch_button = tool_button("Set [B]", "send", "Set the batch number used in file names", "SetBatch")
        self.rename_button = tool_button("Rename…", "rename", "Rename the selected camera", "RenameCamera")
        self.set_group_button = tool_button("Set group…", "add", "Put the selected cameras in a group", "SetCameraGroup")
        self.format_button = tool_button("Format cards…", "clear", "Format the memory cards of every camera", "FormatCards")
        self.shutdown_button = tool_button("Shut down app…", "clear", "Quit Smart Shooter on the camera PC", "ShutdownApp")
        row = QHBoxLayout()
        for widget in (QLabel("Property"), self.property_box, self.value_box, self.set_property_button, QLabel("Sequence"), self.sequence_box, self.sequence_button,
                       QLabel("Batch"), self.batch_box, self.batch_button):
            row.addWidget(widget)
        row.addStretch(1)
        manage = QHBoxLayout()
        for widget in (self.detect_button, self.connect_button, self.disconnect_button, self.rename_button, self.set_group_button):
            manage.addWidget(widget)
        manage.addStretch(1)
        manage.addWidget(self.format_button)
        manage.addWidget(self.shutdown_button)
        rows = QVBoxLayout()
        rows.addLayout(manage)
        rows.addLayout(row)
        self.property_box.currentTextChanged.connect(lambda _text: self._fill_values())
        self.set_property_button.clicked.connect(self.set_property)
        self.sequence_button.clicked.connect(lambda: self.operator.run("set the sequence number", lambda c: c.set_sequence_num(self.sequence_box.value()), done="Sequence number set"))
        self.batch_button.clicked.connect(lambda: self.operator.run("set the batch number", lambda c: c.set_batch_num(self.batch_box.value()), done="Batch number set"))
        self.rename_button.clicked.connect(lambda: spawn(self.rename_camera(), "cameras-rename"))
        self.set_group_button.clicked.connect(lambda: spawn(self.set_group(), "cameras-group"))
        self.format_button.clicked.connect(self.format_cards)
        self.shutdown_button.clicked.connect(self.shutdown_app)
        return rows

    def _build_table(self) -> QWidget:
        self.filter_box = QLineEdit()
        self.filter_box.setObjectName("CameraFilter")
        self.filter_box.setPlaceholderText("Filter cameras by any column…")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = row_table("CameraTable")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.table, 1)
        return box

    # --- life cycle ------------------------------------------------------------------------

    def attach(self, context: AppContext) -> None:
        super().attach(context)
        self.operator.audit = context.audit
        fleet = context.runtime.fleets.get("cameras")
        self.fleet = fleet if isinstance(fleet, CameraFleet) else None
        if self.fleet is not None:
            self.fleet.rigs_changed.connect(self._rigs_changed)
        self._rigs_changed()

    def detach(self) -> None:
        if self.fleet is not None:
            self.fleet.rigs_changed.disconnect(self._rigs_changed)
        self._use_client(None)
        self.fleet = None
        super().detach()

    def _rigs_changed(self) -> None:
        names = list(self.fleet.rigs) if self.fleet else []
        current = self.rig_box.currentText()
        self.rig_box.blockSignals(True)
        self.rig_box.clear()
        self.rig_box.addItems(names)
        self.rig_box.blockSignals(False)
        if current in names:
            self.rig_box.setCurrentText(current)
        self._rig_chosen(self.rig_box.currentText())

    def _rig_chosen(self, name: str) -> None:
        self._use_client(self.fleet.rigs.get(name) if self.fleet and name else None)

    def _use_client(self, client: RigClient | None) -> None:
        if self.client is not None:
            self.client.model.link_changed.disconnect(self._link_changed)
            self.client.model.cameras_changed.disconnect(self._cameras_changed)
            self.client.model.reset.disconnect(self._refresh_choices)
            self.client.model.options_changed.disconnect(self._options_changed)
        self.client = self.operator.client = client
        rig = client.model if client else None
        self.table_model.set_rig(rig)
        self.gallery.set_rig(rig)
        if client is not None:
            client.model.link_changed.connect(self._link_changed)
            client.model.cameras_changed.connect(self._cameras_changed)
            client.model.reset.connect(self._refresh_choices)
            client.model.options_changed.connect(self._options_changed)
            self._link_changed(client.model.link, client.model.link_text)
        else:
            self.light.set_state("off", "No camera rig")
            set_label_state(self.link_text, "off", "No camera rig configured: add a [[cameras]] entry in Settings")
            self.set_status("off", "No camera rig configured")
        self._refresh_choices()

    # --- observing the rig -------------------------------------------------------------------

    def _link_changed(self, state: str, text: str) -> None:
        light = LINK_LIGHTS.get(state, "off")
        self.light.set_state(light, text)
        set_label_state(self.link_text, light, text)
        self.set_status(light, text)

    def _cameras_changed(self, keys: list[str]) -> None:
        """Per event, so it stays cheap: only a group not yet offered rebuilds the group list."""
        cameras = self.client.model.cameras if self.client else {}
        known = self._known_groups
        if any((camera := cameras.get(key)) is not None and camera.group and camera.group not in known for key in keys):
            self._refresh_groups()

    def _refresh_choices(self) -> None:
        self._refresh_groups()
        self._fill_values()
        self._options_changed()

    def _refresh_groups(self) -> None:
        groups = self.client.model.groups() if self.client else []
        self._known_groups = set(groups)
        current = self.group_box.currentText()
        self.group_box.clear()
        self.group_box.addItems(groups)
        if current in groups:
            self.group_box.setCurrentText(current)

    def _options_changed(self) -> None:
        options = self.client.model.options if self.client else {}
        for box, name in ((self.sequence_box, "PhotoSequenceNum"), (self.batch_box, "PhotoBatchNum")):
            value = options.get(name)
            # A value beyond the box's range is not shown: past int32 setValue raises and the other box is skipped.
            if isinstance(value, int) and box.minimum() <= value <= box.maximum() and not box.hasFocus():
                box.setValue(value)

    def _selection_changed(self) -> None:
        self._fill_values()
        if self.liveview_button.isChecked():
            keys = self.selected_keys()
            self.gallery.show_liveview(keys[0] if keys else "")

    # --- selection -----------------------------------------------------------------------

    def selected_keys(self) -> list[str]:
        rows = self.table.selectionModel().selectedRows()
        return [self.proxy.data(index, KEY_ROLE) for index in sorted(rows, key=lambda i: i.row())]

    def selection(self, *, all_if_none: bool = True) -> CameraSelection | None:
        keys = self.selected_keys()
        if keys:
            return CameraSelection.of(*keys)
        return CameraSelection.all() if all_if_none else None

    def select_group(self, group: str) -> None:
        """Select every camera of `group` in the table (what "select a group" means here)."""
        selection = QItemSelection()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            camera = self.client.model.cameras.get(self.proxy.data(index, KEY_ROLE)) if self.client else None
            if camera is not None and camera.group == group:
                selection.select(index, self.proxy.index(row, self.proxy.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)

    def _describe(self, selection: CameraSelection) -> str:
        if len(selection.keys) == 1 and self.client is not None:
            return self.client.model.describe_camera(selection.keys[0])
        return selection.describe()

    def _on_selection(self, verb: str, action: Any) -> None:
        selection = self.selection()
        assert selection is not None
        self.operator.run(f"{verb} {self._describe(selection)}", lambda c: action(c, selection), done=f"{verb.capitalize()}: sent to {self._describe(selection)}")

    # --- actions -------------------------------------------------------------------------

    def shoot(self, selection: CameraSelection | None) -> None:
        if selection is None:
            self.show_message("warning", "Select the cameras to shoot first, or use Shoot all")
            return
        self.show_message("ok", f"Shooting with {self._describe(selection)}…")
        self.operator.run(f"shoot with {self._describe(selection)}", lambda c: c.shoot(selection), done=self._shot_done)

    def _shot_done(self, result: ShotResult) -> str:
        """The shot's sentence: in green when every camera made its photo, else as a failure."""
        if result.ok:
            return result.sentence()
        self.operator.fail(result.sentence())
        return ""

    def _fill_values(self) -> None:
        """The values the chosen property may take on every selected camera (their common range)."""
        kind = self.property_box.currentText()
        rig = self.client.model if self.client else None
        keys = self.selected_keys() or (list(rig.cameras) if rig else [])
        ranges = [rig.cameras[k].properties[kind] for k in keys if rig and k in rig.cameras and kind in rig.cameras[k].properties]
        values: list[str] = list(ranges[0].range) if ranges else []
        for prop in ranges[1:]:
            values = [v for v in values if v in prop.range]
        writable = bool(ranges) and all(p.writable for p in ranges)
        current = ranges[0].value if ranges else ""
        self.value_box.clear()
        self.value_box.addItems(values)
        if current in values:
            self.value_box.setCurrentText(current)
        self.set_property_button.setEnabled(writable and bool(values))
        self.value_box.setToolTip("" if writable else f"{kind} cannot be changed on these cameras")

    def set_property(self) -> None:
        kind, value = self.property_box.currentText(), self.value_box.currentText()
        selection = self.selection()
        assert selection is not None
        self.operator.run(
            f"set {kind} to {value} on {self._describe(selection)}",
            lambda c: c.set_property(selection, kind, value),
            done=f"{kind} set to {value} on {self._describe(selection)}",
        )

    async def rename_camera(self) -> None:
        keys = self.selected_keys()
        if len(keys) != 1 or self.client is None:
            self.show_message("warning", "Select one camera to rename")
            return
        camera = self.client.model.cameras[keys[0]]
        name = await self._ask_text("Rename camera", f"New name for {camera.label}", camera.fields.get("CameraName") or "")
        if name is not None:
            self.operator.run(f"rename {self._describe(CameraSelection.of(keys[0]))}", lambda c: c.rename_camera(CameraSelection.of(keys[0]), name), done=f"Camera renamed to {name!r}")

    async def set_group(self) -> None:
        selection = self.selection(all_if_none=False)
        if selection is None:
            self.show_message("warning", "Select the cameras to put in a group")
            return
        group = await self._ask_text("Set group", f"Group for {self._describe(selection)}", self.group_box.currentText())
        if group is not None:
            self.operator.run(f"set the group of {self._describe(selection)}", lambda c: c.set_camera_group(selection, group), done=f"Group set to {group!r}")

    async def _ask_text(self, title: str, label: str, value: str) -> str | None:
        dialog = QInputDialog(self)
        dialog.setObjectName("CameraTextDialog")
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(value)
        accepted = await run_dialog(dialog)
        text = dialog.textValue().strip()
        dialog.deleteLater()
        return text if accepted else None

    def format_cards(self) -> None:
        rig = self.client.name if self.client else "?"
        self.operator.run_dangerous(
            "Format cards", f"Format the memory cards in EVERY camera of rig {rig!r}? Photos not yet downloaded are lost.", "Format", {}, lambda c: c.format_cards()
        )

    def shutdown_app(self) -> None:
        rig = self.client.name if self.client else "?"
        self.operator.run_dangerous(
            "Shut down", f"Quit Smart Shooter on rig {rig!r}? Nobody can use the cameras until it is started again on the camera PC.", "Shutdown", {}, lambda c: c.shutdown_app()
        )

    def _liveview_toggled(self, enabled: bool) -> None:
        keys = self.selected_keys()
        if enabled and not keys:
            self.show_message("warning", "Select the camera to watch first")
            self.liveview_button.setChecked(False)
            return
        selection = CameraSelection.of(*keys) if keys else CameraSelection.all()
        self.gallery.show_liveview(keys[0] if enabled else "")
        self.operator.run(f"{'start' if enabled else 'stop'} live view", lambda c: c.enable_liveview(selection, enabled))

    def show_message(self, state: str, text: str) -> None:
        set_label_state(self.message, state, text)
