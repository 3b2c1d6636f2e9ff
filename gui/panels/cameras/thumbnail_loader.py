"""Thumbnails decoded and scaled off the event loop, a batch at a time.

`QImageReader` with a scaled size lets libjpeg decode a JPEG at a fraction of its size,
which is most of the saving; it runs in worker threads (`asyncio.to_thread`), never on
the loop. A `QImage` may be made in any thread; only pixmaps are bound to the GUI thread,
and the gallery shows the `QImage` directly. At most `WORKERS` batches run at once (the
machine has few cores), and the newest requests go first: the photos just taken are the
ones the operator is looking for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from gui.tasks import spawn

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = QSize(160, 107)
BATCH = 16
WORKERS = 2


def decode_thumbnail(path: str, size: QSize = THUMBNAIL_SIZE) -> QImage | None:
    """Read `path` scaled to fit `size` (worker thread); None if it is not a readable image."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    original = reader.size()
    if original.isValid():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        log.info("No thumbnail for %s: %s", path, reader.errorString())
        return None
    return image


def decode_batch(paths: list[tuple[str, str]]) -> list[tuple[str, QImage | None]]:
    return [(key, decode_thumbnail(path)) for key, path in paths]


def decode_base64_jpeg(data: bytes) -> QImage | None:
    """A live view frame (worker thread)."""
    image = QImage()
    return image if image.loadFromData(data, "JPEG") else None


class ThumbnailLoader:
    """Decodes requested thumbnails in the background and hands each batch to `on_loaded`."""

    def __init__(self, on_loaded: Callable[[dict[str, QImage | None]], None]) -> None:
        self.on_loaded = on_loaded
        self._queue: dict[str, str] = {}
        self._in_flight: set[str] = set()
        self._workers = 0
        self._closed = False

    def request(self, key: str, path: str) -> None:
        """Ask for `key`'s thumbnail (newest requests are served first); repeated asks are free."""
        if self._closed or key in self._in_flight or not path:
            return
        self._queue.pop(key, None)
        self._queue[key] = path
        self._start_workers()

    def forget(self, keys: list[str]) -> None:
        for key in keys:
            self._queue.pop(key, None)

    def close(self) -> None:
        self._closed = True
        self._queue.clear()

    @property
    def busy(self) -> bool:
        return bool(self._queue or self._in_flight)

    def _start_workers(self) -> None:
        while self._queue and self._workers < WORKERS:
            self._workers += 1
            spawn(self._work(), "thumbnails")

    async def _work(self) -> None:
        try:
            while self._queue and not self._closed:
                batch = []
                while self._queue and len(batch) < BATCH:
                    key = next(reversed(self._queue))
                    batch.append((key, self._queue.pop(key)))
                self._in_flight.update(key for key, _ in batch)
                try:
                    results = await asyncio.to_thread(decode_batch, batch)
                finally:
                    self._in_flight.difference_update(key for key, _ in batch)
                if not self._closed:
                    self.on_loaded(dict(results))
        finally:
            self._workers -= 1
