"""The codec: canonical bytes on the way out, lenient on the way in, `MalformedMessage` otherwise.

bus.md §2 (envelope), §4 (key order per type), §8 (variants to tolerate).
"""

from __future__ import annotations

import json

import pytest

from backend.bus import codec, message_frame
from backend.bus.codec import MalformedMessage, decode, decode_topic, encode, encode_json
from backend.bus.message import (
    BROADCAST,
    TOPIC_KEYS,
    BusMessage,
    LogLevel,
    MessageType,
    call_message,
    call_result_message,
    get_message,
    identify_message,
    is_null,
    log_message,
    reset_message,
    self_message,
    set_message,
    startup_message,
    update_message,
)

ME = "STUDIO1-Switchboard"

# ------------------------------------------------------------------ canonical output

CANONICAL = [
    pytest.param(
        get_message("Store", "State.General.FrameRate", ME),
        b'{"Type":"Get","Target":"Store","Name":"State.General.FrameRate","RespondTo":"STUDIO1-Switchboard"}',
        b"{}",
        id="Get",
    ),
    pytest.param(
        set_message("Store", "State.VideoIO.abc.Chromakey.ShaderParams.ShadowStrength", 0.42),
        b'{"Type":"Set","Target":"Store","Name":"State.VideoIO.abc.Chromakey.ShaderParams.ShadowStrength"}',
        b'{"Value":0.42}',
        id="Set",
    ),
    pytest.param(reset_message(ME), b'{"Type":"Reset","Target":"STUDIO1-Switchboard"}', b"{}", id="Reset"),
    pytest.param(
        update_message(
            BROADCAST,
            "Store",
            "ConnectedClients",
            [{"Name": ME, "Role": "Switchboard"}, {"Name": "STUDIO1-CTS", "Role": "CTS"}],
        ),
        b'{"Type":"Update","Target":"BROADCAST","Source":"Store","Name":"ConnectedClients"}',
        b'{"Value":[{"Name":"STUDIO1-Switchboard","Role":"Switchboard"},{"Name":"STUDIO1-CTS","Role":"CTS"}]}',
        id="Update",
    ),
    pytest.param(
        call_message("Store", ME, "ChangeShow", "3f9a1c2e-17", {"ShowName": "Morning"}),
        b'{"Type":"Call","Target":"Store","RespondTo":"STUDIO1-Switchboard","Method":"ChangeShow","ID":"3f9a1c2e-17"}',
        b'{"Params":{"ShowName":"Morning"}}',
        id="Call",
    ),
    pytest.param(
        call_result_message(ME, "Store", "ChangeShow", "3f9a1c2e-17", result=None),
        b'{"Type":"CallResult","Target":"STUDIO1-Switchboard","ExecutedOn":"Store","Method":"ChangeShow","ID":"3f9a1c2e-17"}',
        b'{"Result":null}',
        id="CallResult",
    ),
    pytest.param(
        identify_message("Store"), b'{"Type":"Identify","Target":"BROADCAST","RespondTo":"Store"}', b"{}", id="Identify"
    ),
    pytest.param(
        self_message("Store", ME, "Switchboard"),
        b'{"Type":"Self","Target":"Store","Source":"STUDIO1-Switchboard"}',
        b'{"Role":"Switchboard"}',
        id="Self",
    ),
    pytest.param(
        startup_message("Store", ME, "Switchboard"),
        b'{"Type":"Startup","Target":"Store","Source":"STUDIO1-Switchboard"}',
        b'{"Role":"Switchboard"}',
        id="Startup",
    ),
    pytest.param(
        log_message(ME, LogLevel.WARNING, "No value at State.Foo", "NotFound"),
        b'{"Type":"Log","Target":"BROADCAST","Source":"STUDIO1-Switchboard"}',
        b'{"Level":"Warning","Message":"No value at State.Foo","Code":"NotFound"}',
        id="Log",
    ),
]


@pytest.mark.parametrize(("message", "topic", "body"), CANONICAL)
def test_every_message_type_goes_out_byte_for_byte_as_the_protocol_examples_show(
    message: BusMessage, topic: bytes, body: bytes
) -> None:
    assert encode(message) == [topic, body]


