"""The desktop application: a QApplication on a qasync loop, and its orderly life.

Start-up and shutdown follow ENGINEERING.md §2: `asyncio.Runner` with qasync's selector
loop on every OS, quit-on-last-window off, Ctrl+C and SIGTERM set the closing event,
every dialog through `asyncWrap`. Shutdown runs in one order: save the window's layout,
detach panels, cancel GUI tasks, stop the runtime (service, monitor, embedded hub), stop
the demo stack, close the window.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from backend.app import locations
from backend.app.app_logging import install_file_log
from backend.app.audit_log import AuditLog
from backend.app.demo_stack import DemoStack, DemoStackError
from backend.app.event_log import EventLog, EventLogHandler
from backend.app.operator_actions import OperatorActions
from backend.app.runtime import SwitchboardRuntime
from backend.app.serve import with_demo_floor
from backend.app.settings import Settings, load_or_defaults, save, with_changes
from backend.bus.message import LogLevel
from backend.garbage_collection import tune_for_latency
from backend.version import VERSION
from gui import tasks
from gui.app_context import AppContext
from gui.dialogs import inform, run_dialog
from gui.main_window import MainWindow
from gui.settings_dialog import SettingsDialog
from gui.theme import apply_theme, current_theme
from gui.window_state import WindowState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    config: Path | None = None
    demo: bool = False
    theme: str | None = None
    screenshot: Path | None = None
    screenshot_delay: float = 6.0
    panel: int | None = None


def run(options: LaunchOptions) -> int:
    """Run the app until its window closes; returns the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Switchboard")
    app.setApplicationVersion(VERSION)
    app.setQuitOnLastWindowClosed(False)  # the app decides when to stop (qasync#39)
    factory = functools.partial(qasync.QSelectorEventLoop, app)
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(SwitchboardApp(app, options).run())


