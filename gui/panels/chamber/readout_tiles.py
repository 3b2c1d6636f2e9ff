"""Read-out tiles: the latest value of each channel with its unit, coloured by its limits.

Colours come from the style sheet (`#Banner[state=…]`), keyed on the level, so the tile
code picks no colour. While the data is stale or lost every tile turns grey and says so,
so an old number is never mistaken for a current one.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from backend.chamber.chamber_model import LinkState
from backend.chamber.limits import Level, level
from backend.chamber.telemetry import CHANNELS
from gui.status_light import set_label_state

COLUMNS = 6


class ReadoutTiles(QWidget):
    def __init__(self, limits: Mapping[str, Mapping[str, float]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limits = limits
        self.tiles: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for index, channel in enumerate(CHANNELS):
            tile = QLabel()
            tile.setObjectName("Banner")
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setMinimumWidth(110)
            self.tiles[channel.key] = tile
            grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
        self.show_values({}, LinkState.CONNECTING)

    def show_values(self, values: Mapping[str, float], link: LinkState) -> None:
        fresh = link is LinkState.LIVE
        for channel in CHANNELS:
            value = values.get(channel.key, float("nan"))
            state = level(value, self.limits.get(channel.key)) if fresh else Level.UNKNOWN
            text = "—" if value != value else (f"{value:.3g}" if channel.unit == "kPa" else f"{value:.1f}")
            suffix = "" if fresh else f"\n({link.value})"
            set_label_state(self.tiles[channel.key], state.value, f"{channel.label}\n{text} {channel.unit}{suffix}")