@pytest.mark.parametrize("kind", list(MessageType))
def test_each_builder_puts_exactly_the_documented_topic_keys_in_the_documented_order(kind: MessageType) -> None:
    built = {p.values[0].type: p.values[0] for p in CANONICAL}[kind.value]
    topic = json.loads(encode(built)[0])
    assert tuple(topic) == TOPIC_KEYS[kind]
    assert topic["Type"] == kind.value


def test_the_key_order_table_matches_the_protocol_reference_exactly() -> None:
    # A transcription of bus.md §4, so a silent edit of TOPIC_KEYS breaks every prefix and shows here.
    assert {kind.value: keys for kind, keys in TOPIC_KEYS.items()} == {
        "Get": ("Type", "Target", "Name", "RespondTo"),
        "Set": ("Type", "Target", "Name"),
        "Reset": ("Type", "Target"),
        "Update": ("Type", "Target", "Source", "Name"),
        "Call": ("Type", "Target", "RespondTo", "Method", "ID"),
        "CallResult": ("Type", "Target", "ExecutedOn", "Method", "ID"),
        "Identify": ("Type", "Target", "RespondTo"),
        "Self": ("Type", "Target", "Source"),
        "Startup": ("Type", "Target", "Source"),
        "Log": ("Type", "Target", "Source"),
    }


def test_a_topic_goes_out_as_ascii_even_when_a_name_has_accents() -> None:
    topic, _ = encode(update_message(BROADCAST, ME, "State.Café", 1))
    assert topic == b'{"Type":"Update","Target":"BROADCAST","Source":"STUDIO1-Switchboard","Name":"State.Caf\\u00e9"}'
    topic.decode("ascii")
    assert decode_topic(topic)["Name"] == "State.Café"


def test_a_message_goes_out_as_compact_utf8_not_as_escapes() -> None:
    _, body = encode(set_message("Store", "State.Title", "Café ✓ 日本"))
    assert body == '{"Value":"Café ✓ 日本"}'.encode()


def test_nested_values_are_compact_with_no_spaces_or_line_breaks() -> None:
    _, body = encode(set_message("Store", "State.Cameras", {"a": [1, 2, {"b": None}], "c": True}))
    assert body == b'{"Value":{"a":[1,2,{"b":null}],"c":true}}'


def test_an_attachment_goes_out_as_a_third_frame_untouched_and_only_when_there_is_one() -> None:
    without = set_message("Store", "State.X", 1)
    assert len(encode(without)) == 2
    blob = bytes(range(256))
    with_blob = BusMessage(topic=without.topic, body=without.body, attachment=blob)
    assert encode(with_blob)[2] == blob
    empty = BusMessage(topic=without.topic, body=without.body, attachment=b"")
    assert encode(empty) == [encode(without)[0], encode(without)[1], b""]


def test_a_value_that_is_not_json_is_refused_when_encoding_rather_than_sent_as_nan() -> None:
    with pytest.raises(ValueError):
        encode(set_message("Store", "State.Gain", float("nan")))


def test_encode_json_is_the_compact_utf8_text_of_a_message_frame() -> None:
    assert encode_json({"Value": "é", "List": [1, 2]}) == '{"Value":"é","List":[1,2]}'


# ------------------------------------------------------------------ builders


@pytest.mark.parametrize(
    "build",
    [
        lambda: get_message("Store", "State:::Evil", ME),
        lambda: set_message("Store:::x", "State.A", 1),
        lambda: update_message(BROADCAST, "A:::B", "State", {}),
        lambda: call_message("Store", ME, "Change:::Show", "id-1"),
        lambda: call_message("Store", ME, "ChangeShow", "id:::1"),
        lambda: identify_message(":::"),
        lambda: log_message("x:::y", LogLevel.INFO, "hello"),
    ],
)
def test_builders_refuse_the_hub_reserved_separator_in_any_topic_value(build) -> None:
    with pytest.raises(ValueError, match=":::"):
        build()


