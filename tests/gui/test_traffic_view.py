"""The live traffic list: rows as messages arrive, filters over the whole history, pause, detail."""

from __future__ import annotations

from backend.bus.message import LogLevel
from gui.panels.bus.bus_panel import BusPanel
from tests.gui.conftest import Floor, open_floor
from tests.helpers import wait_until


def panel_of(floor: Floor) -> BusPanel:
    panel = floor.window.panels[0]
    assert isinstance(panel, BusPanel)
    return panel


def shown_types(panel: BusPanel) -> set[str]:
    return {message.type for message in panel.traffic.rows}


async def test_messages_on_the_bus_appear_as_rows_with_source_and_subject(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        floor.engine.log(LogLevel.INFO, "hello traffic")
        await wait_until(lambda: any(m.type == "Log" and m.source == "RENDER1-Engine" for m in panel.traffic.rows), what="the Log row")
        row = next(i for i, m in enumerate(panel.traffic.rows) if m.type == "Log")
        assert panel.traffic.display(panel.traffic.rows[row], 2) == "RENDER1-Engine"
        assert panel.traffic.display(panel.traffic.rows[row], 3) == "BROADCAST"


async def test_unticking_a_type_hides_it_from_the_history_already_received(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        floor.engine.log(LogLevel.INFO, "one")
        floor.engine.publish_info({"FPS": 50})
        await wait_until(lambda: {"Log", "Update"} <= shown_types(panel), what="a Log and an Update")
        panel.type_filter.actions_by_type["Update"].setChecked(False)
        assert "Update" not in shown_types(panel)
        assert "Log" in shown_types(panel)


async def test_the_text_filter_matches_inside_the_message_in_any_case(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        floor.engine.log(LogLevel.WARNING, "Needle in the HAYSTACK")
        floor.engine.log(LogLevel.INFO, "something else")
        await wait_until(lambda: sum(m.type == "Log" for m in panel.traffic.rows) >= 2, what="two Logs")
        panel.text_filter.setText("haystack")
        assert len(panel.traffic.rows) == 1
        assert panel.traffic.rows[0].body["Message"] == "Needle in the HAYSTACK"


async def test_double_clicking_a_service_filters_the_traffic_and_addresses_the_composer(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        await wait_until(lambda: any(e.name == "RENDER1-Engine" for e in panel.services.entries), what="the engine")
        row = next(i for i, e in enumerate(panel.services.entries) if e.name == "RENDER1-Engine")
        panel._service_double_clicked(panel.services.index(row, 0))
        assert panel.service_filter.currentText() == "RENDER1-Engine"
        assert panel.composer.key_edits["Target"].text() == "RENDER1-Engine"
        floor.engine.log(LogLevel.INFO, "from the engine")
        await wait_until(lambda: any(m.type == "Log" for m in panel.traffic.rows), what="the engine's Log")
        assert all("RENDER1-Engine" in (m.source, m.target, m.topic.get("RespondTo")) for m in panel.traffic.rows)


async def test_pause_freezes_the_list_while_messages_are_still_recorded(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        await wait_until(lambda: panel.traffic.rows, what="some traffic")
        panel.pause.setChecked(True)
        frozen = len(panel.traffic.rows)
        monitor = floor.runtime.monitor
        assert monitor is not None
        seen_before = monitor.total
        for n in range(20):
            floor.engine.log(LogLevel.INFO, f"while paused {n}")
        await wait_until(lambda: monitor.total >= seen_before + 20, what="the monitor to record the Logs")
        assert len(panel.traffic.rows) == frozen
        assert "waiting" in panel.shown.text()
        panel.pause.setChecked(False)
        assert sum(m.type == "Log" and m.body.get("Message", "").startswith("while paused") for m in panel.traffic.rows) == 20


async def test_selecting_a_row_shows_the_topic_and_message_pretty_printed(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        floor.engine.log(LogLevel.ERROR, "detail please", code="E42")
        await wait_until(lambda: any(m.type == "Log" for m in panel.traffic.rows), what="the Log")
        row = next(i for i, m in enumerate(panel.traffic.rows) if m.type == "Log")
        panel.traffic_table.selectRow(row)
        text = panel.detail.text.toPlainText()
        assert text.startswith("Log from RENDER1-Engine to BROADCAST")
        assert '"Type": "Log"' in text
        assert '"Code": "E42"' in text


async def test_the_shows_history_limit_bounds_the_list(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        panel = panel_of(floor)
        service = floor.runtime.service
        assert service is not None
        service.update_state("State.Panels.Bus.HistoryLimit", 1000)
        assert panel.traffic.limit == 1000
        for n in range(1200):
            floor.engine.log(LogLevel.DEBUG, f"flood {n}")
        await wait_until(lambda: any(m.body.get("Message") == "flood 1199" for m in panel.traffic.rows), what="the last Log")
        assert len(panel.traffic.rows) == 1000
        assert floor.runtime.monitor is not None and len(floor.runtime.monitor.history) == 1000
