"""Light and dark themes: Qt's Fusion style, a palette, and one style sheet with named colours.

Colours live in `resources/styles/<theme>.toml`; the style sheet refers to them as
`@name`. Widgets never choose colours: they set a `state` property and the sheet does
the rest, so both themes stay consistent.
"""

from __future__ import annotations

import importlib.resources
import re
import tomllib

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from backend.app.settings import THEMES


def theme_colours(name: str) -> dict[str, str]:
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}")
    text = importlib.resources.files("resources").joinpath(f"styles/{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def style_sheet(name: str) -> str:
    colours = theme_colours(name)
    template = importlib.resources.files("resources").joinpath("styles/switchboard.qss").read_text("utf-8")
    # Longest names first, so @ok_bg is not read as @ok followed by "_bg".
    pattern = re.compile("@(" + "|".join(sorted(map(re.escape, colours), key=len, reverse=True)) + ")")
    return pattern.sub(lambda match: colours[match.group(1)], template)


def palette(name: str) -> QPalette:
    colours = theme_colours(name)
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "base",
        QPalette.ColorRole.AlternateBase: "alternate",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.Button: "window",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.Highlight: "accent",
        QPalette.ColorRole.HighlightedText: "accent_text",
        QPalette.ColorRole.ToolTipBase: "base",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.PlaceholderText: "muted",
        QPalette.ColorRole.Link: "accent",
    }
    for role, key in roles.items():
        pal.setColor(role, QColor(colours[key]))
    muted = QColor(colours["muted"])
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return pal


def apply_theme(app: QApplication, name: str) -> None:
    app.setStyle("Fusion")
    app.setPalette(palette(name))
    app.setStyleSheet(style_sheet(name))
    app.setProperty("theme", name)


def current_theme(app: QApplication) -> str:
    value = app.property("theme")
    return value if value in THEMES else "light"


def colour(name: str, app: QApplication | None = None) -> QColor:
    """A named colour of the current theme (for the few things style sheets cannot reach, like item models)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    return QColor(theme_colours(current_theme(app))[name])


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a property it selects on has changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