@pytest.mark.parametrize(
    ("build", "missing"),
    [
        (lambda: get_message(None, "State", ME), "Target"),  # type: ignore[arg-type]
        (lambda: get_message("Store", None, ME), "Name"),  # type: ignore[arg-type]
        (lambda: get_message("Store", "State", None), "RespondTo"),  # type: ignore[arg-type]
        (lambda: update_message(BROADCAST, None, "State", 1), "Source"),  # type: ignore[arg-type]
        (lambda: call_message("Store", ME, None, "id"), "Method"),  # type: ignore[arg-type]
        (lambda: call_message("Store", ME, "ChangeShow", None), "ID"),  # type: ignore[arg-type]
        (lambda: call_result_message(ME, None, "ChangeShow", "id"), "ExecutedOn"),  # type: ignore[arg-type]
    ],
)
def test_builders_refuse_a_message_with_a_topic_key_missing(build, missing: str) -> None:
    with pytest.raises(ValueError, match=f"needs a {missing}"):
        build()


def test_a_call_without_params_sends_an_empty_message_and_params_may_be_an_array() -> None:
    assert encode(call_message("Store", ME, "Ping", "id-1"))[1] == b"{}"
    assert encode(call_message("Engine", ME, "Move", "id-2", [1, 2]))[1] == b'{"Params":[1,2]}'


def test_a_failed_call_answers_with_failure_and_never_with_result() -> None:
    reply = call_result_message(ME, "Store", "ChangeShow", "id-1", failure="Show not found: Evening")
    assert reply.body == {"Failure": "Show not found: Evening"}
    assert call_result_message(ME, "Store", "X", "id-2", failure={"Code": 3}).body == {"Failure": {"Code": 3}}


def test_a_call_that_came_without_an_id_is_answered_without_one() -> None:
    reply = call_result_message(ME, "RenderMachine1-Daemon", "Restart", None, result=True)
    assert encode(reply) == [
        b'{"Type":"CallResult","Target":"STUDIO1-Switchboard","ExecutedOn":"RenderMachine1-Daemon","Method":"Restart"}',
        b'{"Result":true}',
    ]


def test_a_log_without_a_code_leaves_the_code_out() -> None:
    assert encode(log_message(ME, LogLevel.ERROR, "Boom"))[1] == b'{"Level":"Error","Message":"Boom"}'


def test_only_the_string_null_means_no_such_value() -> None:
    assert is_null("null")
    assert not is_null(None)
    assert not is_null("Null")
    assert not is_null({"Value": "null"})


# ------------------------------------------------------------------ lenient input (§8)


def test_a_topic_with_reordered_and_extra_keys_is_read_by_key_not_by_position() -> None:
    message = decode(
        [b'{"Name":"State.A","Extra":"x","Source":"Engine","Type":"Update","Target":"BROADCAST"}', b'{"Value":5}']
    )
    assert (message.kind, message.target, message.source, message.name, message.value) == (
        MessageType.UPDATE,
        "BROADCAST",
        "Engine",
        "State.A",
        5,
    )
    assert message.topic["Extra"] == "x"


def test_an_update_without_a_target_from_a_daemon_is_accepted() -> None:
    message = decode([b'{"Type":"Update","Source":"RenderMachine1-Daemon","Name":"Role"}', b'{"Value":"SERVER"}'])
    assert message.target is None
    assert message.source == "RenderMachine1-Daemon"
    assert message.value == "SERVER"


def test_a_call_without_respond_to_or_id_and_a_call_result_without_target_or_id_are_accepted() -> None:
    call = decode([b'{"Type":"Call","Target":"RenderMachine1-Daemon","Method":"Restart"}', b"{}"])
    assert (call.kind, call.respond_to, call.call_id, call.method) == (MessageType.CALL, None, None, "Restart")
    result = decode([b'{"Type":"CallResult","ExecutedOn":"RenderMachine1-Daemon","Method":"Restart"}', b'{"Result":1}'])
    assert (result.target, result.call_id, result.source, result.executed_on) == (
        None,
        None,
        "RenderMachine1-Daemon",
        "RenderMachine1-Daemon",
    )


def test_a_get_carrying_an_empty_value_object_is_accepted() -> None:
    message = decode([b'{"Type":"Get","Target":"Daemon","Name":"Role"}', b'{"Value":{}}'])
    assert message.kind is MessageType.GET
    assert message.body == {"Value": {}}


