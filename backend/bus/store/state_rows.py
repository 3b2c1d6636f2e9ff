"""A service's State as rows of (path, JSON value), so one Update rewrites only its own rows.

A State of 10,000 keys must not be rewritten whole for every `State.X.Y` Update. Objects
are split into their keys down to the leaves; everything else (lists, scalars, empty
objects, and objects whose keys could not be told apart in a dotted path) is one row.
The rows of a State are its leaves; `assemble` puts them back together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from backend.bus import value_paths

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _splittable(value: Any) -> bool:
    """An object is split into rows only if every key is a usable path segment (non-empty, no dot).

    Asked for every object on the way down to each Update's path, so it must be cheap on an
    object of 10,000 keys: one C-level join and search, not a Python loop over the keys.
    """
    return isinstance(value, dict) and bool(value) and "" not in value and "." not in "".join(value)


def rows_of(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, JSON) for every leaf of `value`, its paths starting with `path`."""
    if _splittable(value):
        for key, child in value.items():
            yield from rows_of(child, f"{path}.{key}" if path else key)
    else:
        yield path, _dumps(value)


def assemble(rows: Iterable[tuple[str, str]]) -> Any:
    """The value whose leaves are `rows` (in any order); `{}` for no rows."""
    root: dict[str, Any] = {}
    whole: Any = None
    for path, text in sorted(rows):
        value = json.loads(text)
        if path == "":
            whole = value
        else:
            value_paths.set_at(root, path, value)
    if whole is not None and not root:
        return whole
    return root


def ancestors(path: str) -> list[str]:
    """Every proper ancestor of `path`, the root ("") included: a leaf there must go."""
    segments = path.split(".") if path else []
    return [""] + [".".join(segments[:index]) for index in range(1, len(segments))]


def subtree_bounds(path: str) -> tuple[str, str]:
    """The half-open range of paths strictly below `path` ('.' is followed by '/' in ASCII)."""
    return (f"{path}.", f"{path}/") if path else ("", "\U0010ffff")


def row_root(state: Any, path: str) -> str:
    """The path whose value must be written when `path` changed in `state`.

    Usually `path` itself; but where the way down passes a value kept as one row (a list,
    an object with unsplittable keys), that value is rewritten whole.
    """
    node = state
    walked: list[str] = []
    for segment in path.split(".") if path else []:
        if not _splittable(node) and node != {}:
            return ".".join(walked)
        if not isinstance(node, dict) or segment not in node:
            break
        walked.append(segment)
        node = node[segment]
    return path
