"""Find values in JSON trees by path or by value, case-insensitively."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from backend.bus.json_tree import leaves


@dataclass(frozen=True, slots=True)
class Match:
    owner: str
    path: str
    value: Any


def search(trees: dict[str, Any], needle: str, limit: int = 1000) -> list[Match]:
    """Leaves of `trees` (owner → tree) whose path or JSON value contains `needle`."""
    wanted = needle.casefold().strip()
    if not wanted:
        return []
    found: list[Match] = []
    for owner, tree in trees.items():
        for path, value in leaves(tree):
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            if wanted in path.casefold() or wanted in text.casefold():
                found.append(Match(owner, path, value))
                if len(found) >= limit:
                    return found
    return found
