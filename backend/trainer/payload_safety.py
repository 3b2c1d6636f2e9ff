"""Refusing request data the device's parser would silently change (`trainer.md` §2, "Safe payloads").

The application runs `humps.decamelize` over the whole raw request text, values included:
"My Data" arrives as "_my_data", an upper-case exponent or escape breaks the parse. What
would be mangled is refused here, with a sentence naming the offending value, rather than
sent and quietly turned into something else on the rig.
"""

from __future__ import annotations

import math
import re
from typing import Any

_KEY = re.compile(r"^(?:[a-z][a-zA-Z0-9]*|[a-z][a-z0-9_]*)$")
_STRING = re.compile(r"^[a-z0-9_\-.:]*$")
ALLOWED_STRING_CHARACTERS = "lower-case letters, digits and _ - . :"


class UnsafePayload(ValueError):
    """Request data that would not reach the device as written; the text says which value and why."""


def check_payload(data: Any, where: str = "data") -> None:
    """Raise UnsafePayload for the first value the device would mangle; return when all is safe."""
    if data is None or isinstance(data, bool | int):
        return
    if isinstance(data, float):
        if not math.isfinite(data):
            raise UnsafePayload(f"{where} is {data}, which JSON cannot carry")
        return
    if isinstance(data, str):
        if not _STRING.match(data):
            raise UnsafePayload(
                f"{where} is the text {data!r}: the trainer rewrites capitals, spaces and other characters "
                f"in text, so only {ALLOWED_STRING_CHARACTERS} are sent"
            )
        return
    if isinstance(data, list | tuple):
        for index, item in enumerate(data):
            check_payload(item, f"{where}[{index}]")
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str) or not _KEY.match(key):
                raise UnsafePayload(
                    f"{where} has the key {key!r}: keys must be lowerCamel or snake_case ASCII, "
                    "or the trainer reads them under another name"
                )
            check_payload(value, f"{where}.{key}")
        return
    raise UnsafePayload(f"{where} is a {type(data).__name__}, which is not a JSON value")
