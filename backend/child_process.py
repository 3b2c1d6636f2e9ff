"""How Switchboard starts its own helper processes, installed or frozen.

A frozen build has no `python -m`: `sys.executable` is Switchboard itself, so children
are started as the same executable with a subcommand (ENGINEERING.md §7).
"""

from __future__ import annotations

import sys


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def sim_command(*args: str) -> list[str]:
    """The command line that runs `switchboard-sim ARGS…` in a child process."""
    if is_frozen():
        return [sys.executable, "sim", *args]
    return [sys.executable, "-m", "backend.sim", *args]
