"""Take the README's screenshots: the real window on the demo floor, driven like an operator.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/take_screenshots.py docs/screenshots

For each theme it shows the Bus panel with live traffic and a message opened; the Store
panel with the engine's State opened and a refused edit on screen; the Cameras panel after
two shots, a property change and live view on; the Chamber panel running a recipe; and the
Trainer panel with its rig streaming events. Config and data go to a temporary folder, so
nothing of the user's is touched.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the demo floor did not get ready in time")
        await asyncio.sleep(0.05)


async def shoot(folder: Path, theme: str) -> None:
    from PySide6.QtWidgets import QApplication

    from backend.app.audit_log import AuditLog
    from backend.app.demo_stack import DemoStack
    from backend.app.event_log import EventLog
    from backend.app.operator_actions import OperatorActions
    from backend.app.runtime import SwitchboardRuntime
    from backend.app.serve import with_demo_floor
    from backend.app.settings import parse, default_text
    from backend.bus.message import MessageType
    from gui import tasks
    from gui.app_context import AppContext
    from gui.main_window import MainWindow
    from gui.panels.bus.bus_panel import BusPanel
    from gui.panels.store.store_panel import StorePanel
    from gui.theme import apply_theme
    from gui.window_state import WindowState

    app = QApplication.instance()
    apply_theme(app, theme)
    stack = DemoStack()
    await stack.start()
    settings = with_demo_floor(parse(default_text()), stack)
    events = EventLog()
    audit = AuditLog(Path(os.environ["SWITCHBOARD_DATA_DIR"]) / "audit.jsonl")
    runtime = SwitchboardRuntime(settings, events, audit)
    await runtime.start()
    window = MainWindow(events, WindowState(Path(os.environ["SWITCHBOARD_CONFIG_DIR"]) / f"w-{theme}.ini"), lambda: None)
    window.resize(1440, 900)
    window.attach(AppContext(runtime, OperatorActions(runtime.service, audit), events, audit))
    window.show()
    try:
        bus = next(p for p in window.panels if isinstance(p, BusPanel))
        window.show_panel(window.panels.index(bus))
        await wait_for(lambda: len(bus.services.entries) >= 5)
        await asyncio.sleep(2.5)
        bus.type_filter.set_types({t.value for t in MessageType} - {"Identify", "Self"})
        bus.type_filter.types_changed.emit()
        rows = [i for i, m in enumerate(bus.traffic.rows) if m.type == "Log"] or [len(bus.traffic.rows) - 1]
        bus.traffic_table.selectRow(rows[-1])
        bus.composer.key_edits["Target"].setText("RENDER1-Engine")
        bus.composer.key_edits["Method"].setText("GetProperty")
        bus.composer.body.set_text('{"ObjectSearch": "Floor", "PropertyPath": "Material"}')
        bus.composer.send_clicked()
        await wait_for(lambda: "Result" in bus.composer.verdict.text())
        await asyncio.sleep(0.3)
        window.grab().save(str(folder / f"bus-panel-{theme}.png"))

        store = next(p for p in window.panels if isinstance(p, StorePanel))
        window.show_panel(window.panels.index(store))
        engine = lambda: next((s for s in store.tree_model.sources() if s.service == "RENDER1-Engine" and s.live and s.loaded), None)  # noqa: E731
        await wait_for(lambda: engine() is not None)
        store.tree.expand(store.tree_model.source_index(engine()))
        index = store.tree_model.materialize(engine(), "FrameRate")
        store.tree.setCurrentIndex(index)
        store.editor.number.setText("33")
        store._apply()
        await wait_for(lambda: "refused" in store.editor.status.text())
        await asyncio.sleep(0.3)
        window.grab().save(str(folder / f"store-panel-{theme}.png"))

        await cameras_scene(window)
        window.grab().save(str(folder / f"cameras-panel-{theme}.png"))
        await chamber_scene(window, runtime)
        window.grab().save(str(folder / f"chamber-panel-{theme}.png"))
        await trainer_scene(window)
        window.grab().save(str(folder / f"trainer-panel-{theme}.png"))
    finally:
        window.detach()
        window.event_dock.detach()
        await tasks.cancel_all()
        await runtime.stop()
        await stack.stop()
        window.closing_allowed = True
        window.close()


async def cameras_scene(window) -> None:
    """Two shots of the demo rig, ISO changed on one camera, live view on."""
    from PySide6.QtCore import QItemSelectionModel

    from gui.panels.cameras.cameras_panel import CamerasPanel

    panel = next(p for p in window.panels if isinstance(p, CamerasPanel))
    window.show_panel(window.panels.index(panel))
    await wait_for(lambda: panel.table_model.rowCount() == 8 and panel.client.model.link == "online")
    gallery = panel.gallery.model
    for shots in (8, 16):
        panel.shoot_all_button.click()
        await wait_for(lambda: gallery.rowCount() >= shots and all(gallery.thumbnails.get(k) is not None for k in gallery.keys[:shots]))
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    panel.table.selectionModel().select(panel.proxy.index(2, 0), flags)
    panel.property_box.setCurrentText("ISO")
    panel.value_box.setCurrentText("400")
    panel.set_property_button.click()
    await wait_for(lambda: "ISO set to 400" in panel.message.text())
    panel.liveview_button.setChecked(True)
    await wait_for(lambda: panel.gallery.liveview.pixmap() is not None and not panel.gallery.liveview.pixmap().isNull())
    await asyncio.sleep(0.3)


async def chamber_scene(window, runtime) -> None:
    """The demo chamber pumping down and running a recipe started over the bus."""
    from backend.chamber.recipe_status import RunState
    from gui.panels.chamber.chamber_panel import ChamberPanel

    panel = next(p for p in window.panels if isinstance(p, ChamberPanel))
    window.show_panel(window.panels.index(panel))
    view = next(iter(panel.views.values()))
    await wait_for(lambda: len(view.chamber.model.history) > 20)
    await runtime.service.methods.invoke("LoadRecipe", {"Chamber": view.chamber.model.name, "Name": "bake-out", "Steps": [[60, 120], [40, 60]]})
    await wait_for(lambda: view.chamber.model.recipe.state == RunState.RUNNING)
    await asyncio.sleep(6)  # let the plots show the ramp: there is no event for "looks right"


async def trainer_scene(window) -> None:
    """The demo trainer online, with its events streaming."""
    from backend.trainer.trainer_status import Liveness
    from gui.panels.trainer.trainer_panel import TrainerPanel

    panel = next(p for p in window.panels if isinstance(p, TrainerPanel))
    window.show_panel(window.panels.index(panel))
    await wait_for(lambda: (m := panel.model(panel.selected)) is not None and m.liveness == Liveness.ONLINE and len(m.events) >= 3)
    await asyncio.sleep(0.5)


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="switchboard-shots-")
    os.environ["SWITCHBOARD_CONFIG_DIR"] = f"{home}/config"
    os.environ["SWITCHBOARD_DATA_DIR"] = f"{home}/data"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)

    async def both() -> None:
        for theme in ("light", "dark"):
            await shoot(folder, theme)

    with asyncio.Runner(loop_factory=functools.partial(qasync.QSelectorEventLoop, app)) as runner:
        runner.run(both())
    print(f"Screenshots in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
