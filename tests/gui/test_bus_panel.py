"""The Bus panel, driven as an operator drives it, on a real hub with a real service."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.panels.bus.bus_panel import BusPanel
from tests.gui.conftest import Floor, open_floor
from tests.helpers import wait_until


def bus_panel(floor: Floor) -> BusPanel:
    panel = floor.window.panels[0]
    assert isinstance(panel, BusPanel)
    return panel


async def test_the_services_list_shows_a_service_heard_on_the_bus_with_its_machine(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = bus_panel(floor)
        await wait_until(lambda: any(e.name == "RENDER1-Engine" for e in panel.services.entries), what="the engine in the list")
        entry = next(e for e in panel.services.entries if e.name == "RENDER1-Engine")
        assert entry.machine == "RENDER1"


async def test_a_call_from_the_composer_shows_the_result(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = bus_panel(floor)
        composer = panel.composer
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Method"].setText("GetProperty")
        composer.body.set_text('{"ObjectSearch": "Floor", "PropertyPath": "Material"}')
        qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Result" in composer.verdict.text(), what="the Result")
        assert '"M_Concrete"' in composer.answer.toPlainText()
        assert composer.verdict.property("state") == "ok"
