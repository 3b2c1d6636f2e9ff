"""The shell: sidebar lights and status bar follow the bus, shortcuts reach panels, layout persists."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QToolButton

from backend.bus.endpoints import HubEndpoints
from backend.bus.hub import Hub
from gui.main_window import MainWindow
from gui.theme import apply_theme, style_sheet, theme_colours
from gui.window_state import WindowState
from tests.gui.conftest import close_window, open_floor
from tests.helpers import wait_until


async def test_the_status_bar_names_the_hub_the_service_and_the_store(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        status = floor.window.status
        await wait_until(lambda: status.hub.light.state == "ok", what="the hub light")
        assert f"{hub.pub_port}/{hub.sub_port}" in status.hub.text
        assert status.service_name.text() == "as TEST-Switchboard"
        # No Store on this bus: Startup goes unanswered and the status bar says so.
        await wait_until(lambda: "not answering" in status.store.text, what="the Store state")
        assert status.store.light.state == "error"
        assert status.show_name.text() == "Show: —"


async def test_losing_the_hub_turns_the_bus_light_red_within_3_s_and_green_when_it_is_back(tmp_path) -> None:
    first = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = first.start()
    second: Hub | None = None
    try:
        async with open_floor(endpoints, tmp_path) as floor:
            entry = floor.window.sidebar.entries[0]
            await wait_until(lambda: entry.light.state == "ok", what="the Bus light")
            first.stop()
            await wait_until(lambda: entry.light.state == "error", timeout=3.0, what="the Bus light to turn red")
            assert floor.window.status.hub.light.state == "error"
            second = Hub(endpoints)
            second.start()
            await wait_until(lambda: entry.light.state == "ok", timeout=3.0, what="the Bus light to turn green")
    finally:
        first.stop()
        if second is not None:
            second.stop()


async def test_ctrl_1_shows_the_bus_panel_and_ctrl_l_toggles_the_event_log(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        window = floor.window
        window.activateWindow()
        await wait_until(window.isActiveWindow, what="the window to be active")
        qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentWidget() is window.panels[0]
        assert window.sidebar.entries[0].isChecked()
        assert window.event_dock.isVisible()
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert not window.event_dock.isVisible()
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert window.event_dock.isVisible()


async def test_every_panel_has_its_own_shortcut_in_the_view_menu(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        window = floor.window
        shortcuts = [action.shortcut().toString() for action in window.panel_actions]
        assert shortcuts == [f"Ctrl+{n}" for n in range(1, len(window.panels) + 1)]


async def test_geometry_dock_layout_and_panel_are_restored_in_the_next_session(tmp_path: Path, qtbot) -> None:
    from backend.app.event_log import EventLog

    state_file = tmp_path / "window.ini"
    window = MainWindow(EventLog(), WindowState(state_file), on_close=lambda: None)
    window.show()
    window.resize(1500, 950)
    window.event_dock.hide()
    window.splitters()["BusSplitter"].setSizes([700, 500])
    sizes = window.splitters()["BusSplitter"].sizes()
    window.save_state()
    await close_window(window)

    again = MainWindow(EventLog(), WindowState(state_file), on_close=lambda: None)
    again.show()
    try:
        assert (again.width(), again.height()) == (1500, 950)
        assert not again.event_dock.isVisible()
        assert again.splitters()["BusSplitter"].sizes() == sizes
    finally:
        await close_window(again)


async def test_closing_the_window_asks_the_application_instead_of_closing_at_once(tmp_path: Path) -> None:
    from backend.app.event_log import EventLog

    asked: list[bool] = []
    window = MainWindow(EventLog(), WindowState(tmp_path / "w.ini"), on_close=lambda: asked.append(True))
    window.show()
    window.close()
    assert asked == [True]
    assert window.isVisible()
    await close_window(window)


async def test_both_themes_resolve_every_colour_and_change_the_palette(qtbot) -> None:
    app = QApplication.instance()
    for theme in ("light", "dark"):
        sheet = style_sheet(theme)
        assert "@" not in sheet
        assert theme_colours(theme)["ok"] in sheet
        apply_theme(app, theme)
        assert app.palette().window().color().name() == theme_colours(theme)["window"]
    apply_theme(app, "light")


async def test_a_theme_change_redraws_the_icons_inside_panels_too(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        window = floor.window
        pause = window.panels[0].pause
        export = window.event_dock.findChild(QToolButton, "EventExport")

        def drawn_in(button, theme: str) -> bool:
            """The icon's opaque pixels are the theme's text colour (give or take rounding)."""
            image = button.icon().pixmap(24, 24).toImage()
            opaque = [image.pixelColor(x, y) for x in range(24) for y in range(24) if image.pixelColor(x, y).alpha() > 200]
            wanted = QColor(theme_colours(theme)["text"])
            return bool(opaque) and all(
                abs(c.red() - wanted.red()) <= 3 and abs(c.green() - wanted.green()) <= 3 and abs(c.blue() - wanted.blue()) <= 3
                for c in opaque
            )

        apply_theme(QApplication.instance(), "dark")
        window.refresh_icons()
        try:
            assert drawn_in(pause, "dark")
            assert drawn_in(export, "dark")
        finally:
            apply_theme(QApplication.instance(), "light")
            window.refresh_icons()
        assert drawn_in(pause, "light")
