"""The services table's model: what a once-a-second refresh tells the view has changed."""

from __future__ import annotations

import time

from backend.bus.directory import ServiceDirectory
from gui.panels.bus.services_model import COLUMNS, LIVE_COLUMN, ServicesModel

LAST = len(COLUMNS) - 1


def test_a_refresh_announces_only_the_live_columns_unless_something_else_changed(qapp) -> None:
    directory = ServiceDirectory()
    for name in ("RENDER1-Engine", "CAM1-Rig"):
        entry = directory._entry(name)
        entry.last_seen, entry.messages = time.time(), 1
    model = ServicesModel(directory)
    model.refresh()  # the first read: a reset
    seen: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last, *_roles: seen.append((first.column(), last.column())))

    def refreshed() -> list[tuple[int, int]]:
        seen.clear()
        model.refresh()
        return list(seen)

    directory.services["CAM1-Rig"].messages += 10
    assert refreshed() == [(LIVE_COLUMN, LAST)]
    assert model.data(model.index(0, LAST)) == "11"

    directory.services["CAM1-Rig"].role = "Rig"
    assert refreshed() == [(0, LAST)]
    assert model.data(model.index(0, 1)) == "Rig"

    directory.services["RENDER1-Engine"].last_seen = time.time() - 60  # gone quiet: every column turns muted
    assert refreshed() == [(0, LAST)]
    assert refreshed() == [(LIVE_COLUMN, LAST)]
