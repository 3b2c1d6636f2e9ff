"""Frames, payload checks and event names, decoded as the reference says for each package version."""

from __future__ import annotations

import json

import humps
import pytest
from autotrainer.api import ApiCommandRequest
from hypothesis import given
from hypothesis import strategies as st

from backend.trainer.event_kinds import kind_name
from backend.trainer.package_version import PackageVersion
from backend.trainer.payload_safety import UnsafePayload, check_payload
from backend.trainer.pub_frames import MalformedFrame, decode_pub, same_identifier

EVENT = (4001).to_bytes(4, "little")


def test_a_plain_012_frame_decodes_to_its_topic_and_object() -> None:
    message = decode_pub([EVENT, b'{"kind": 101, "when": 1.5, "index": 7, "context": null}'])
    assert (message.topic, message.payload["kind"], message.double_encoded) == (4001, 101, False)


def test_a_0_9_7_double_encoded_frame_is_decoded_twice() -> None:
    inner = humps.camelize(json.dumps({"identifier": "autotrainer-device", "version": "0.9.7", "timestamp": 1.0}))
    message = decode_pub([(1001).to_bytes(4, "little"), json.dumps(inner).encode()])
    assert message.double_encoded
    assert message.payload == {"identifier": "autotrainerDevice", "version": "0.9.7", "timestamp": 1.0}
    assert same_identifier(message.payload["identifier"], "autotrainer-device")


@pytest.mark.parametrize(("frames", "words"), [
    ([b"one frame"], "1 frame(s) instead of 2"),
    ([EVENT[:3], b"{}"], "3-byte topic"),
    ([EVENT, b"{not json"], "not JSON"),
    ([EVENT, b"\xff\xfe"], "not UTF-8"),
    ([EVENT, b"{}", b"extra"], "3 frame(s)"),
])
def test_malformed_frames_are_refused_with_a_reason(frames: list[bytes], words: str) -> None:
    with pytest.raises(MalformedFrame, match=words.replace("(", r"\(").replace(")", r"\)")):
        decode_pub(frames)


@pytest.mark.parametrize(("kind", "version", "name"), [
    (1301, "0.12.0", "trialStarted"),
    (1301, "0.9.7", "kind 1301 (legacy)"),
    (101, "0.9.7", "emergencyStop"),
    (1202, "0.9.10", "pelletLoadBegin"),
    (702, "0.9.20", "projectSessionChanged"),
    (702, "0.10.0", "projectTrialChanged"),
    (1301, "0.9.18", "trialStarted"),
    (123456, "0.12.0", "kind 123456 (unknown)"),
])
def test_event_kinds_are_named_for_the_version_that_sent_them(kind: int, version: str, name: str) -> None:
    assert kind_name(kind, PackageVersion.parse(version)) == name


def _as_the_device_reads_it(data: object) -> object:
    """The real package's request parser, on what the client would send."""
    raw = json.dumps({"command": 99999, "nonce": 1, "data": data}, separators=(",", ":")).encode()
    return ApiCommandRequest.parse_bytes(raw).data


safe_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.:", max_size=12)
safe_keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
safe_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.floats(allow_nan=False, allow_infinity=False) | safe_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(safe_keys, children, max_size=4),
    max_leaves=12,
)


@given(safe_values)
def test_every_payload_the_client_accepts_reaches_the_real_parser_unchanged(data: object) -> None:
    check_payload(data)
    assert _as_the_device_reads_it(data) == data


@pytest.mark.parametrize("data", [
    {"name": "My Data"},
    {"when": "2024-05-01T10:00:00Z"},
    {"path": "C:\\Data"},
    {"HTTPServer": 1},
    {"word": "Café"},
    {"x": float("nan")},
    {"blob": b"bytes"},
])
def test_payloads_the_parser_would_mangle_are_refused_and_really_would_be(data: dict) -> None:
    with pytest.raises(UnsafePayload):
        check_payload(data)
    try:
        mangled = _as_the_device_reads_it(data)
    except (ValueError, TypeError):
        return  # the device could not even parse it
    assert mangled != data


def test_camel_case_keys_are_allowed_because_the_device_reads_them_as_snake_case() -> None:
    check_payload({"animalId": 3})
    assert _as_the_device_reads_it({"animalId": 3}) == {"animal_id": 3}


def test_text_outside_the_safe_alphabet_is_refused_even_where_it_would_survive() -> None:
    """The reference's rule is an alphabet, not a prediction: "café" survives today, but is not sent."""
    with pytest.raises(UnsafePayload, match="lower-case letters, digits"):
        check_payload({"word": "café"})
