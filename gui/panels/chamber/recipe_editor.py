"""The recipe editor and library: steps of target °C and hold seconds, validated as typed,
saved as files; the run's progress below. Units are shown on every field (vacuum.md §8).

The editor emits what the operator asked for (run, cancel, save, delete); the chamber
view decides, confirms and calls the fleet. Nothing the operator typed is lost on a
refusal: the editor keeps its content.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QLineEdit, QListWidget, QProgressBar, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from backend.chamber.recipe import Recipe, make_recipe, recipe_problems
from backend.chamber.recipe_status import RecipeStatus, RunState
from gui.widgets import section_title, tool_button, validation_message

DEFAULT_STEPS = [[60.0, 600.0], [25.0, 300.0]]


def duration_text(seconds: float) -> str:
    if seconds != seconds:
        return "—"
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RecipeEditor(QWidget):
    run_requested = Signal(object)      # Recipe
    cancel_requested = Signal()
    save_requested = Signal(object)     # Recipe
    delete_requested = Signal(str)

    def __init__(self, duration_is: str = "hold", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library: dict[str, Recipe] = {}
        self.name_edit = QLineEdit("bakeout-demo")
        self.name_edit.setObjectName("RecipeName")
        self.name_edit.setPlaceholderText("Recipe name")
        self.steps = QTableWidget(0, 2)
        self.steps.setObjectName("RecipeSteps")
        # The chamber counts `duration` as the hold or as the whole step (a setting, vacuum.md §4)
        self.steps.setHorizontalHeaderLabels(["Target (°C)", "Step time (s)" if duration_is == "total" else "Hold (s)"])
        self.steps.horizontalHeader().setStretchLastSection(True)
        self.steps.verticalHeader().setDefaultSectionSize(22)
        self.problems = validation_message()
        self.add_button = tool_button("Add step", "add", "Add a step at the end", "AddStep")
        self.remove_button = tool_button("Remove step", "clear", "Remove the selected step", "RemoveStep")
        self.save_button = tool_button("Save", "export", "Save this recipe to the library", "SaveRecipe")
        self.run_button = tool_button("Load && run", "play", "Load this recipe on the chamber and start it", "RunRecipe")
        self.cancel_button = tool_button("Cancel run", "pause", "Cancel the running recipe", "CancelRecipe")
        self.library_list = QListWidget()
        self.library_list.setObjectName("RecipeLibrary")
        self.delete_button = tool_button("Delete", "clear", "Delete the selected recipe file", "DeleteRecipe")
        self.progress_text = QLabel("No recipe running.")
        self.progress_text.setObjectName("RecipeProgress")
        self.progress_text.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("RecipeProgressBar")
        self.progress.setTextVisible(True)

        self.add_button.clicked.connect(lambda: self._add_row(25.0, 600.0))
        self.remove_button.clicked.connect(self._remove_row)
        self.save_button.clicked.connect(self._save)
        self.run_button.clicked.connect(self._run)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.delete_button.clicked.connect(self._delete)
        self.library_list.currentTextChanged.connect(self._pick)
        self.steps.itemChanged.connect(lambda _item: self.validate())
        self.name_edit.textChanged.connect(lambda _text: self.validate())

        step_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.save_button):
            step_buttons.addWidget(button)
        step_buttons.addStretch(1)
        run_buttons = QHBoxLayout()
        run_buttons.addWidget(self.run_button)
        run_buttons.addWidget(self.cancel_button)
        run_buttons.addStretch(1)
        library_header = QHBoxLayout()
        library_header.addWidget(section_title("Library"))
        library_header.addStretch(1)
        library_header.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(section_title("Recipe"))
        layout.addWidget(self.name_edit)
        layout.addWidget(self.steps, 2)
        layout.addLayout(step_buttons)
        layout.addWidget(self.problems)
        layout.addLayout(run_buttons)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.progress)
        layout.addLayout(library_header)
        layout.addWidget(self.library_list, 1)
        self.set_steps(DEFAULT_STEPS)

    # -- editing ---------------------------------------------------------------------------------

    def set_steps(self, steps: list[list[float]]) -> None:
        self.steps.setRowCount(0)
        for target, hold in steps:
            self._add_row(target, hold)
        self.validate()

    def _add_row(self, target: float, hold: float) -> None:
        row = self.steps.rowCount()
        self.steps.insertRow(row)
        self.steps.setItem(row, 0, QTableWidgetItem(f"{target:g}"))
        self.steps.setItem(row, 1, QTableWidgetItem(f"{hold:g}"))

    def _remove_row(self) -> None:
        rows = sorted({index.row() for index in self.steps.selectedIndexes()}, reverse=True) or [self.steps.rowCount() - 1]
        for row in rows:
            if row >= 0:
                self.steps.removeRow(row)
        self.validate()

    def entered_steps(self) -> list:
        """The steps as typed: numbers where they parse, the raw text where they do not."""
        steps = []
        for row in range(self.steps.rowCount()):
            cells = []
            for column in range(2):
                item = self.steps.item(row, column)
                text = item.text().strip() if item else ""
                try:
                    cells.append(float(text))
                except ValueError:
                    cells.append(text)
            steps.append(cells)
        return steps

    def validate(self) -> Recipe | None:
        """The recipe if valid; otherwise None, with every problem shown under the steps."""
        problems = recipe_problems(self.name_edit.text(), self.entered_steps())
        self.problems.setText(" ".join(problems))
        self.problems.setVisible(bool(problems))
        self.run_button.setEnabled(not problems)
        self.save_button.setEnabled(not problems)
        return None if problems else make_recipe(self.name_edit.text(), self.entered_steps())

    def _run(self) -> None:
        recipe = self.validate()
        if recipe is not None:
            self.run_requested.emit(recipe)

    def _save(self) -> None:
        recipe = self.validate()
        if recipe is not None:
            self.save_requested.emit(recipe)

    # -- library ---------------------------------------------------------------------------------

    def show_library(self, recipes: list[Recipe]) -> None:
        self.library = {recipe.name: recipe for recipe in recipes}
        self.library_list.blockSignals(True)
        self.library_list.clear()
        self.library_list.addItems(sorted(self.library))
        self.library_list.blockSignals(False)

    def _pick(self, name: str) -> None:
        recipe = self.library.get(name)
        if recipe is not None:
            self.name_edit.setText(recipe.name)
            self.set_steps(recipe.pairs())

    def _delete(self) -> None:
        item = self.library_list.currentItem()
        if item is not None:
            self.delete_requested.emit(item.text())

    # -- progress --------------------------------------------------------------------------------

    def show_progress(self, status: RecipeStatus) -> None:
        if status.state is RunState.IDLE and not status.name:
            self.progress_text.setText("No recipe running.")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            return
        step = f"step {status.step_index + 1} of {status.n_steps}" if status.n_steps else "no steps"
        self.progress_text.setText(
            f"'{status.name}' {status.state.value}: {step}, {status.phase or '—'}, "
            f"{duration_text(status.step_elapsed_s)} in this step, {duration_text(status.remaining_s)} remaining")
        self.progress.setRange(0, max(1, status.n_steps))
        done = status.n_steps if status.state is RunState.COMPLETE else status.step_index
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{status.n_steps} steps")
        self.cancel_button.setEnabled(status.active)
