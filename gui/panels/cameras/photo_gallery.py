"""The photos side of the Cameras panel: thumbnails as photos arrive, their actions, and live view.

Download, delete (files too: asked first and audited), rename, open the file or its
folder. Live view shows the newest frame of the current camera; frames are decoded in
a worker thread and only the newest one waiting is decoded, so a fast stream never
queues up behind a slow decode.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QInputDialog, QLabel, QListView, QVBoxLayout, QWidget

from backend.cameras.rig_model import Photo, RigModel
from backend.cameras.wire import PhotoLocation, PhotoSelection
from gui.dialogs import run_dialog
from gui.panels.cameras.photo_gallery_model import PhotoGalleryModel
from gui.panels.cameras.rig_operator import RigOperator
from gui.panels.cameras.thumbnail_loader import THUMBNAIL_SIZE, decode_base64_jpeg
from gui.tasks import spawn
from gui.widgets import section_title, tool_button


class PhotoGallery(QWidget):
    def __init__(self, operator: RigOperator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.operator = operator
        self.rig: RigModel | None = None
        self.model = PhotoGalleryModel(self)
        self.view = QListView()
        self.view.setObjectName("PhotoGallery")
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(THUMBNAIL_SIZE)
        self.view.setGridSize(QSize(THUMBNAIL_SIZE.width() + 16, THUMBNAIL_SIZE.height() + 44))
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setModel(self.model)

        self.download_button = tool_button("Download", "import", "Download the selected photos still on the cameras (all of them if none is selected)", "PhotoDownload")
        self.delete_button = tool_button("Delete…", "clear", "Delete the selected photos and their files", "PhotoDelete")
        self.rename_button = tool_button("Rename…", "rename", "Rename the selected photo", "PhotoRename")
        self.open_button = tool_button("Open", "export", "Open the selected photo's file", "PhotoOpen")
        self.folder_button = tool_button("Folder", "store", "Open the folder of the selected photo", "PhotoFolder")
        buttons = QHBoxLayout()
        for button in (self.download_button, self.delete_button, self.rename_button, self.open_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.count = QLabel("No photos")
        self.count.setObjectName("Muted")
        buttons.addWidget(self.count)

        self.liveview = QLabel("Live view off")
        self.liveview.setObjectName("LiveView")
        self.liveview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.liveview.setMinimumHeight(120)
        self.liveview.setMaximumHeight(230)
        self.liveview.hide()
        self.liveview_camera = ""
        self._frame_decoding = False
        self._frame_waiting = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(section_title("Photos"))
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.liveview)

        self.download_button.clicked.connect(self.download)
        self.delete_button.clicked.connect(self.delete)
        self.rename_button.clicked.connect(lambda: spawn(self.rename(), "cameras-rename-photo"))
        self.open_button.clicked.connect(lambda: self._open(folder=False))
        self.folder_button.clicked.connect(lambda: self._open(folder=True))
        self.model.rowsInserted.connect(self._count_changed)
        self.model.rowsRemoved.connect(self._count_changed)
        self.model.modelReset.connect(self._count_changed)

    def set_rig(self, rig: RigModel | None) -> None:
        if self.rig is not None:
            self.rig.liveview_frame.disconnect(self._frame_arrived)
        self.rig = rig
        self.model.set_rig(rig)
        if rig is not None:
            rig.liveview_frame.connect(self._frame_arrived)

    def selected_photos(self) -> list[Photo]:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedIndexes()})
        return [photo for photo in (self.model.photo_at(row) for row in rows) if photo is not None]

    def _count_changed(self, *_args: object) -> None:
        count = self.model.rowCount()
        self.count.setText(f"{count} photo{'s' if count != 1 else ''}" if count else "No photos")

    # --- actions -------------------------------------------------------------------------

    def download(self) -> None:
        chosen = self.selected_photos() or (list(self.rig.photos.values()) if self.rig else [])
        keys = [p.key for p in chosen if p.location == PhotoLocation.CAMERA]
        if not keys:
            self.operator.message.emit("ok", "Nothing to download: the photos are on disk already")
            return
        self.model.mark_downloading(keys)
        self.operator.run(f"download {len(keys)} photos", lambda c: c.download(PhotoSelection.of(*keys)), done=f"Downloading {len(keys)} photos")

    def delete(self) -> None:
        chosen = self.selected_photos()
        if not chosen:
            self.operator.message.emit("warning", "Select the photos to delete first")
            return
        keys = [p.key for p in chosen]
        names = ", ".join(p.display_name for p in chosen[:3]) + (f" and {len(chosen) - 3} more" if len(chosen) > 3 else "")
        self.operator.run_dangerous(
            "Delete photos",
            f"Delete {len(chosen)} photo{'s' if len(chosen) != 1 else ''} ({names}) and their files? This cannot be undone.",
            "Delete",
            {"PhotoKeys": keys, "DeleteFiles": True},
            lambda c: c.delete_photos(PhotoSelection.of(*keys), delete_files=True),
        )

    async def rename(self) -> None:
        chosen = self.selected_photos()
        if len(chosen) != 1:
            self.operator.message.emit("warning", "Select one photo to rename")
            return
        photo = chosen[0]
        dialog = QInputDialog(self)
        dialog.setObjectName("RenamePhotoDialog")
        dialog.setWindowTitle("Rename photo")
        dialog.setLabelText("New file name")
        dialog.setTextValue(photo.display_name)
        if not await run_dialog(dialog):
            return
        name = dialog.textValue().strip()
        dialog.deleteLater()
        if name and name != photo.display_name:
            self.operator.run(f"rename {photo.display_name} to {name}", lambda c: c.rename_photo(PhotoSelection.of(photo.key), name), done=f"Renamed to {name}")

    def _open(self, *, folder: bool) -> None:
        chosen = [p for p in self.selected_photos() if p.on_disk]
        if not chosen:
            self.operator.message.emit("warning", "Select a photo that is on disk")
            return
        path = Path(chosen[0].filename)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent if folder else path)))

    # --- live view -----------------------------------------------------------------------

    def show_liveview(self, camera_key: str) -> None:
        """Show `camera_key`'s frames ("" hides live view)."""
        self.liveview_camera = camera_key
        self.liveview.setVisible(bool(camera_key))
        self.liveview.setText("Waiting for live view frames…" if camera_key else "Live view off")

    def _frame_arrived(self, camera_key: str) -> None:
        if camera_key != self.liveview_camera:
            return
        if self._frame_decoding:
            self._frame_waiting = True
            return
        spawn(self._decode_frames(), "cameras-liveview")

    async def _decode_frames(self) -> None:
        self._frame_decoding = True
        try:
            while True:
                self._frame_waiting = False
                encoded = self.rig.liveview.get(self.liveview_camera) if self.rig else None
                if encoded is None:
                    return
                image = await asyncio.to_thread(_decode_frame, encoded)
                if image is not None and self.liveview_camera:
                    self.liveview.setPixmap(QPixmap.fromImage(image))
                if not self._frame_waiting:
                    return
        finally:
            self._frame_decoding = False


def _decode_frame(encoded: str) -> QImage | None:
    try:
        return decode_base64_jpeg(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError):
        return None
