"""Screenshots of the Cameras panel on the demo floor: a shot taken, a property changed, live view on.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/take_cameras_screenshots.py docs/screenshots
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


async def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the demo floor did not get ready in time")
        await asyncio.sleep(0.05)


async def shoot(folder: Path, theme: str) -> None:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    from backend.app.audit_log import AuditLog
    from backend.app.demo_stack import DemoStack
    from backend.app.event_log import EventLog
    from backend.app.operator_actions import OperatorActions
    from backend.app.runtime import SwitchboardRuntime
    from backend.app.serve import with_demo_floor
    from backend.app.settings import default_text, parse
    from gui import tasks
    from gui.app_context import AppContext
    from gui.main_window import MainWindow
    from gui.panels.cameras.cameras_panel import CamerasPanel
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
        panel = next(p for p in window.panels if isinstance(p, CamerasPanel))
        window.show_panel(window.panels.index(panel))
        await wait_for(lambda: panel.table_model.rowCount() == 8 and panel.client.model.link == "online")
        panel.shoot_all_button.click()
        gallery = panel.gallery.model
        await wait_for(lambda: gallery.rowCount() >= 8 and all(gallery.thumbnails.get(k) is not None for k in gallery.keys[:8]))
        panel.shoot_all_button.click()
        await wait_for(lambda: gallery.rowCount() >= 16 and all(gallery.thumbnails.get(k) is not None for k in gallery.keys[:16]))
        panel.table.selectionModel().select(panel.proxy.index(2, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        panel.property_box.setCurrentText("ISO")
        panel.value_box.setCurrentText("400")
        panel.set_property_button.click()
        await wait_for(lambda: "ISO set to 400" in panel.message.text())
        panel.liveview_button.setChecked(True)
        await wait_for(lambda: panel.gallery.liveview.pixmap() is not None and not panel.gallery.liveview.pixmap().isNull())
        await asyncio.sleep(0.3)
        window.grab().save(str(folder / f"cameras-panel-{theme}.png"))
    finally:
        window.detach()
        window.event_dock.detach()
        await tasks.cancel_all()
        await runtime.stop()
        await stack.stop()
        window.closing_allowed = True
        window.close()


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
