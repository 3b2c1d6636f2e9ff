"""Every modal dialog goes through here, run the way `qasync.asyncWrap` runs it (ENGINEERING.md §2.3).

A nested `exec()` inside a coroutine breaks qasync ("Cannot enter into task…"), and a
blocking dialog would freeze the bus. `run_modal` starts the dialog from a zero-delay
timer outside any task, as `asyncWrap` does, so the event loop keeps serving sockets
while it is open. Unlike `asyncWrap`, a cancelled wait (the app closing, a panel
detaching) closes the dialog instead of leaving it open and later failing with
`InvalidStateError` on a future nobody waits for.
Tests answer these dialogs by finding them (`QApplication.activeModalWidget()`) and
clicking a button, exactly as an operator would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget


async def run_modal(dialog: QDialog) -> int:
    """`dialog.exec()` without blocking the loop; returns its result code."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def open_dialog() -> None:
        if future.done():  # cancelled before it could open
            return
        try:
            result = dialog.exec()
        except Exception as error:  # pragma: no cover - exec() does not raise in practice
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(result)

    QTimer.singleShot(0, open_dialog)
    try:
        return await future
    except asyncio.CancelledError:
        dialog.reject()
        raise


async def confirm(parent: QWidget | None, title: str, text: str, *, action: str = "OK", detail: str = "") -> bool:
    """Ask before a dangerous or irreversible action; True only if the operator agrees."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent)
    if detail:
        box.setInformativeText(detail)
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setObjectName("ConfirmDialog")
    await run_modal(box)
    agreed = box.clickedButton() is go
    box.deleteLater()
    return agreed


async def inform(parent: QWidget | None, title: str, text: str, *, error: bool = False) -> None:
    icon = QMessageBox.Icon.Critical if error else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("InformDialog")
    await run_modal(box)
    box.deleteLater()


async def run_dialog(dialog: QDialog) -> bool:
    """Run any dialog modally without blocking the loop; True when accepted."""
    result = await run_modal(dialog)
    return result == QDialog.DialogCode.Accepted


async def save_path(parent: QWidget | None, title: str, suggested: Path, filters: str) -> Path | None:
    """Ask where to save; None if the operator cancels."""
    dialog = QFileDialog(parent, title, str(suggested), filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setObjectName("SaveDialog")
    dialog.selectFile(suggested.name)
    accepted = await run_dialog(dialog)
    files = dialog.selectedFiles()
    dialog.deleteLater()
    return Path(files[0]) if accepted and files else None


async def open_path(parent: QWidget | None, title: str, folder: Path, filters: str) -> Path | None:
    """Ask which file to open; None if the operator cancels."""
    dialog = QFileDialog(parent, title, str(folder), filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setObjectName("OpenDialog")
    accepted = await run_dialog(dialog)
    files = dialog.selectedFiles()
    dialog.deleteLater()
    return Path(files[0]) if accepted and files else None