class SwitchboardApp:
    """Owns the settings, the window, the runtime and the demo stack."""

    def __init__(self, app: QApplication, options: LaunchOptions) -> None:
        self.app = app
        self.options = options
        self.closing = asyncio.Event()
        self.events = EventLog()
        self.audit = AuditLog(locations.audit_log_file())
        self.settings_path = options.config or locations.settings_file()
        self.settings: Settings | None = None
        self.runtime: SwitchboardRuntime | None = None
        self.demo: DemoStack | None = None
        self.window: MainWindow | None = None
        self._log_handler: EventLogHandler | None = None
        self._keepalive: QTimer | None = None

    async def run(self) -> int:
        self._install_handlers()
        settings, problem = load_or_defaults(self.settings_path)
        self.settings = settings
        apply_theme(self.app, self.options.theme or settings.ui.theme)
        window = self.window = MainWindow(self.events, WindowState(locations.window_state_file()), self.closing.set)
        window.theme_action.setChecked(current_theme(self.app) == "dark")
        window.settings_requested.connect(lambda: tasks.spawn(self.edit_settings(), "settings"))
        window.theme_toggle_requested.connect(lambda: tasks.spawn(self.toggle_theme(), "theme"))
        window.about_requested.connect(lambda: tasks.spawn(self.about(), "about"))
        if self.options.panel is not None:
            window.show_panel(self.options.panel)
        window.show()
        if problem is not None:
            self._settings_problem(problem.problems)
        tune_for_latency()
        try:
            await self._start_runtime(settings)
            if self.options.screenshot is not None:
                tasks.spawn(self._screenshot_then_quit(self.options.screenshot), "screenshot")
            await self.closing.wait()
        finally:
            await self._shutdown()
        return 0

    # ------------------------------------------------------------------ start-up

    def _install_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        self._log_handler = EventLogHandler(self.events, loop)
        logging.getLogger().addHandler(self._log_handler)
        if logging.getLogger().level == logging.NOTSET or logging.getLogger().level > logging.INFO:
            logging.getLogger().setLevel(logging.INFO)
        install_file_log()
        sys.excepthook = self._excepthook
        loop.set_exception_handler(self._loop_exception)
        try:
            loop.add_signal_handler(signal.SIGINT, self.closing.set)
            loop.add_signal_handler(signal.SIGTERM, self.closing.set)
        except (NotImplementedError, RuntimeError, AttributeError):
            # Windows: Python handlers only run when Python gets control, so tick a timer.
            signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(self.closing.set))
            self._keepalive = QTimer()
            self._keepalive.start(250)

    def _excepthook(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        log.error("Unexpected error: %s", error, exc_info=(kind, error, trace), extra={"source": "Switchboard"})

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        log.error("Unexpected error: %s", error or context.get("message"), exc_info=error, extra={"source": "Switchboard"})

    def _settings_problem(self, problems: list[str]) -> None:
        text = f"{self.settings_path} cannot be used, so Switchboard runs on its defaults: " + "; ".join(problems)
        self.events.add(LogLevel.ERROR, "Settings", text + f". The file was copied to {self.settings_path.name}.broken.")
        if self.options.screenshot is None:
            tasks.spawn(inform(self.window, "Settings not used", text, error=True), "settings-problem")

    def _effective(self, settings: Settings) -> Settings:
        """The settings in use: the demo stack's hub and devices replace the configured ones."""
        if self.demo is None or self.demo.endpoints is None:
            return settings
        return with_demo_floor(settings, self.demo)

    async def _start_runtime(self, settings: Settings) -> None:
        assert self.window is not None
        if self.options.demo:
            self.window.status.show_message_now("Starting the demo floor…")
            self.demo = DemoStack()
            try:
                await self.demo.start()
            except DemoStackError as error:
                self.events.add(LogLevel.ERROR, "Demo", f"{error}; using the configured hub instead")
                self.demo = None
        self.runtime = SwitchboardRuntime(self._effective(settings), self.events, self.audit)
        await self.runtime.start()
        self.runtime.restarted.connect(self._reattach)
        self._reattach()

    def _reattach(self) -> None:
        assert self.window is not None and self.runtime is not None and self.runtime.service is not None
        self.window.detach()
        actions = OperatorActions(self.runtime.service, self.audit)
        self.window.attach(AppContext(self.runtime, actions, self.events, self.audit))

    # ------------------------------------------------------------------ global actions

    async def edit_settings(self) -> None:
        assert self.settings is not None and self.window is not None
        dialog = SettingsDialog(self.settings, self.window)
        accepted = await run_dialog(dialog)
        new = dialog.result_settings
        dialog.deleteLater()
        if accepted and new is not None:
            await self._adopt(new)

    async def toggle_theme(self) -> None:
        assert self.settings is not None
        theme = "light" if current_theme(self.app) == "dark" else "dark"
        await self._adopt(with_changes(self.settings, ui={"theme": theme}))

    async def _adopt(self, new: Settings) -> None:
        """Save validated settings, then apply them: theme at once, bus by reconnecting."""
        assert self.window is not None and self.runtime is not None
        try:
            await asyncio.to_thread(save, new, self.settings_path)
        except OSError as error:
            await inform(self.window, "Settings not saved", f"Could not write {self.settings_path}: {error}", error=True)
            return
        self.settings = new
        apply_theme(self.app, new.ui.theme)
        self.window.refresh_icons()
        self.window.theme_action.setChecked(new.ui.theme == "dark")
        if self.demo is not None and new.bus != self.runtime.settings.bus:
            self.events.add(LogLevel.INFO, "Settings", "Bus settings saved; the demo keeps its own hub until Switchboard runs without --demo")
        await self.runtime.apply_settings(self._effective(new))
        self.events.add(LogLevel.INFO, "Settings", f"Settings saved to {self.settings_path}")

    async def about(self) -> None:
        service = self.runtime.service.name if self.runtime and self.runtime.service else "—"
        text = (
            f"Switchboard {VERSION}\n\nOn the bus as {service}.\n"
            f"Settings: {self.settings_path}\nData, audit log and logs: {locations.data_dir()}"
        )
        await inform(self.window, "About Switchboard", text)

    async def _screenshot_then_quit(self, path: Path) -> None:
        assert self.window is not None
        await asyncio.sleep(self.options.screenshot_delay)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.window.grab().save(str(path))
        log.info("Saved a screenshot to %s", path)
        self.closing.set()

    # ------------------------------------------------------------------ shutdown

    async def _shutdown(self) -> None:
        window = self.window
        if window is not None:
            window.save_state()
            window.detach()
        await tasks.cancel_all()
        if self.runtime is not None:
            await self.runtime.stop()
        if self.demo is not None:
            await self.demo.stop()
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)
        if window is not None:
            window.event_dock.detach()
            window.closing_allowed = True
            window.close()
            window.deleteLater()

