"""The audit log: every operator action that changes the world, one JSON object per line.

Each line holds the time (UTC, ISO 8601), the OS user, the target, the action, its
parameters and its result. Lines are appended by a worker thread, one at a time and in
order, so the event loop never waits on the disk and two actions never interleave.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def audit_entry(target: str, action: str, params: Any, result: Any, *, user: str | None = None) -> dict[str, Any]:
    """One audit record, in the key order a reader expects."""
    return {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "user": user or current_user(),
        "target": target,
        "action": action,
        "params": params,
        "result": result,
    }


class AuditLog:
    """Appends audit records to a JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: asyncio.Lock | None = None

    def append(self, entry: dict[str, Any]) -> None:
        """Write one record now (blocking): for command-line tools and worker threads."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")

    async def record(self, target: str, action: str, params: Any, result: Any, *, user: str | None = None) -> None:
        """Append a record from the event loop without blocking it; failures are logged, never raised."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        entry = audit_entry(target, action, params, result, user=user)
        async with self._lock:
            try:
                await asyncio.to_thread(self.append, entry)
            except OSError as error:
                log.error("Could not write the audit log %s: %s", self.path, error, extra={"source": "Audit"})

    def read(self) -> list[dict[str, Any]]:
        """Every record in the file (skipping lines that are not JSON)."""
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text("utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records
