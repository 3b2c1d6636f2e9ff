"""Thumbnails decoded and scaled off the event loop, a batch at a time, newest first.

Pillow decodes in one worker thread of its own, never on the loop: its JPEG `draft`
mode lets libjpeg decode at 1/2 to 1/8 of the size, which is most of the saving, and it
releases the GIL while it decodes and scales. (Qt's `QImageReader` keeps the GIL for the
whole decode: measured, two worker threads reading with it stalled the event loop for up
to 450 ms during a 200-camera shot.) One thread, at a lower CPU priority, because every
Python callback of a table repaint must win the GIL back from it: with two, the repaints
of a 200-camera burst took up to 10× longer. A `QImage` may be made in any thread; the
gallery turns it into a pixmap once, on the GUI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PIL import Image, ImageOps
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from gui.tasks import spawn

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = QSize(160, 107)
BATCH = 16
WORKERS = 1
BACKGROUND_NICENESS = 10


def _lower_priority() -> None:
    """Run the decoding thread at a lower CPU priority than the GUI thread (Linux: per thread).

    Under CPU contention the loop's thread is then scheduled first; a thumbnail may come a
    little later, a frozen table would be noticed."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


_DECODER = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="thumbnails", initializer=_lower_priority)


def decode_thumbnail(path: str, size: QSize = THUMBNAIL_SIZE) -> QImage | None:
    """Read `path` scaled to fit `size` (worker thread); None if it is not a readable image."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (size.width(), size.height()))
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.info("No thumbnail for %s: %s", path, error)
        return None
    picture.thumbnail((size.width(), size.height()))
    return _qimage(picture)


def _qimage(picture: Image.Image) -> QImage:
    width, height = picture.size
    return QImage(picture.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def decode_batch(paths: list[tuple[str, str]]) -> list[tuple[str, QImage | None]]:
    return [(key, decode_thumbnail(path)) for key, path in paths]


def decode_base64_jpeg(data: bytes) -> QImage | None:
    """A live view frame (worker thread)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return _qimage(image.convert("RGB"))
    except (OSError, ValueError):
        return None


class ThumbnailLoader:
    """Decodes requested thumbnails in the background and hands each batch to `on_loaded`."""

    def __init__(self, on_loaded: Callable[[dict[str, QImage | None]], None]) -> None:
        self.on_loaded = on_loaded
        self._queue: dict[str, str] = {}
        self._in_flight: set[str] = set()
        self._workers = 0

    def request(self, key: str, path: str) -> None:
        """Ask for `key`'s thumbnail (newest requests are served first); repeated asks are free."""
        if key in self._in_flight or not path:
            return
        self._queue.pop(key, None)
        self._queue[key] = path
        self._start_workers()

    def forget(self, keys: list[str]) -> None:
        for key in keys:
            self._queue.pop(key, None)

    @property
    def busy(self) -> bool:
        return bool(self._queue or self._in_flight)

    def _start_workers(self) -> None:
        while self._queue and self._workers < WORKERS:
            self._workers += 1
            spawn(self._work(), "thumbnails")

    async def _work(self) -> None:
        try:
            while self._queue:
                batch = []
                while self._queue and len(batch) < BATCH:
                    key = next(reversed(self._queue))
                    batch.append((key, self._queue.pop(key)))
                self._in_flight.update(key for key, _ in batch)
                try:
                    results = await asyncio.get_running_loop().run_in_executor(_DECODER, decode_batch, batch)
                finally:
                    self._in_flight.difference_update(key for key, _ in batch)
                self.on_loaded(dict(results))
        finally:
            self._workers -= 1
