"""Real JPEG files for simulated photos, written with Pillow off the event loop.

Each photo is a small picture in the camera's own colour with its name and number on it,
so an operator can tell at a glance which camera a thumbnail came from. Encoding runs in
a worker thread (`asyncio.to_thread` by the caller); nothing here touches the loop.
"""

from __future__ import annotations

import colorsys
import io
from pathlib import Path

from PIL import Image, ImageDraw

PHOTO_SIZE = (720, 480)
LIVEVIEW_SIZE = (320, 214)


def camera_colour(index: int) -> tuple[int, int, int]:
    """A distinct, not too dark colour per camera index (golden-ratio hue steps)."""
    red, green, blue = colorsys.hsv_to_rgb((index * 0.618034) % 1.0, 0.55, 0.85)
    return int(red * 255), int(green * 255), int(blue * 255)


def render_jpeg(index: int, lines: list[str], size: tuple[int, int] = PHOTO_SIZE, quality: int = 80) -> bytes:
    """A JPEG of `size` in camera `index`'s colour with `lines` of text on it."""
    image = Image.new("RGB", size, camera_colour(index))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((width // 10, height // 10, width * 9 // 10, height * 9 // 10), outline=(255, 255, 255), width=3)
    draw.ellipse((width // 2 - height // 6, height // 2 - height // 6, width // 2 + height // 6, height // 2 + height // 6), outline=(20, 20, 20), width=4)
    font_size = max(12, height // 14)
    for row, text in enumerate(lines):
        draw.text((width // 10 + 12, height // 10 + 10 + row * (font_size + 6)), text, fill=(255, 255, 255), font_size=font_size)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def write_photo(path: Path, index: int, lines: list[str]) -> int:
    """Write the photo to `path` (its folder created); returns the file size in bytes."""
    data = render_jpeg(index, lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def write_copies(paths: list[Path], data: bytes) -> None:
    """Write the same bytes to many paths: how a large pre-existing session is laid down quickly."""
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
