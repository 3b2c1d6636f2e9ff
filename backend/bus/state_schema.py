"""What a service's State may hold, so a Set is checked before it is kept.

A schema is a nested dict whose leaves are `Setting`s (a default and a check). It gives
the default State, decides whether a Set at a path is acceptable and, when the Store
hands back a State saved by an older version or edited by hand, keeps what is valid and
fills the rest with defaults (`protocols/bus.md` §6: services must accept older states).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Check = Callable[[Any], "str | None"]
Schema = dict[str, "Setting | Schema"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One value of a State: its default and the rule it must follow."""

    default: Any
    check: Check
    summary: str = ""


def whole_number(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}"
        return None

    return check


def one_of(choices: Sequence[str]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def text(max_length: int) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be text"
        return None if len(value) <= max_length else f"must be at most {max_length} characters"

    return check


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def defaults(schema: Schema) -> dict[str, Any]:
    return {key: node.default if isinstance(node, Setting) else defaults(node) for key, node in schema.items()}


def refusal(schema: Schema, path: str, value: Any) -> str | None:
    """Why `value` may not be written at `path` (relative to State), or None if it may."""
    node: Setting | Schema = schema
    for segment in path.split(".") if path else []:
        if not isinstance(node, dict) or segment not in node:
            return f"there is no setting State.{path}"
        node = node[segment]
    return _check_node(node, value, f"State.{path}" if path else "State")


def _check_node(node: Setting | Schema, value: Any, where: str) -> str | None:
    if isinstance(node, Setting):
        problem = node.check(value)
        return f"{where} {problem}" if problem else None
    if not isinstance(value, dict):
        return f"{where} must be an object"
    missing = sorted(set(node) - set(value))
    if missing:
        return f"{where} lacks {', '.join(missing)}"
    unknown = sorted(set(value) - set(node))
    if unknown:
        return f"{where} has no setting {', '.join(unknown)}"
    for key, child in node.items():
        problem = _check_node(child, value[key], f"{where}.{key}")
        if problem:
            return problem
    return None


def adopt(schema: Schema, stored: Any, problems: list[str] | None = None, where: str = "State") -> dict[str, Any]:
    """The defaults with every valid value of `stored` laid over them; what was dropped goes to `problems`."""
    result: dict[str, Any] = {}
    stored_dict = stored if isinstance(stored, dict) else {}
    for key, node in schema.items():
        here = f"{where}.{key}"
        if isinstance(node, Setting):
            if key in stored_dict and node.check(stored_dict[key]) is None:
                result[key] = stored_dict[key]
            else:
                if key in stored_dict and problems is not None:
                    problems.append(f"{here} {node.check(stored_dict[key])}; using {node.default!r}")
                result[key] = node.default
        else:
            result[key] = adopt(node, stored_dict.get(key), problems, here)
    return result
