"""The chamber's link, unmistakable: a coloured banner that says in words how old the data is."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from backend.chamber.chamber_model import ChamberModel, LinkState
from gui.status_light import set_label_state

LINK_STATES = {
    LinkState.CONNECTING: ("off", "CONNECTING — waiting for the first data"),
    LinkState.LIVE: ("ok", "LIVE"),
    LinkState.STALE: ("warning", "STALE — no data for more than 3 s; the values shown are old"),
    LinkState.LOST: ("error", "LOST — no data for more than 10 s; the values shown are old. Reconnecting by itself"),
}


def link_state(model: ChamberModel) -> tuple[str, str]:
    """(light state, sentence) for the chamber's link."""
    state, words = LINK_STATES[model.link]
    if not model.connected and model.link_problem:
        words += f" ({model.link_problem})"
    return state, f"Chamber '{model.name}': {words}"


class LinkBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setWordWrap(True)

    def show_link(self, model: ChamberModel) -> None:
        state, text = link_state(model)
        set_label_state(self, state, text)
