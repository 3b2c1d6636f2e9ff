"""Values at dotted paths (`State.General.FrameRate`), as the bus names them (§2, §9).

A path addresses a value inside a JSON tree. Writing replaces the value at the path,
never deep-merges (§9 "Partial updates"), and creates missing parent objects.
Numeric segments index lists where the tree holds a list.
"""

from __future__ import annotations

import copy
from typing import Any


class PathNotFound(KeyError):
    """No value at the path."""


def split(path: str) -> list[str]:
    """The segments of a dotted path; an empty path has none."""
    return [segment for segment in path.split(".")] if path else []


def is_within(path: str, ancestor: str) -> bool:
    """True when `path` is `ancestor` itself or lies below it."""
    return path == ancestor or path.startswith(ancestor + ".")


def relative(path: str, ancestor: str) -> str:
    """`path` seen from `ancestor` ("" when they are the same)."""
    if path == ancestor:
        return ""
    if not is_within(path, ancestor):
        raise ValueError(f"{path!r} is not within {ancestor!r}")
    return path[len(ancestor) + 1 :]


def get_at(tree: Any, path: str) -> Any:
    """The value at `path` inside `tree`, or raise `PathNotFound`."""
    node = tree
    for segment in split(path):
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            raise PathNotFound(path)
    return node


def has_at(tree: Any, path: str) -> bool:
    try:
        get_at(tree, path)
    except PathNotFound:
        return False
    return True


def set_at(tree: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Write `value` at `path` in `tree` (in place) and return `tree`.

    An empty path replaces nothing and is refused: the caller replaces whole trees itself.
    A scalar or missing parent on the way is replaced by an object.
    """
    segments = split(path)
    if not segments:
        raise ValueError("an empty path names the whole tree")
    node: Any = tree
    for segment in segments[:-1]:
        if isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            child = node[int(segment)]
            if not isinstance(child, (dict, list)):
                child = node[int(segment)] = {}
        elif isinstance(node, list):
            # Not an index of this list (a name, or past its end): as for the last segment.
            raise PathNotFound(path)
        else:
            child = node.get(segment)
            if not isinstance(child, (dict, list)):
                child = node[segment] = {}
        node = child
    last = segments[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    elif isinstance(node, list):
        raise PathNotFound(path)
    else:
        node[last] = value
    return tree


def delete_at(tree: dict[str, Any], path: str) -> None:
    """Remove the value at `path`, or raise `PathNotFound`."""
    segments = split(path)
    parent = get_at(tree, ".".join(segments[:-1])) if len(segments) > 1 else tree
    last = segments[-1] if segments else ""
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise PathNotFound(path)


def deep_copy(value: Any) -> Any:
    """A copy no caller can change behind the owner's back (JSON values only)."""
    return copy.deepcopy(value)
