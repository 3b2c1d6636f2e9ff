"""The Cameras panel, driven as an operator drives it, against a simulated rig over real sockets."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from backend.app.event_log import EventLogHandler
from backend.bus.endpoints import HubEndpoints
from backend.bus.service import BusService
from backend.sim.cameras.rig_simulator import RigSimulator
from gui.panels.cameras.cameras_panel import CamerasPanel
from tests.backend.cameras.rig_floor import first_call, running_rig
from tests.gui.conftest import Floor, open_floor
from tests.helpers import wait_until


@contextlib.asynccontextmanager
async def rig_on_the_floor(hub: HubEndpoints, tmp_path: Path, cameras: int = 4) -> AsyncIterator[tuple[Floor, CamerasPanel, RigSimulator]]:
    async with running_rig(tmp_path / "photos", cameras=cameras) as rig:
        entry = {"name": "Demo", "events": rig.events_endpoint, "requests": rig.requests_endpoint}
        async with open_floor(hub, tmp_path, devices={"cameras": [entry]}) as floor:
            panel = next(p for p in floor.window.panels if isinstance(p, CamerasPanel))
            floor.window.show_panel(floor.window.panels.index(panel))
            await wait_until(lambda: panel.table_model.rowCount() == cameras and panel.client and panel.client.model.link == "online", timeout=15, what="the rig's cameras in the table")
            yield floor, panel, rig


def select_rows(panel: CamerasPanel, *rows: int) -> None:
    model = panel.table.selectionModel()
    model.clearSelection()
    for row in rows:
        model.select(panel.proxy.index(row, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


async def answer_confirmation(button_text: str) -> str:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), what="the confirmation")
    box = QApplication.activeModalWidget()
    text = box.text()
    next(b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == button_text).click()
    return text


async def test_shoot_all_from_the_panel_shows_a_thumbnail_per_camera(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path) as (_floor, panel, _rig):
        assert panel.status[0] == "ok" and "4 cameras" in panel.link_text.text()
        panel.shoot_all_button.click()
        gallery = panel.gallery.model
        await wait_until(lambda: gallery.rowCount() == 4 and all(gallery.thumbnails.get(k) is not None for k in gallery.keys), timeout=15, what="four thumbnails")
        image = gallery.data(gallery.index(0), Qt.ItemDataRole.DecorationRole)
        assert image.width() <= 160 and image.height() <= 107 and not image.isNull()
        assert gallery.data(gallery.index(0)).endswith("\non disk")
        await wait_until(lambda: "4 photos taken" in panel.message.text(), what="the result line")
        assert panel.gallery.count.text() == "4 photos"
        assert [panel.table_model.data(panel.table_model.index(r, 6)) for r in range(4)] == [1, 1, 1, 1]


async def test_a_bus_call_shoot_puts_new_photos_in_the_gallery(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=2) as (floor, panel, _rig):
        robot = BusService("TEST-Robot", "Robot", hub, stateful=False, identify_wait=0.05)
        await robot.start()
        try:
            result = await first_call(robot, floor.runtime.service.name, "Shoot", {"Rig": "Demo"})
            assert len(result["Photos"]) == 2 and result["Failures"] == {}
        finally:
            await robot.stop()
        await wait_until(lambda: panel.gallery.model.rowCount() == 2 and len([v for v in panel.gallery.model.thumbnails.values() if v]) == 2, timeout=15, what="thumbnails")


async def test_change_a_property_on_the_selected_camera_from_its_range(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path) as (_floor, panel, rig):
        select_rows(panel, 1)
        key = panel.selected_keys()[0]
        panel.property_box.setCurrentText("ISO")
        values = [panel.value_box.itemText(i) for i in range(panel.value_box.count())]
        assert values == list(rig.app.cameras[key].properties["ISO"].range)
        panel.value_box.setCurrentText("800")
        panel.set_property_button.click()
        await wait_until(lambda: rig.app.cameras[key].properties["ISO"].value == "800", what="the camera's ISO")
        iso_column = 7
        await wait_until(lambda: panel.table_model.data(panel.table_model.index(panel.table_model.row_of(key), iso_column)) == "800", what="the table cell")
        others = [k for k in rig.app.cameras if k != key]
        assert all(rig.app.cameras[k].properties["ISO"].value == "100" for k in others)


async def test_a_read_only_property_cannot_be_set(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path) as (_floor, panel, _rig):
        panel.property_box.setCurrentText("ProgramMode")
        assert not panel.set_property_button.isEnabled()
        panel.property_box.setCurrentText("Aperture")
        assert panel.set_property_button.isEnabled()


async def test_a_failure_is_a_sentence_naming_the_camera_in_the_panel_and_the_event_log(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path) as (floor, panel, rig):
        handler = EventLogHandler(floor.events)  # what the application installs at start
        logging.getLogger().addHandler(handler)
        rig.faults.fail_requests = {"Autofocus"}
        select_rows(panel, 0)
        name = panel.client.model.describe_camera(panel.selected_keys()[0])
        panel.autofocus_button.click()
        expected = f"Could not autofocus {name}: Rig 'Demo': Autofocus failed (msg_result=false)"
        await wait_until(lambda: panel.message.text() == expected, what="the sentence")
        assert panel.message.property("state") == "error"
        try:
            await wait_until(lambda: any(e.text == expected and e.source == "Cameras" for e in floor.events.events), what="the event log line")
        finally:
            logging.getLogger().removeHandler(handler)


async def test_select_a_group_and_filter_the_table(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=8) as (_floor, panel, _rig):
        panel.group_box.setCurrentText("Ring 2")
        panel.select_group_button.click()
        keys = panel.selected_keys()
        assert len(keys) == 2 and {panel.client.model.cameras[k].group for k in keys} == {"Ring 2"}
        panel.filter_box.setText("ilce")
        assert panel.proxy.rowCount() == 2
        panel.filter_box.clear()
        panel.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        serials = [panel.proxy.index(r, 2).data() for r in range(panel.proxy.rowCount())]
        assert serials == sorted(serials, reverse=True)


async def test_format_asks_first_and_is_audited_only_when_done(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path) as (floor, panel, rig):
        formats = []
        original = rig.app._on_Format
        rig.app._on_Format = lambda request: (formats.append(True), original(request))[1]
        panel.format_button.click()
        question = await answer_confirmation("Cancel")
        assert "Format the memory cards in EVERY camera of rig 'Demo'" in question
        await wait_until(lambda: panel.message.text() == "Format cards: cancelled", what="cancelled")
        assert formats == [] and floor.audit.read() == []
        panel.format_button.click()
        await answer_confirmation("Format cards")
        await wait_until(lambda: any(r["action"] == "Format" for r in floor.audit.read()), what="the audit record")
        record = next(r for r in floor.audit.read() if r["action"] == "Format")
        assert record["target"] == "Rig Demo" and record["result"] == "done" and formats == [True]


async def test_deleting_photos_asks_deletes_the_files_and_is_audited(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=2) as (floor, panel, _rig):
        panel.shoot_all_button.click()
        gallery = panel.gallery.model
        await wait_until(lambda: gallery.rowCount() == 2 and all(panel.client.model.photos[k].on_disk for k in gallery.keys), timeout=15, what="two photos")
        photo = gallery.photo_at(0)
        path = Path(photo.filename)
        panel.gallery.view.selectionModel().select(gallery.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        panel.gallery.delete_button.click()
        question = await answer_confirmation("Delete photos")
        assert photo.display_name in question and "cannot be undone" in question
        await wait_until(lambda: gallery.rowCount() == 1, what="the photo gone from the gallery")
        assert not path.exists()
        await wait_until(lambda: floor.audit.read(), what="the audit record")
        assert floor.audit.read()[-1]["params"] == {"PhotoKeys": [photo.key], "DeleteFiles": True}


async def test_shutting_the_app_down_asks_and_is_audited(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=1) as (floor, panel, rig):
        panel.shutdown_button.click()
        assert "Quit Smart Shooter on rig 'Demo'" in await answer_confirmation("Shut down")
        await wait_until(rig.shut_down.is_set, what="the simulated app to quit")
        await wait_until(lambda: any(r["action"] == "Shutdown" for r in floor.audit.read()), what="the audit record")


async def answer_text(text: str) -> None:
    from PySide6.QtWidgets import QInputDialog

    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QInputDialog), what="the text dialog")
    dialog = QApplication.activeModalWidget()
    dialog.setTextValue(text)
    dialog.accept()


async def test_photos_on_the_card_show_their_state_until_downloaded(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=2) as (_floor, panel, _rig):
        await panel.client.set_options(DefaultStorage="Card")
        await wait_until(lambda: panel.client.model.options.get("DefaultStorage") == "Card", what="card storage")
        panel.shoot_all_button.click()
        gallery = panel.gallery.model
        await wait_until(lambda: gallery.rowCount() == 2 and "2 photos taken" in panel.message.text(), timeout=15, what="two photos on the cards")
        assert [gallery.data(gallery.index(r)).split("\n")[1] for r in range(2)] == ["on camera", "on camera"]
        panel.gallery.download_button.click()
        assert {gallery.state_of(gallery.photo_at(r)) for r in range(2)} <= {"downloading", "on disk"}
        await wait_until(lambda: all(gallery.thumbnails.get(k) is not None for k in gallery.keys), timeout=15, what="downloaded and shown")
        assert [gallery.data(gallery.index(r)).split("\n")[1] for r in range(2)] == ["on disk", "on disk"]


async def test_rename_a_camera_and_put_cameras_in_a_group(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path) as (_floor, panel, rig):
        select_rows(panel, 0)
        key = panel.selected_keys()[0]
        panel.rename_button.click()
        await answer_text("Front left")
        await wait_until(lambda: panel.client.model.cameras[key].name == "Front left", what="the new name")
        assert rig.app.cameras[key].name == "Front left"
        select_rows(panel, 0, 1)
        keys = panel.selected_keys()
        panel.set_group_button.click()
        await answer_text("Turntable")
        await wait_until(lambda: all(panel.client.model.cameras[k].group == "Turntable" for k in keys), what="the new group")
        await wait_until(lambda: "Turntable" in [panel.group_box.itemText(i) for i in range(panel.group_box.count())], what="the group offered")


async def test_live_view_shows_the_selected_cameras_frames(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=2) as (_floor, panel, rig):
        select_rows(panel, 1)
        key = panel.selected_keys()[0]
        panel.liveview_button.setChecked(True)
        await wait_until(lambda: rig.app.cameras[key].liveview, what="live view enabled on the camera")
        label = panel.gallery.liveview
        await wait_until(lambda: label.pixmap() is not None and not label.pixmap().isNull(), timeout=10, what="a frame")
        assert label.isVisible() and label.pixmap().width() == 320
        panel.liveview_button.setChecked(False)
        await wait_until(lambda: not rig.app.cameras[key].liveview, what="live view disabled")
        assert not label.isVisible()


async def test_two_rigs_are_offered_and_each_shows_its_own_cameras(hub: HubEndpoints, tmp_path: Path) -> None:
    async with running_rig(tmp_path / "a", cameras=2) as north, running_rig(tmp_path / "b", cameras=3) as south:
        entries = [{"name": n, "events": r.events_endpoint, "requests": r.requests_endpoint} for n, r in (("North", north), ("South", south))]
        async with open_floor(hub, tmp_path, devices={"cameras": entries}) as floor:
            panel = next(p for p in floor.window.panels if isinstance(p, CamerasPanel))
            assert [panel.rig_box.itemText(i) for i in range(panel.rig_box.count())] == ["North", "South"]
            await wait_until(lambda: panel.table_model.rowCount() == 2, timeout=15, what="North's cameras")
            panel.rig_box.setCurrentText("South")
            await wait_until(lambda: panel.table_model.rowCount() == 3, timeout=15, what="South's cameras")
            assert panel.client.name == "South"
            await wait_until(lambda: panel.link_text.text() == "Rig 'South': 3 cameras", timeout=15, what="South's link")


async def test_numbers_a_group_shot_and_a_renamed_photo(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=8) as (_floor, panel, rig):
        panel.sequence_box.setValue(41)
        panel.sequence_button.click()
        panel.batch_box.setValue(7)
        panel.batch_button.click()
        await wait_until(lambda: (rig.app.options["PhotoSequenceNum"], rig.app.options["PhotoBatchNum"]) == (41, 7), what="the numbers")
        panel.group_box.setCurrentText("Ring 3")
        panel.shoot_group_button.click()
        gallery = panel.gallery.model
        await wait_until(lambda: gallery.rowCount() == 2 and "2 photos taken" in panel.message.text(), timeout=15, what="the group's photos")
        assert {panel.client.model.cameras[gallery.photo_at(r).camera_key].group for r in range(2)} == {"Ring 3"}
        assert all(gallery.photo_at(r).display_name.startswith("SSP_41_") for r in range(2))
        photo = gallery.photo_at(0)
        panel.gallery.view.selectionModel().select(gallery.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        panel.gallery.rename_button.click()
        await answer_text("hero.jpg")
        await wait_until(lambda: panel.client.model.photos[photo.key].display_name == "hero.jpg", what="the new name")
        await wait_until(lambda: gallery.data(gallery.index(0)).startswith("hero.jpg"), what="the gallery label")



async def test_numbers_the_boxes_cannot_hold_leave_them_and_the_other_box_works(hub: HubEndpoints, tmp_path: Path) -> None:
    async with rig_on_the_floor(hub, tmp_path, cameras=1) as (_floor, panel, rig):
        before = panel.sequence_box.value()
        rig.publish("OptionsUpdated", {"PhotoSequenceNum": 10**12, "PhotoBatchNum": 5})
        await wait_until(lambda: panel.batch_box.value() == 5, what="the batch number shown")
        assert panel.sequence_box.value() == before
