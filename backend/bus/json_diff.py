"""The differences between two JSON trees, leaf by leaf, as an operator reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from backend.bus.json_tree import leaves

ONLY_LEFT, ONLY_RIGHT, CHANGED = "only left", "only right", "changed"


@dataclass(frozen=True, slots=True)
class Difference:
    path: str
    kind: str
    left: Any = None
    right: Any = None


def diff(left: Any, right: Any) -> list[Difference]:
    """Every leaf path that is missing on one side or holds another value, sorted by path."""
    left_leaves = dict(leaves(left))
    right_leaves = dict(leaves(right))
    found: list[Difference] = []
    for path in sorted(left_leaves.keys() | right_leaves.keys()):
        if path not in right_leaves:
            found.append(Difference(path, ONLY_LEFT, left=left_leaves[path]))
        elif path not in left_leaves:
            found.append(Difference(path, ONLY_RIGHT, right=right_leaves[path]))
        elif _canonical(left_leaves[path]) != _canonical(right_leaves[path]):
            found.append(Difference(path, CHANGED, left_leaves[path], right_leaves[path]))
    return found


def _canonical(value: Any) -> str:
    """Compare as JSON: 1 and 1.0 are the same number, True and 1 are not."""
    return json.dumps(value, sort_keys=True)
