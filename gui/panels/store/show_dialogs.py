"""Small dialogs for shows: a new one (blank or from a template) and a new name."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from backend.bus.store.show_names import show_name_problem
from gui.widgets import ok_cancel, validation_message

BLANK = "Blank show"


class ShowNameDialog(QDialog):
    """Asks for a show name; refuses names the Store would refuse, and names already taken."""

    def __init__(self, title: str, taken: list[str], *, name: str = "", templates: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShowNameDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.taken = taken
        self.name = QLineEdit(name)
        self.name.setObjectName("ShowName")
        self.template = QComboBox()
        self.template.setObjectName("ShowTemplate")
        form = QFormLayout()
        form.addRow("Name", self.name)
        if templates is not None:
            self.template.addItem(BLANK)
            self.template.addItems(templates)
            form.addRow("Start from", self.template)
        self.problem = validation_message()
        buttons = ok_cancel(self, self.try_accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    @property
    def chosen_template(self) -> str | None:
        text = self.template.currentText()
        return None if not text or text == BLANK else text

    def try_accept(self) -> None:
        name = self.name.text()
        problem = show_name_problem(name)
        if problem is None and name in self.taken:
            problem = f"A show called {name} already exists"
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            return
        self.accept()
