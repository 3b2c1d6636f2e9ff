"""Dialogs never block the loop, answer what the operator clicked, and close when abandoned."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from gui.dialogs import confirm
from tests.helpers import wait_until


def modal_box() -> QMessageBox | None:
    widget = QApplication.activeModalWidget()
    return widget if isinstance(widget, QMessageBox) else None


def button(box: QMessageBox, text: str) -> QPushButton:
    return next(b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == text)


async def test_confirm_is_true_only_when_the_operator_clicks_the_action(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.ensure_future(ticking())
    answer = asyncio.ensure_future(confirm(parent, "Vent", "Vent chamber 2 to atmosphere?", action="Vent"))
    await wait_until(modal_box, what="the confirmation")
    seen = ticks
    await wait_until(lambda: ticks > seen + 5, what="the loop to keep running while the dialog is open")
    qtbot.mouseClick(button(modal_box(), "Vent"), Qt.MouseButton.LeftButton)
    assert await asyncio.wait_for(answer, 5) is True

    answer = asyncio.ensure_future(confirm(parent, "Vent", "Vent chamber 2 to atmosphere?", action="Vent"))
    await wait_until(modal_box, what="the second confirmation")
    qtbot.mouseClick(button(modal_box(), "Cancel"), Qt.MouseButton.LeftButton)
    assert await asyncio.wait_for(answer, 5) is False
    ticker.cancel()


async def test_an_abandoned_confirmation_closes_its_dialog(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    answer = asyncio.ensure_future(confirm(parent, "Resume", "Resume trainer 1?"))
    await wait_until(modal_box, what="the confirmation")
    answer.cancel()
    await wait_until(lambda: modal_box() is None, what="the dialog to close")
    await wait_until(answer.done)
    assert answer.cancelled()
