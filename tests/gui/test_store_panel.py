"""The Store panel, driven as an operator drives it, against a real Store and real owners."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from backend.app.store_model import EditStatus, StateSource
from backend.bus.service import BusService, StoreLink
from gui.panels.store.state_tree_model import CHUNK
from gui.panels.store.store_panel import StorePanel
from tests.gui.conftest import FAST_SERVICE, Floor, open_floor
from tests.helpers import wait_until

ENGINE = "RENDER1-Engine"


def store_panel(floor: Floor) -> StorePanel:
    panel = next(p for p in floor.window.panels if isinstance(p, StorePanel))
    floor.window.show_panel(floor.window.panels.index(panel))
    return panel


def source_named(panel: StorePanel, name: str) -> StateSource | None:
    return next((s for s in panel.tree_model.sources() if s.service == name), None)


async def ready(floor: Floor, owner: str = ENGINE) -> StorePanel:
    """The panel showing the current show, with `owner`'s live State read."""
    panel = store_panel(floor)
    await wait_until(lambda: floor.engine.store_link == StoreLink.ANSWERED, what="the engine's Startup answered")
    await wait_until(
        lambda: (s := source_named(panel, owner)) is not None and s.live and s.loaded, timeout=8, what=f"{owner}'s live State in the tree"
    )
    return panel


def select(panel: StorePanel, owner: str, path: str) -> None:
    source = source_named(panel, owner)
    assert source is not None
    index = panel.tree_model.materialize(source, path)
    assert panel.tree_model.node(index).state_path == path
    panel.tree.setCurrentIndex(index)


async def edit_ends(panel: StorePanel, floor: Floor, owner: str, path: str, timeout: float = 5) -> Any:
    def finished() -> Any:
        source = source_named(panel, owner)
        edit = panel.tree_model.edits.get((source.show, owner, path)) if source else None
        return edit if edit is not None and edit.status != EditStatus.PENDING else None

    await wait_until(finished, timeout=timeout, what=f"the edit of {path} to end")
    return finished()


async def answer_confirmation(button_text: str) -> None:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), what="the confirmation")
    box = QApplication.activeModalWidget()
    button = next(b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == button_text)
    button.click()


