"""The camera table: one row per camera of a rig, repainted ~30 times a second at most.

The rig model says which cameras changed; this model only notes the keys and, on a
timer, inserts new rows and repaints the changed ones in one `dataChanged` span. A rig
of 200 cameras all changing at once (a shoot-all) therefore costs a couple of repaints,
not 1,000 (five events per camera).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication

from backend.cameras.rig_model import Camera, RigModel
from gui.panels.cameras.repaint_timer import RepaintTimer
from gui.theme import colour, current_theme

Index = QModelIndex | QPersistentModelIndex
BUSY_ROWS = 20
KEY_PROPERTIES = ("ISO", "Aperture", "ShutterSpeed", "WhiteBalance")
COLUMNS = ("Name", "Model", "Serial", "Group", "Status", "Battery", "Photos", *KEY_PROPERTIES)
STATUS_COLUMN = COLUMNS.index("Status")
BATTERY_COLUMN = COLUMNS.index("Battery")
STATUS_STATES = {"Ready": "ok", "Busy": "warning", "Error": "error", "Lost": "error", "Absent": "muted", "Disconnected": "muted"}
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


class CameraTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rig: RigModel | None = None
        self.keys: list[str] = []
        self._rows: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._photo_counts: dict[str, int] = {}
        self._counts_dirty = True
        self._reset_pending = False
        self._colours: dict[tuple[str, str], Any] = {}
        self._cells: dict[str, tuple[Any, ...]] = {}
        self._timer = RepaintTimer(self.flush, self)

    def set_rig(self, rig: RigModel | None) -> None:
        if self.rig is not None:
            self.rig.cameras_changed.disconnect(self._cameras_changed)
            self.rig.photos_changed.disconnect(self._photos_changed)
            self.rig.reset.disconnect(self._reset)
        self.rig = rig
        if rig is not None:
            rig.cameras_changed.connect(self._cameras_changed)
            rig.photos_changed.connect(self._photos_changed)
            rig.reset.connect(self._reset)
        self._reset()
        self.flush()

    # --- observers: cheap, they only note what to repaint --------------------------------

    def _cameras_changed(self, keys: list[str]) -> None:
        self._dirty.update(keys)
        self._timer.wake()

    def _photos_changed(self, _keys: list[str]) -> None:
        self._counts_dirty = True
        self._timer.wake()

    def _reset(self) -> None:
        self._reset_pending = True
        self._counts_dirty = True
        self._timer.wake()

    # --- the timer -----------------------------------------------------------------------

    def flush(self) -> None:
        rig = self.rig
        if not (self._dirty or self._counts_dirty or self._reset_pending):
            self._timer.idle()
            return
        if self._counts_dirty and rig is not None:
            self._count_photos(rig)
        if self._reset_pending:
            self._reset_pending = False
            self._dirty.clear()
            self._cells.clear()
            self.beginResetModel()
            self.keys = list(rig.cameras) if rig is not None else []
            self._rows = {key: row for row, key in enumerate(self.keys)}
            self.endResetModel()
            return
        if not self._dirty or rig is None:
            return
        dirty, self._dirty = self._dirty, set()
        new = [key for key in dirty if key not in self._rows and key in rig.cameras]
        if new:
            first = len(self.keys)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for key in new:
                self._rows[key] = len(self.keys)
                self.keys.append(key)
            self.endInsertRows()
        changed_rows = self._changed_cells(key for key in dirty if key in self._rows)
        for column, rows in changed_rows.items():
            self.dataChanged.emit(self.index(min(rows), column), self.index(max(rows), column))
        # Each repaint of a styled table costs ~20 ms: while many cameras change, repaint less often.
        busy = max((len(rows) for rows in changed_rows.values()), default=0) > BUSY_ROWS
        self._timer.set_busy(busy)

    def _changed_cells(self, keys: Iterable[str]) -> dict[int, list[int]]:
        """Recompute the cached cells of `keys`; the rows whose cell changed, by column.

        Repainting only the changed columns (a shot changes Status and Photos) costs a
        fraction of repainting whole rows."""
        changed: dict[int, list[int]] = {}
        for key in keys:
            old = self._cells.pop(key, None)
            row = self._rows[key]
            cells = self._row(row)
            for column, value in enumerate(cells):
                if old is None or old[column] != value:
                    changed.setdefault(column, []).append(row)
        return changed

    def _count_photos(self, rig: RigModel) -> None:
        self._counts_dirty = False
        counts: dict[str, int] = {}
        for photo in rig.photos.values():
            key = photo.camera_key
            counts[key] = counts.get(key, 0) + 1
        old, self._photo_counts = self._photo_counts, counts
        self._dirty.update(key for key in self._rows if counts.get(key, 0) != old.get(key, 0))

    # --- reading -------------------------------------------------------------------------

    def camera_at(self, row: int) -> Camera | None:
        if self.rig is None or not 0 <= row < len(self.keys):
            return None
        return self.rig.cameras.get(self.keys[row])

    def row_of(self, key: str) -> int | None:
        return self._rows.get(key)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return "Shutter" if COLUMNS[section] == "ShutterSpeed" else "WB" if COLUMNS[section] == "WhiteBalance" else COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every visible cell and every role on each repaint (through the sort
        # proxy): roles are compared first and rows read from the cache made at flush time.
        if role == _DISPLAY:
            return self._row(index.row())[index.column()]
        if role == _FOREGROUND:
            if index.column() != STATUS_COLUMN:
                return None
            state = STATUS_STATES.get(self._row(index.row())[STATUS_COLUMN])
            return self._colour(state) if state else None
        if role == SORT_ROLE:
            camera = self.camera_at(index.row())
            if camera is not None and index.column() == BATTERY_COLUMN and camera.battery is not None:
                return camera.battery
            return self._row(index.row())[index.column()]
        if role == KEY_ROLE:
            return self.keys[index.row()] if 0 <= index.row() < len(self.keys) else None
        if role == _TOOLTIP:
            camera = self.camera_at(index.row())
            return f"{camera.key}\n{camera.status}" if camera else None
        return None

    def _row(self, row: int) -> tuple[Any, ...]:
        """The row's cells as shown, computed once per change (not per paint)."""
        key = self.keys[row]
        cells = self._cells.get(key)
        if cells is None:
            camera = self.rig.cameras.get(key) if self.rig else None
            cells = tuple(self.display(camera, column) for column in range(len(COLUMNS))) if camera else ("",) * len(COLUMNS)
            self._cells[key] = cells
        return cells

    def _colour(self, state: str) -> Any:
        """Theme colours read once per theme, not per painted cell (they come from a file)."""
        key = (current_theme(QApplication.instance()), state)  # type: ignore[arg-type]
        cached = self._colours.get(key)
        if cached is None:
            cached = self._colours[key] = colour(state)
        return cached

    def display(self, camera: Camera, column: int) -> Any:
        name = COLUMNS[column]
        if name == "Name":
            return camera.name
        if name == "Model":
            return camera.model
        if name == "Serial":
            return camera.serial
        if name == "Group":
            return camera.group
        if name == "Status":
            return camera.status
        if name == "Battery":
            battery = camera.battery
            source = camera.fields.get("CameraPowersource")
            return "AC" if source == "AC" else (f"{battery} %" if battery is not None else "—")
        if name == "Photos":
            return self._photo_counts.get(camera.key, 0)
        return camera.property_value(name)