def test_numbers_booleans_and_null_in_a_topic_are_read_as_their_json_text() -> None:
    topic = decode_topic(b'{"Type":"Call","Target":"Engine","ID":17,"Ratio":0.5,"Flag":true,"None":null}')
    assert topic == {"Type": "Call", "Target": "Engine", "ID": "17", "Ratio": "0.5", "Flag": "true", "None": "null"}
    assert all(isinstance(value, str) for value in topic.values())


def test_an_empty_message_frame_reads_as_an_empty_message() -> None:
    message = decode([b'{"Type":"Reset","Target":"STUDIO1-Switchboard"}', b""])
    assert message.body == {}
    assert message.kind is MessageType.RESET


def test_a_message_type_this_version_does_not_know_is_still_a_message() -> None:
    message = decode([b'{"Type":"Telemetry","Source":"Tracker"}', b'{"X":1}'])
    assert message.type == "Telemetry"
    assert message.kind is None
    assert message.source == "Tracker"


def test_a_third_frame_becomes_the_attachment_and_counts_towards_the_size() -> None:
    topic, body = b'{"Type":"Call","Target":"Engine","Method":"Upload"}', b'{"Params":{}}'
    message = decode([topic, body, b"\x00\xffraw"])
    assert message.attachment == b"\x00\xffraw"
    assert message.size == len(topic) + len(body) + 5
    assert decode([topic, body]).attachment is None


def test_a_non_ascii_topic_from_another_sender_is_still_read() -> None:
    assert decode_topic('{"Type":"Update","Source":"Café-Engine"}'.encode())["Source"] == "Café-Engine"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"Level":"Warning","Message":"x"}', LogLevel.WARNING),
        (b'{"Type":"error","Message":"x"}', LogLevel.ERROR),
        (b'{"Severity":"WARN","Message":"x"}', LogLevel.WARNING),
        (b'{"Severity":"fatal","Message":"x"}', LogLevel.ERROR),
        (b'{"Level":" debug ","Message":"x"}', LogLevel.DEBUG),
        (b'{"Level":"Chatty","Message":"x"}', LogLevel.INFO),
        (b'{"Level":3,"Message":"x"}', LogLevel.INFO),
        (b'{"Message":"x"}', LogLevel.INFO),
    ],
)
def test_a_log_level_is_read_from_level_type_or_severity_in_any_case(body: bytes, expected: LogLevel) -> None:
    message = decode([b'{"Type":"Log","Target":"BROADCAST","Source":"Engine"}', body])
    fields = message.body
    assert LogLevel.parse(fields.get("Level", fields.get("Type", fields.get("Severity")))) is expected


def test_a_repeated_topic_decodes_to_equal_values_each_time() -> None:
    raw = b'{"Type":"Update","Target":"BROADCAST","Source":"Store","Name":"CurrentShow"}'
    first, second = decode([raw, b'{"Value":"A"}']), decode([raw, b'{"Value":"B"}'])
    assert first.topic == second.topic == json.loads(raw)
    assert (first.value, second.value) == ("A", "B")


# ------------------------------------------------------------------ malformed input

