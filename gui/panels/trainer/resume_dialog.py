"""Asking before an emergency resume: the operator confirms and says why (the reason goes to the audit log)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from gui.widgets import ok_cancel, validation_message


class ResumeDialog(QDialog):
    def __init__(self, trainer: str, detail: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ResumeDialog")
        self.setWindowTitle(f"Resume trainer {trainer}")
        text = QLabel(f"Resume trainer '{trainer}' after its emergency stop?\n{detail}\n"
                      "The rig starts moving again. Make sure the animal and the people around it are safe.")
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("ResumeReason")
        self.reason.setPlaceholderText("Why is it safe to resume? (recorded in the audit log)")
        self.problem = validation_message()
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.reason)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self, self._accept_if_reasoned))

    def _accept_if_reasoned(self) -> None:
        if not self.reason.text().strip():
            self.problem.setText("Give a reason: it is written to the audit log with the resume.")
            self.problem.show()
            return
        self.accept()
