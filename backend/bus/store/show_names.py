"""What a show may be called (bus.md §6: non-empty, none of / \\ : * ? " < > |)."""

from __future__ import annotations

FORBIDDEN = set('/\\:*?"<>|')
DEFAULT_SHOW = "Default"


def show_name_problem(name: object) -> str | None:
    """Why `name` cannot name a show, or None if it can."""
    if not isinstance(name, str) or not name.strip():
        return "Show names must be non-empty text"
    bad = sorted(FORBIDDEN & set(name))
    if bad:
        return f"Show names may not contain {' '.join(bad)}"
    if name != name.strip():
        return "Show names may not start or end with spaces"
    return None
