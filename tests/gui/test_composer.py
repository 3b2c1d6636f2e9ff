"""The composer, used as an operator uses it: type, press Send, read the answer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from backend.bus.message import MessageType
from gui.panels.bus.bus_panel import BusPanel
from gui.panels.bus.composer import Composer
from tests.gui.conftest import Floor, open_floor
from tests.helpers import wait_until


def composer_of(floor: Floor) -> Composer:
    panel = floor.window.panels[0]
    assert isinstance(panel, BusPanel)
    return panel.composer


def choose(composer: Composer, kind: MessageType) -> None:
    composer.tabs.setCurrentIndex(0)
    composer.type_box.setCurrentIndex(composer.type_box.findText(kind.value))


async def send(composer: Composer, qtbot, *, until: str = "") -> None:
    before = composer.verdict.text()
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: composer.send_button.isEnabled() and composer.verdict.text() != before, timeout=8, what="the answer")
    if until:
        assert until in composer.verdict.text(), composer.verdict.text()


async def test_a_get_shows_the_value_the_owner_answered(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.GET)
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Name"].setText("State.FrameRate")
        await send(composer, qtbot, until="RENDER1-Engine answered")
        assert composer.answer.toPlainText() == "50"
        assert composer.verdict.property("state") == "ok"


async def test_a_get_of_a_missing_value_says_the_owner_has_none(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.GET)
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Name"].setText("State.NoSuchThing")
        await send(composer, qtbot, until="has no value at State.NoSuchThing")
        assert composer.verdict.property("state") == "warning"


async def test_a_get_nobody_answers_ends_with_the_timeout_in_words(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.GET)
        composer.key_edits["Target"].setText("NOBODY-Here")
        composer.key_edits["Name"].setText("State")
        composer.timeout.setValue(0.3)
        await send(composer, qtbot, until="did not answer a Get of State within 0.3 s")
        assert composer.verdict.property("state") == "error"


async def test_a_set_the_owner_keeps_is_confirmed_and_audited(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.SET)
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Name"].setText("State.FrameRate")
        composer.body.set_text("25")
        await send(composer, qtbot, until="RENDER1-Engine kept State.FrameRate")
        assert floor.engine.state["FrameRate"] == 25
        record = floor.audit.read()[-1]
        assert (record["target"], record["action"], record["params"], record["result"]) == (
            "RENDER1-Engine",
            "Set",
            {"Name": "State.FrameRate", "Value": 25},
            {"kept": 25},
        )


async def test_a_refused_set_shows_the_value_kept_and_keeps_what_the_operator_typed(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.SET)
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Name"].setText("State.FrameRate")
        composer.body.set_text("33")
        await send(composer, qtbot, until="refused the Set of State.FrameRate")
        assert composer.answer.toPlainText() == "50"
        assert composer.verdict.property("state") == "warning"
        assert composer.body.text() == "33"
        assert composer.key_edits["Name"].text() == "State.FrameRate"


async def test_a_call_failure_is_shown_as_the_callees_sentence(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.CALL)
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Method"].setText("GetProperty")
        composer.body.set_text('{"ObjectSearch": "Nope", "PropertyPath": "X"}')
        await send(composer, qtbot, until="with a Failure")
        assert "No property X on Nope" in composer.answer.toPlainText()
        assert composer.verdict.property("state") == "error"
        assert floor.audit.read()[-1]["result"] == {"Failure": "No property X on Nope"}


async def test_invalid_json_is_explained_nothing_is_sent_and_the_text_stays(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.CALL)
        composer.key_edits["Target"].setText("RENDER1-Engine")
        composer.key_edits["Method"].setText("LoadLevel")
        composer.body.set_text('{"Level": Studio_B}')
        assert not composer.body.is_valid()
        assert "not valid JSON" in composer.body.verdict.text()
        await send(composer, qtbot, until="Params is not valid JSON")
        assert composer.body.text() == '{"Level": Studio_B}'
        assert floor.engine.state["Level"] == "Studio_A"
        assert floor.audit.read() == []


async def test_switching_type_and_back_keeps_each_types_text(hub, tmp_path) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.SET)
        composer.body.set_text('{"typed": "for the set"}')
        choose(composer, MessageType.CALL)
        composer.body.set_text('{"typed": "for the call"}')
        choose(composer, MessageType.SET)
        assert composer.body.text() == '{"typed": "for the set"}'
        choose(composer, MessageType.CALL)
        assert composer.body.text() == '{"typed": "for the call"}'


async def test_a_log_message_built_from_the_form_reaches_the_event_log(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        choose(composer, MessageType.LOG)
        composer.body.set_text('{"Level": "Warning", "Message": "Operator test message"}')
        await send(composer, qtbot, until="Log sent")
        await wait_until(lambda: any(e.text == "Operator test message" for e in floor.events.events), what="the Log in the event log")


async def test_a_raw_message_is_sent_exactly_and_seen_in_the_traffic(hub, tmp_path, qtbot) -> None:
    async with open_floor(hub, tmp_path) as floor:
        composer = composer_of(floor)
        composer.tabs.setCurrentIndex(1)
        composer.raw_topic.set_text('{"Type":"Set","Target":"RENDER1-Engine","Name":"State.Genlock"}')
        composer.raw_message.set_text('{"Value": false}')
        await send(composer, qtbot, until="Raw message sent")
        await wait_until(lambda: floor.engine.state["Genlock"] is False, what="the engine to apply the raw Set")
        assert floor.audit.read()[-1]["action"] == "Send Set"