async def test_the_panel_shows_the_current_show_and_every_states_owner(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        assert panel.show_box.currentData() == "Default"
        assert "(current)" in panel.show_box.currentText()
        names = [s.service for s in panel.tree_model.sources()]
        assert names[0] == "Store"
        assert {ENGINE, "TEST-Switchboard"} <= set(names)
        engine = source_named(panel, ENGINE)
        assert engine.live and engine.state == floor.engine.state


async def test_an_edit_is_pending_until_the_owner_confirms_it_and_the_store_keeps_it(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        select(panel, ENGINE, "FrameRate")
        assert panel.editor.type_box.currentText() == "Number"
        panel.editor.number.setText("25")
        qtbot.mouseClick(panel.editor.apply_button, Qt.MouseButton.LeftButton)
        source = source_named(panel, ENGINE)
        await wait_until(lambda: (source.show, ENGINE, "FrameRate") in panel.tree_model.edits, what="the edit to show")
        edit = await edit_ends(panel, floor, ENGINE, "FrameRate")
        assert edit.status == EditStatus.CONFIRMED
        assert floor.engine.state["FrameRate"] == 25
        assert "kept State.FrameRate" in panel.editor.status.text()
        stored = await floor.runtime.service.call("Store", "GetStoredState", {"Service": ENGINE, "Path": "State.FrameRate"})
        assert stored == 25
        assert floor.audit.read()[-1]["action"] == "Set"


async def test_a_refused_edit_shows_what_the_owner_kept_and_keeps_what_was_typed(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        select(panel, ENGINE, "FrameRate")
        panel.editor.number.setText("33")
        qtbot.mouseClick(panel.editor.apply_button, Qt.MouseButton.LeftButton)
        edit = await edit_ends(panel, floor, ENGINE, "FrameRate")
        assert edit.status == EditStatus.REFUSED
        assert edit.kept == 50
        assert panel.editor.number.text() == "33"
        assert "refused State.FrameRate and kept 50" in panel.editor.status.text()
        index = panel.tree.currentIndex()
        assert panel.tree_model.data(index.siblingAtColumn(3)) == "refused"
        assert panel.tree_model.data(index.siblingAtColumn(1)) == "50"


class SilentOwner(BusService):
    """A stateful service that takes Sets but never confirms them (no Update)."""

    def _on_set(self, message: Any) -> None:
        return


async def test_an_edit_the_owner_never_confirms_says_not_confirmed_after_2_s(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        owner = SilentOwner("LAB1-Quiet", "Quiet", hub, default_state={"Gain": 3}, **FAST_SERVICE)
        await owner.start()
        try:
            panel = await ready(floor, owner="LAB1-Quiet")
            select(panel, "LAB1-Quiet", "Gain")
            panel.editor.number.setText("4")
            qtbot.mouseClick(panel.editor.apply_button, Qt.MouseButton.LeftButton)
            edit = await edit_ends(panel, floor, "LAB1-Quiet", "Gain", timeout=10)
            assert edit.status == EditStatus.NOT_CONFIRMED
            assert "within 2 s" in panel.editor.status.text()
            assert panel.editor.number.text() == "4"
        finally:
            await owner.stop()


async def test_switching_show_asks_first_then_every_service_follows(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        await floor.runtime.service.set(ENGINE, "State.FrameRate", 25)
        await floor.runtime.service.call("Store", "CreateShow", {"ShowName": "Evening"})
        await wait_until(lambda: panel.show_box.findData("Evening") >= 0, what="the new show in the list")
        panel.show_box.setCurrentIndex(panel.show_box.findData("Evening"))

        qtbot.mouseClick(panel.switch_button, Qt.MouseButton.LeftButton)
        await answer_confirmation("Cancel")
        await asyncio.sleep(0.3)  # proving that nothing happens: the Store would answer within this
        assert floor.runtime.service.current_show == "Default"

        qtbot.mouseClick(panel.switch_button, Qt.MouseButton.LeftButton)
        await answer_confirmation("Switch")
        await wait_until(lambda: floor.runtime.service.current_show == "Evening", what="the floor on Evening")
        await wait_until(lambda: floor.engine.state["FrameRate"] == 50, what="the engine reset for a show without its State")
        assert "Evening  (current)" == panel.show_box.currentText()
        await wait_until(lambda: [r["action"] for r in floor.audit.read()][-1:] == ["Call ChangeShow"], what="the audit record")


async def test_a_state_of_an_offline_service_is_edited_in_the_store(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        await floor.engine.stop()
        await wait_until(lambda: (s := source_named(panel, ENGINE)) is not None and not s.live and s.loaded, timeout=8, what="the engine shown as stored")
        select(panel, ENGINE, "Level")
        panel.editor.text.setText("Studio_C")
        qtbot.mouseClick(panel.editor.apply_button, Qt.MouseButton.LeftButton)
        edit = await edit_ends(panel, floor, ENGINE, "Level")
        assert edit.status == EditStatus.CONFIRMED
        stored = await floor.runtime.service.call("Store", "GetStoredState", {"Service": ENGINE, "Path": "State.Level"})
        assert stored == "Studio_C"


async def test_what_was_typed_for_a_value_is_kept_when_another_is_selected(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        select(panel, ENGINE, "FrameRate")
        panel.editor.number.setText("6")
        select(panel, ENGINE, "Level")
        assert panel.editor.text.text() == "Studio_A"
        select(panel, ENGINE, "FrameRate")
        assert panel.editor.number.text() == "6"
        assert "Unsent change kept" in panel.editor.status.text()


async def test_search_finds_a_value_and_opens_the_tree_on_it(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        panel.search_box.setText("studio_a")
        await panel._search()
        texts = [panel.results.item(row).text() for row in range(panel.results.count())]
        assert any(ENGINE in text and "State.Level" in text for text in texts)
        row = next(r for r, text in enumerate(texts) if ENGINE in text)
        panel._result_chosen(panel.results.item(row))
        node = panel.tree_model.node(panel.tree.currentIndex())
        assert (node.source.service, node.state_path) == (ENGINE, "Level")


async def test_a_state_of_ten_thousand_keys_opens_a_chunk_at_a_time(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path, with_store=True) as floor:
        big = BusService("LAB1-Big", "Big", hub, default_state={"Channels": {f"C{n:05d}": n for n in range(10_000)}}, **FAST_SERVICE)
        await big.start()
        try:
            panel = await ready(floor, owner="LAB1-Big")
            source = source_named(panel, "LAB1-Big")
            channels = panel.tree_model.materialize(source, "Channels")
            assert panel.tree_model.rowCount(channels) == 0
            panel.tree_model.fetchMore(channels)
            assert panel.tree_model.rowCount(channels) == CHUNK
            assert panel.tree_model.canFetchMore(channels)
            deep = panel.tree_model.materialize(source, "Channels.C09999")
            assert panel.tree_model.data(deep.siblingAtColumn(1)) == "9999"
            big.update_state("State.Channels.C09999", -1)
            await wait_until(lambda: panel.tree_model.data(deep.siblingAtColumn(1)) == "-1", what="the owner's Update in the tree")
        finally:
            await big.stop()


async def test_compare_lists_what_differs_between_two_shows(hub, tmp_path, qtbot) -> None:
    from gui.panels.store.compare_dialog import CompareDialog

    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        await floor.runtime.service.call("Store", "CreateShowWithTemplate", {"ShowName": "Copy", "Template": "Default"})
        await floor.runtime.service.set(ENGINE, "State.FrameRate", 25)
        await wait_until(lambda: panel.show_box.findData("Copy") >= 0, what="the copy in the list")
        qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), CompareDialog), what="the compare dialog")
        dialog = QApplication.activeModalWidget()
        dialog.left.setCurrentText("Default")
        dialog.right.setCurrentText("Copy")
        qtbot.mouseClick(dialog.compare, Qt.MouseButton.LeftButton)
        await wait_until(lambda: dialog.model.rows, what="the differences")
        rows = [(service, d.path, d.left, d.right) for service, d in dialog.model.rows]
        assert (ENGINE, "FrameRate", 25, 50) in rows
        assert "difference" in dialog.verdict.text()
        dialog.reject()


async def test_an_exported_show_imported_under_another_name_is_the_same_show(hub, tmp_path, qtbot) -> None:
    from PySide6.QtWidgets import QFileDialog, QLineEdit

    from gui.panels.store.show_dialogs import ShowNameDialog

    async with open_floor(hub, tmp_path, with_store=True) as floor:
        panel = await ready(floor)
        await floor.runtime.service.set(ENGINE, "State.Level", "Studio_Export")
        target = tmp_path / "default-show.json"

        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), what="the save dialog")
        save = QApplication.activeModalWidget()
        save.findChild(QLineEdit, "fileNameEdit").setText(str(target))
        save.accept()
        await wait_until(target.exists, what="the exported file")

        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog), what="the open dialog")
        opening = QApplication.activeModalWidget()
        opening.findChild(QLineEdit, "fileNameEdit").setText(str(target))
        opening.accept()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ShowNameDialog), what="the name dialog")
        naming = QApplication.activeModalWidget()
        assert naming.name.text() == "Default"
        naming.name.setText("Imported")
        naming.try_accept()
        await wait_until(lambda: panel.show_box.findData("Imported") >= 0, what="the imported show")
        stored = await floor.runtime.service.call("Store", "GetStoredState", {"Service": ENGINE, "ShowName": "Imported", "Path": "State.Level"})
        assert stored == "Studio_Export"
