"""JSON values seen as trees: their type in words, a one-line summary, and their leaves.

Shared by the Store panel (types and summaries in the tree), search (leaves whose path or
value matches) and diff (leaves that differ). Lists are walked by index, as dotted paths
address them (`State.Presets.0`); empty objects and lists are leaves of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def json_type(value: Any) -> str:
    """`object`, `array`, `string`, `number`, `boolean` or `null`."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else type(value).__name__


def summary(value: Any, limit: int = 80) -> str:
    """What a value is, in one line: the scalar itself, or how many keys or items it has."""
    if isinstance(value, dict):
        return f"{{{len(value):,} keys}}" if len(value) != 1 else "{1 key}"
    if isinstance(value, list):
        return f"[{len(value):,} items]" if len(value) != 1 else "[1 item]"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def children(value: Any) -> list[tuple[str, Any]]:
    """(key, child) of an object or array; nothing for a scalar."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return [(str(index), item) for index, item in enumerate(value)]
    return []


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every leaf; an empty object or list is a leaf."""
    items = children(value)
    if not items:
        yield path, value
        return
    for key, child in items:
        yield from leaves(child, f"{path}.{key}" if path else key)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
