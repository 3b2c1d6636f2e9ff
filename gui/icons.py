"""Icons from `resources/icons/*.svg`, drawn in the current theme's text colour.

The SVGs use `currentColor`; Qt's SVG renderer does not know the palette, so the colour
is written into the SVG text before rendering.
"""

from __future__ import annotations

import functools
import importlib.resources

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from gui.theme import colour


@functools.lru_cache(maxsize=256)
def _svg(name: str) -> str:
    return importlib.resources.files("resources").joinpath(f"icons/{name}.svg").read_text("utf-8")


@functools.lru_cache(maxsize=512)
def _pixmap(name: str, hex_colour: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", hex_colour).encode("utf-8")))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return QPixmap.fromImage(image)


def icon(name: str, colour_name: str = "text") -> QIcon:
    """The icon `name` in the theme colour `colour_name`, sharp at the usual sizes."""
    app = QApplication.instance()
    hex_colour = colour(colour_name, app).name()  # type: ignore[arg-type]
    result = QIcon()
    for size in (16, 24, 32, 48, 64):
        result.addPixmap(_pixmap(name, hex_colour, size))
    return result


ICON_PROPERTY = "iconName"


def set_icon(button: QAbstractButton, name: str) -> None:
    """Give `button` the icon `name` and remember it, so a theme change can redraw it."""
    button.setIcon(icon(name))
    button.setProperty(ICON_PROPERTY, name)


def redraw_icons(root: QWidget) -> None:
    """Redraw, in the current theme's colours, every icon `set_icon` gave below `root`."""
    for button in root.findChildren(QAbstractButton):
        name = button.property(ICON_PROPERTY)
        if isinstance(name, str):
            button.setIcon(icon(name))
