"""The photos of a rig as a gallery: newest first, each with its thumbnail and its state.

Like the camera table, it only notes changed photo keys and applies them on a ~30 Hz
timer. Thumbnails of photos arriving live are asked for at once; those of a large
session from `Synchronise` only when the view paints them, so 10,000 photos cost the
few dozen decodes that are on screen, not 10,000.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from backend.cameras.rig_model import Photo, RigModel
from backend.cameras.wire import PhotoLocation
from gui.panels.cameras.repaint_timer import RepaintTimer
from gui.panels.cameras.thumbnail_loader import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


class PhotoGalleryModel(QAbstractListModel):
    thumbnails_shown = Signal(int)
    """Emitted with the number of thumbnails that just became visible (after the repaint was asked)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rig: RigModel | None = None
        self.keys: list[str] = []
        """Photo keys, newest first."""
        self.thumbnails: dict[str, QPixmap | None] = {}
        """Made once per photo on the GUI thread: a QImage shown directly would be converted on every paint."""
        self.downloading: set[str] = set()
        self.last_thumbnail_at = 0.0
        self._dirty: list[str] = []
        self._reset_pending = False
        self._loader = ThumbnailLoader(self._loaded)
        self._timer = RepaintTimer(self.flush, self)

    def set_rig(self, rig: RigModel | None) -> None:
        if self.rig is not None:
            self.rig.photos_changed.disconnect(self._photos_changed)
            self.rig.reset.disconnect(self._reset)
        self.rig = rig
        self.thumbnails.clear()
        self.downloading.clear()
        if rig is not None:
            rig.photos_changed.connect(self._photos_changed)
            rig.reset.connect(self._reset)
        self._reset()
        self.flush()

    def mark_downloading(self, keys: list[str]) -> None:
        self.downloading.update(keys)
        self._dirty.extend(keys)
        self._timer.wake()

    @property
    def loading(self) -> bool:
        return self._loader.busy

    # --- observers -----------------------------------------------------------------------

    def _photos_changed(self, keys: list[str]) -> None:
        self._dirty.extend(keys)
        self._timer.wake()

    def _reset(self) -> None:
        self._reset_pending = True
        self._timer.wake()

    # --- the timer -----------------------------------------------------------------------

    def flush(self) -> None:
        rig = self.rig
        if not (self._dirty or self._reset_pending):
            self._timer.idle()
            return
        if self._reset_pending:
            self._reset_pending = False
            self._dirty.clear()
            self.beginResetModel()
            self.keys = list(reversed(rig.photos)) if rig is not None else []
            self.endResetModel()
            return
        if not self._dirty or rig is None:
            return
        dirty, self._dirty = self._dirty, []
        present = set(self.keys)
        gone = {key for key in dirty if key not in rig.photos and key in present}
        if gone:
            self._remove(gone)
        new = list(dict.fromkeys(key for key in dirty if key in rig.photos and key not in present))
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self.keys[:0] = reversed(new)
            self.endInsertRows()
        changed = {key for key in dirty if key in rig.photos}
        for key in changed:
            photo = rig.photos[key]
            if photo.on_disk:
                self.downloading.discard(key)
                if key not in self.thumbnails:
                    self._loader.request(key, photo.filename)  # live arrivals: load now, newest first
        if changed:
            self._repaint(changed)

    def _remove(self, gone: set[str]) -> None:
        if len(gone) > 50:  # many at once (a card formatted): one reset beats many removals
            self.beginResetModel()
            self.keys = [k for k in self.keys if k not in gone]
            self.endResetModel()
        else:
            for key in gone:
                row = self.keys.index(key)
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.keys[row]
                self.endRemoveRows()
        for key in gone:
            self.thumbnails.pop(key, None)
        self._loader.forget(list(gone))

    def _repaint(self, keys: set[str]) -> None:
        rows = [row for row, key in enumerate(self.keys) if key in keys] if len(keys) < len(self.keys) else range(len(self.keys))
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    def _loaded(self, images: dict[str, QImage | None]) -> None:
        self.thumbnails.update({key: QPixmap.fromImage(image) if image is not None else None for key, image in images.items()})
        self.last_thumbnail_at = time.perf_counter()
        self._repaint(set(images))
        self.thumbnails_shown.emit(len(images))

    # --- reading -------------------------------------------------------------------------

    def photo_at(self, row: int) -> Photo | None:
        if self.rig is None or not 0 <= row < len(self.keys):
            return None
        return self.rig.photos.get(self.keys[row])

    def state_of(self, photo: Photo) -> str:
        """What the operator reads under a thumbnail: where the photo is."""
        if photo.key in self.downloading and not photo.on_disk:
            return "downloading"
        if photo.on_disk:
            return "on disk"
        if photo.location == PhotoLocation.CAMERA:
            return "on camera"
        return photo.location.lower() or "unknown"

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.keys)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        photo = self.photo_at(index.row())
        if photo is None:
            return None
        if role == _DISPLAY:
            return f"{photo.display_name}\n{self.state_of(photo)}"
        if role == _DECORATION:
            pixmap = self.thumbnails.get(photo.key)
            if pixmap is None and photo.key not in self.thumbnails and photo.on_disk:
                self._loader.request(photo.key, photo.filename)  # painted: worth decoding now
            return pixmap
        if role == _TOOLTIP:
            camera = self.rig.describe_camera(photo.camera_key) if self.rig else photo.camera_key
            return f"{photo.display_name}\n{camera}\n{photo.filename or 'not on disk yet'}"
        if role == KEY_ROLE:
            return photo.key
        return None
