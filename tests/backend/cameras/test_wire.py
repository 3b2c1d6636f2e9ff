"""The External API wire format: lenient in (BOM, numbers as text, unknown fields), strict out."""

from __future__ import annotations

import json

import pytest

from backend.cameras.wire import (
    CameraSelection,
    MalformedMessage,
    PhotoSelection,
    decode,
    decode_stepwise,
    encode_request,
    failure_text,
)


def test_a_request_is_flat_compact_json_with_the_header_first() -> None:
    frame = encode_request("SetProperty", 17, {**CameraSelection.of("Nikon Corporation|D850|3119826").fields(), "CameraPropertyType": "ISO", "CameraPropertyValue": "400"})
    assert frame == (
        b'{"msg_type":"Request","msg_id":"SetProperty","msg_seq_num":17,"CameraSelection":"Single",'
        b'"CameraKey":"Nikon Corporation|D850|3119826","CameraPropertyType":"ISO","CameraPropertyValue":"400"}'
    )


@pytest.mark.parametrize(
    ("selection", "fields"),
    [
        (CameraSelection.all(), {"CameraSelection": "All"}),
        (CameraSelection.of("a"), {"CameraSelection": "Single", "CameraKey": "a"}),
        (CameraSelection.of("a", "b"), {"CameraSelection": "Multiple", "CameraKeys": ["a", "b"]}),
        (CameraSelection.of_group("Ring 1"), {"CameraSelection": "Group", "CameraGroup": "Ring 1"}),
    ],
)
def test_camera_selection_fields(selection: CameraSelection, fields: dict) -> None:
    assert selection.fields() == fields


def test_photo_selection_has_no_group_mode() -> None:
    assert PhotoSelection.all().fields() == {"PhotoSelection": "All"}
    assert PhotoSelection.of("p").fields() == {"PhotoSelection": "Single", "PhotoKey": "p"}
    assert PhotoSelection.of("p", "q").fields() == {"PhotoSelection": "Multiple", "PhotoKeys": ["p", "q"]}


def test_an_event_keeps_unknown_fields_and_reads_a_sequence_number_sent_as_text() -> None:
    message = decode(json.dumps({"msg_type": "Event", "msg_id": "CameraUpdated", "msg_seq_num": "25030", "CameraOrientation": 0}).encode())
    assert (message.msg_type, message.msg_id, message.seq) == ("Event", "CameraUpdated", 25030)
    assert message.get("CameraOrientation") == 0
    assert not message.looks_v3


def test_a_sequence_number_that_is_no_number_is_none() -> None:
    for odd in ("\u00b2", "1e3", 1e400, True, [], {}):
        frame = json.dumps({"msg_type": "Event", "msg_id": "CameraUpdated", "msg_seq_num": odd}).encode()
        assert decode(frame).seq is None, odd


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"msg_type":"Event"}', "no msg_id"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_a_bad_frame_is_malformed_with_a_reason(frame: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        decode(frame)


@pytest.mark.parametrize(
    "frame",
    [
        b'\xef\xbb\xbf{"msg_type":"Event","msg_id":"CameraUpdatedMsg","msg_ref_num":1,"Result":true}',
        b'{"msg_type":"Event","msg_id":"CameraUpdatedMsg","msg_ref_num":1,"Result":true}',
        b'{"msg_type":"Response","msg_id":"Synchronise","msg_ref_num":3}',
    ],
)
def test_v3_shapes_are_recognised(frame: bytes) -> None:
    assert decode(frame).looks_v3


def test_a_bom_before_a_v5_message_is_harmless() -> None:
    message = decode(b'\xef\xbb\xbf{"msg_type":"Event","msg_id":"CameraUpdated","msg_seq_num":1,"msg_result":true}')
    assert (message.msg_id, message.seq, message.looks_v3) == ("CameraUpdated", 1, False)


def test_a_reply_without_msg_result_is_a_failure_and_says_so() -> None:
    reply = decode(b'{"msg_type":"Response","msg_id":"Shoot","msg_seq_num":4}')
    assert not reply.result
    assert failure_text(reply) == "Shoot failed (msg_result=missing)"
    refused = decode(b'{"msg_type":"Response","msg_id":"Shoot","msg_seq_num":4,"msg_result":false,"msg_error":"card full"}')
    assert failure_text(refused) == "Shoot failed (msg_result=false): card full"


def _drive(steps) -> tuple[object, int]:
    pauses = 0
    while True:
        try:
            next(steps)
            pauses += 1
        except StopIteration as done:
            return done.value, pauses


def test_a_large_synchronise_reply_is_decoded_in_steps_to_the_same_message() -> None:
    photos = [{"PhotoKey": f"p{i}", "PhotoName": f"SSP_{i}.jpg", "PhotoLocation": "Local Disk", "PhotoWidth": 720} for i in range(12_000)]
    reply = {"msg_type": "Response", "msg_id": "Synchronise", "msg_seq_num": 3, "PhotoInfo": photos, "CameraInfo": [{"CameraKey": "a"}], "msg_result": True}
    for text in (json.dumps(reply), json.dumps(reply, indent=2)):  # compact, and pretty-printed like the vendor's example
        message, pauses = _drive(decode_stepwise(text.encode()))
        assert message.fields == decode(text.encode()).fields
        assert pauses >= 20


def test_a_small_or_odd_frame_is_decoded_in_one_go() -> None:
    small, pauses = _drive(decode_stepwise(b'{"msg_type":"Event","msg_id":"CameraUpdated","msg_seq_num":1}'))
    assert small.msg_id == "CameraUpdated" and pauses == 0
    odd = b'{"msg_type":"Response","msg_id":"Synchronise","PhotoInfo":[1 2 3],"pad":"' + b"x" * 1_100_000 + b'"}'
    with pytest.raises(MalformedMessage, match="not JSON"):
        _drive(decode_stepwise(odd))
    nested = b'{"msg_type":"Response","msg_id":"Synchronise","PhotoInfo":[' + b"[" * 1_100_000
    with pytest.raises(MalformedMessage, match="nested too deeply"):
        _drive(decode_stepwise(nested))
