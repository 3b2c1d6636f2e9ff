"""The table view that paints streamed rows in one pass from prepared text: what it draws, seen in pixels."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QTableView

from gui.buffered_table_model import BufferedTableModel
from gui.buffered_table_view import BufferedTableView

ALARM = QColor("#ff0000")
HIGHLIGHT = QColor("#00a000")


class Words(BufferedTableModel[str]):
    columns = ("Word",)

    def display(self, item: str, column: int) -> str:
        return item

    def foreground(self, item: str, column: int) -> Any:
        return ALARM if item.startswith("alarm") else None


def row_colours(image: QImage, view: QTableView, row: int) -> set[str]:
    rect = view.visualRect(view.model().index(row, 0))
    offset = view.viewport().pos()
    return {
        image.pixelColor(x + offset.x(), y + offset.y()).name()
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    }


def test_rows_are_drawn_in_their_own_colour_and_the_selected_row_highlighted(qtbot) -> None:
    model = Words(limit=100)
    view = BufferedTableView()
    qtbot.addWidget(view)
    palette = view.palette()
    palette.setColor(QPalette.ColorRole.Highlight, HIGHLIGHT)
    view.setPalette(palette)
    view.setModel(model)
    view.resize(300, 200)
    model.append(["plain words", "alarm words", "chosen words"])
    model.flush()
    view.selectRow(2)
    with qtbot.waitExposed(view):
        view.show()

    image = view.grab().toImage()

    assert {text for text, _width in view._texts} >= {"plain words", "alarm words"}, "painted by the view's own pass"
    assert ALARM.name() in row_colours(image, view, 1)
    assert ALARM.name() not in row_colours(image, view, 0)
    assert HIGHLIGHT.name() in row_colours(image, view, 2)
    assert HIGHLIGHT.name() not in row_colours(image, view, 0) | row_colours(image, view, 1)
    # The text itself is painted: a row holds more colours than its background.
    assert len(row_colours(image, view, 0)) > 2
    # Rows alternate their background as QTableView's own do.
    view.setAlternatingRowColors(True)
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#0000ff"))
    view.setPalette(palette)
    image = view.grab().toImage()
    assert "#0000ff" in row_colours(image, view, 1)
    assert "#0000ff" not in row_colours(image, view, 0)


def test_text_wider_than_its_column_is_elided_within_the_cell(qtbot) -> None:
    model = Words(limit=100)
    view = BufferedTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.horizontalHeader().setStretchLastSection(False)
    view.setColumnWidth(0, 60)
    view.resize(300, 200)
    model.append(["alarm " + "x" * 200])
    model.flush()
    with qtbot.waitExposed(view):
        view.show()

    image = view.grab().toImage()
    cell = view.visualRect(model.index(0, 0))
    offset = view.viewport().pos()
    right_of_cell = {
        image.pixelColor(x + offset.x(), y + offset.y()).name()
        for x in range(cell.right() + 2, cell.right() + 60)
        for y in range(cell.top(), cell.bottom())
    }
    assert ALARM.name() in row_colours(image, view, 0)
    assert ALARM.name() not in right_of_cell
