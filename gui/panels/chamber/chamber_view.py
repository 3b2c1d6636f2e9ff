"""Everything about one chamber on one page: link, read-outs, plots, recipe, alarms, controls.

Operator gestures become fleet actions (audited there); dangerous ones ask first. Every
outcome is shown as a sentence on the page; failures also go to the event log (the
fleet logs them with the chamber's name).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from backend.app import locations
from backend.app.audit_log import AuditLog
from backend.app.chamber_fleet import Chamber, ChamberFleet
from backend.chamber.errors import ChamberError
from backend.chamber.payload import Reply, Result
from backend.chamber.recipe import Recipe
from backend.chamber.recipe_library import RecipeLibrary
from backend.chamber.telemetry_recording import TelemetryRecorder, csv_name, export_window
from gui.dialogs import confirm
from gui.panels.chamber.alarm_list import AlarmList
from gui.panels.chamber.chamber_plots import ChamberPlots
from gui.panels.chamber.link_banner import LinkBanner
from gui.panels.chamber.manual_controls import ManualControls
from gui.panels.chamber.readout_tiles import ReadoutTiles
from gui.panels.chamber.recipe_editor import RecipeEditor
from gui.status_light import set_label_state
from gui.tasks import spawn
from gui.widgets import tool_button

log = logging.getLogger(__name__)
TILE_PERIOD_MS = 250


class ChamberView(QWidget):
    def __init__(self, chamber: Chamber, fleet: ChamberFleet, audit: AuditLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chamber = chamber
        self.fleet = fleet
        self.audit = audit
        self.model = chamber.model
        self.library = RecipeLibrary(locations.data_dir() / "recipes")
        self.recorder = TelemetryRecorder(self.model, locations.data_dir() / "recordings")

        self.banner = LinkBanner()
        self.outcome = QLabel("")
        self.outcome.setObjectName("ChamberOutcome")
        self.outcome.setWordWrap(True)
        self.tiles = ReadoutTiles(chamber.settings.limits)
        self.plots = ChamberPlots(self.model)
        self.editor = RecipeEditor(chamber.settings.recipe_duration_is)
        self.alarms = AlarmList()
        self.controls = ManualControls()
        self.record_button = tool_button("Record", "log", "Record telemetry to a CSV file", "RecordTelemetry", checkable=True)
        self.export_button = tool_button("Export visible", "export", "Write the plotted time window to a CSV file", "ExportVisible")
        self.file_label = QLabel("")
        self.file_label.setObjectName("Muted")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_layout()
        self._connect()
        self.refresh_all()
        spawn(self._load_library(), name=f"chamber {self.model.name} library")

    def _build_layout(self) -> None:
        files = QHBoxLayout()
        files.addWidget(self.record_button)
        files.addWidget(self.export_button)
        files.addWidget(self.file_label, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.plots, 1)
        left_layout.addLayout(files)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.editor)
        right.addWidget(self.alarms)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tiles)
        layout.addWidget(self.controls)
        layout.addWidget(self.outcome)
        layout.addWidget(split, 1)

    def _connect(self) -> None:
        model = self.model
        self._observers = [
            (model.recipe_changed, lambda status: self.editor.show_progress(status)),
            (model.alarms_changed, lambda alarms: self.alarms.show_alarms(alarms)),
            (model.link_changed, lambda _link: self._refresh_link()),
            (model.connection_changed, lambda _connected: self._refresh_link()),
        ]
        for signal, slot in self._observers:
            signal.connect(slot)
        self.tile_timer = QTimer(self)
        self.tile_timer.setInterval(TILE_PERIOD_MS)
        self.tile_timer.timeout.connect(self._refresh_tiles)
        self.tile_timer.start()
        self.editor.run_requested.connect(lambda recipe: spawn(self._run(recipe), name="chamber run"))
        self.editor.cancel_requested.connect(lambda: spawn(self._cancel(), name="chamber cancel"))
        self.editor.save_requested.connect(lambda recipe: spawn(self._save(recipe), name="chamber save recipe"))
        self.editor.delete_requested.connect(lambda name: spawn(self._delete(name), name="chamber delete recipe"))
        self.alarms.acknowledge_requested.connect(lambda code: spawn(self._acknowledge(code), name="chamber acknowledge"))
        self.controls.pump_requested.connect(lambda on: spawn(self._pump(on), name="chamber pump"))
        self.controls.vent_requested.connect(lambda open_: spawn(self._vent(open_), name="chamber vent"))
        self.controls.setpoint_requested.connect(lambda c: spawn(self._setpoint(c), name="chamber set-point"))
        self.record_button.toggled.connect(lambda on: spawn(self._record(on), name="chamber recording"))
        self.export_button.clicked.connect(lambda: spawn(self._export(), name="chamber export"))

    def close_view(self) -> None:
        for signal, slot in self._observers:
            signal.disconnect(slot)
        self.tile_timer.stop()
        self.plots.close_view()
        if self.recorder.recording:
            spawn(self.recorder.stop(), name="chamber recording stop")

    # -- showing the model ---------------------------------------------------------------------

    def refresh_all(self) -> None:
        self._refresh_link()
        self._refresh_tiles()
        self.editor.show_progress(self.model.recipe)
        self.alarms.show_alarms(self.model.alarms.listed())

    def _refresh_link(self) -> None:
        self.banner.show_link(self.model)
        self._refresh_tiles()

    def _refresh_tiles(self) -> None:
        values = self.model.latest.values if self.model.latest else {}
        self.tiles.show_values(values, self.model.link)

    def say(self, state: str, text: str) -> None:
        set_label_state(self.outcome, state, text)

    # -- actions -------------------------------------------------------------------------------

    async def _send(self, what: str, act: Callable[[], Awaitable[Reply]], done: str) -> Reply | None:
        """Run a fleet action and say how it ended; None if it could not be done at all."""
        try:
            reply = await act()
        except ChamberError as error:
            self.say("error", f"{what} failed: {error}")
            return None
        if reply.ok:
            self.say("ok", done)
        else:
            tone = "warning" if reply.result is Result.WARNING else "error"
            self.say(tone, f"Chamber '{self.model.name}' refused {what.lower()}: {reply.message or 'no reason given'}")
        return reply

    async def _run(self, recipe: Recipe) -> None:
        steps = ", ".join(f"{t:g} °C for {h:g} s" for t, h in recipe.pairs())
        if not await confirm(self, "Load & run", f"Load recipe '{recipe.name}' on chamber '{self.model.name}' and start it now?",
                             action="Load and run", detail=f"Steps: {steps}."):
            return
        await self._send("Load & run", lambda: self.fleet.run_recipe(self.model.name, recipe),
                         f"Recipe '{recipe.name}' loaded and running on chamber '{self.model.name}'.")

    async def _cancel(self) -> None:
        if not await confirm(self, "Cancel run", f"Cancel the recipe running on chamber '{self.model.name}'?",
                             action="Cancel run", detail="The shroud holds its current set-point."):
            return
        await self._send("Cancel", lambda: self.fleet.cancel_recipe(self.model.name), "Recipe cancelled.")

    async def _pump(self, on: bool) -> None:
        await self._send("Pump on" if on else "Pump off", lambda: self.fleet.set_pump(self.model.name, on),
                         f"Pump {'on' if on else 'off'}.")

    async def _vent(self, open_: bool) -> None:
        if open_ and not await confirm(self, "Vent", f"Vent chamber '{self.model.name}' to atmosphere?", action="Vent",
                                       detail="The vacuum is lost; a hot part meets air."):
            return
        await self._send("Vent" if open_ else "Close vent", lambda: self.fleet.set_vent(self.model.name, open_),
                         "Vent open." if open_ else "Vent closed.")

    async def _setpoint(self, target_c: float) -> None:
        await self._send("Set temperature", lambda: self.fleet.set_temperature(self.model.name, target_c),
                         f"Set-point {target_c:g} °C.")

    async def _acknowledge(self, code: str) -> None:
        if self.model.acknowledge_alarm(code):
            self.say("ok", f"Alarm {code} acknowledged.")
            await self.audit.record(f"Chamber '{self.model.name}'", "Acknowledge alarm", {"Code": code}, "acknowledged")

    async def _load_library(self) -> None:
        self.editor.show_library(await self.library.load_all())

    async def _save(self, recipe: Recipe) -> None:
        try:
            path = await self.library.save(recipe)
        except OSError as error:
            self.say("error", f"Recipe '{recipe.name}' was not saved: {error}")
            log.warning("Recipe '%s' was not saved: %s", recipe.name, error, extra={"source": "Chamber"})
            return
        self.say("ok", f"Recipe '{recipe.name}' saved to {path}.")
        await self._load_library()

    async def _delete(self, name: str) -> None:
        if not await confirm(self, "Delete recipe", f"Delete recipe '{name}' from the library?", action="Delete"):
            return
        try:
            await self.library.delete(name)
        except OSError as error:
            self.say("error", f"Recipe '{name}' was not deleted: {error}")
            return
        self.say("ok", f"Recipe '{name}' deleted.")
        await self._load_library()

    async def _record(self, on: bool) -> None:
        try:
            if on:
                path = await self.recorder.start()
                self.file_label.setText(f"Recording to {path}")
            else:
                await self.recorder.stop()
                self.file_label.setText(f"Recorded {self.recorder.rows_written} rows to {self.recorder.path}")
        except OSError as error:
            self.say("error", f"Recording could not start: {error}")
            log.warning("Chamber '%s': recording could not start: %s", self.model.name, error, extra={"source": "Chamber"})
            self.record_button.setChecked(False)

    async def _export(self) -> None:
        start, end = self.plots.visible_range()
        path = locations.exports_dir() / csv_name(self.model.name, "export")
        try:
            rows = await export_window(self.model.history, path, start, end)
        except OSError as error:
            self.say("error", f"Export failed: {error}")
            return
        self.file_label.setText(f"Exported {rows} rows to {path}")