VALID_TOPIC = b'{"Type":"Update","Target":"BROADCAST","Source":"Engine","Name":"State.A"}'


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        ([], "frame-count"),
        ([VALID_TOPIC], "frame-count"),
        ([VALID_TOPIC, b"{}", b"", b""], "frame-count"),
        ([b"", b"{}"], "topic-not-json"),
        ([b'{"Type":"Update"', b"{}"], "topic-not-json"),
        ([b"Update BROADCAST", b"{}"], "topic-not-json"),
        ([b'{"Type":"Update","X":NaN}', b"{}"], "topic-not-json"),
        ([b"\xff\xfe{}", b"{}"], "topic-not-json"),
        ([b'["Update"]', b"{}"], "topic-not-object"),
        ([b'"Update"', b"{}"], "topic-not-object"),
        ([b"{}", b"{}"], "topic-no-type"),
        ([b'{"Target":"Store","Name":"State"}', b"{}"], "topic-no-type"),
        ([b'{"Type":"","Target":"Store"}', b"{}"], "topic-no-type"),
        ([b'{"Type":"Update","Target":{"Name":"Store"}}', b"{}"], "topic-bad-value"),
        ([b'{"Type":"Update","Target":["Store"]}', b"{}"], "topic-bad-value"),
        ([b'{"Type":{"Nested":1}}', b"{}"], "topic-bad-value"),
        ([VALID_TOPIC, b'{"Value":'], "message-not-json"),
        ([VALID_TOPIC, b"\xc3\x28"], "message-not-json"),
        ([VALID_TOPIC, b'{"Value":"\xed\xa0\x80"}'], "message-not-json"),
        ([VALID_TOPIC, b'{"Value":NaN}'], "message-not-json"),
        ([VALID_TOPIC, b'{"Value":-Infinity}'], "message-not-json"),
        ([VALID_TOPIC, b'{"Value":"\\ud800"}'], "message-not-json"),
        ([VALID_TOPIC, b"[1,2]"], "message-not-object"),
        ([VALID_TOPIC, b'"null"'], "message-not-object"),
        ([VALID_TOPIC, b"null"], "message-not-object"),
    ],
)
def test_frames_that_are_not_a_bus_message_raise_malformed_message_with_a_countable_reason(
    frames: list[bytes], reason: str
) -> None:
    with pytest.raises(MalformedMessage) as caught:
        decode(frames)
    assert caught.value.reason == reason
    assert caught.value.detail
    assert reason in str(caught.value)


def test_a_topic_longer_than_any_bus_topic_is_refused_before_parsing() -> None:
    long_topic = b'{"Type":"Update","Name":"' + b"A" * codec.MAX_TOPIC_BYTES + b'"}'
    with pytest.raises(MalformedMessage) as caught:
        decode([long_topic, b"{}"])
    assert caught.value.reason == "too-large"


def test_a_message_frame_over_the_limit_is_refused_not_parsed() -> None:
    huge = b'{"Value":"' + b"x" * codec.MAX_MESSAGE_BYTES + b'"}'
    with pytest.raises(MalformedMessage) as caught:
        decode([VALID_TOPIC, huge])
    assert caught.value.reason == "too-large"


def test_a_message_frame_exactly_at_the_limit_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b'{"Value":"' + b"x" * 100 + b'"}'
    monkeypatch.setattr(message_frame, "MAX_MESSAGE_BYTES", len(body))
    assert decode([VALID_TOPIC, body]).value == "x" * 100
    monkeypatch.setattr(message_frame, "MAX_MESSAGE_BYTES", len(body) - 1)
    with pytest.raises(MalformedMessage, match="too-large"):
        decode([VALID_TOPIC, body])


def test_an_attachment_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real limit is 256 MiB; lower it rather than allocate that much in a unit test.
    monkeypatch.setattr(codec, "MAX_ATTACHMENT_BYTES", 1024)
    assert decode([VALID_TOPIC, b"{}", b"a" * 1024]).attachment == b"a" * 1024
    with pytest.raises(MalformedMessage) as caught:
        decode([VALID_TOPIC, b"{}", b"a" * 1025])
    assert caught.value.reason == "too-large"


def test_a_deeply_nested_topic_is_malformed_and_not_a_recursion_crash() -> None:
    # 1,500 levels fit in a 4 KiB topic and exceed Python's recursion limit while parsing.
    nested = b"[" * 1500 + b"]" * 1500
    with pytest.raises(MalformedMessage) as caught:
        decode([nested, b"{}"])
    assert caught.value.reason == "topic-not-json"


def test_a_deeply_nested_message_is_malformed_and_not_a_recursion_crash() -> None:
    nested = b'{"Value":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(MalformedMessage) as caught:
        decode([VALID_TOPIC, nested])
    assert caught.value.reason == "message-not-json"


def test_a_properly_paired_escaped_emoji_is_accepted_and_can_be_sent_again() -> None:
    message = decode([VALID_TOPIC, b'{"Value":"\\ud83d\\ude00 ok"}'])
    assert message.value == "\U0001f600 ok"
    assert encode(message)[1] == '{"Value":"\U0001f600 ok"}'.encode()


def test_a_malformed_topic_is_not_remembered_by_the_topic_cache() -> None:
    bad = b'{"Type":"Update","Target":{"x":1}}'
    for _ in range(2):
        with pytest.raises(MalformedMessage, match="topic-bad-value"):
            decode_topic(bad)
