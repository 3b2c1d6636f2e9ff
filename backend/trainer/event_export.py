"""Writing a trainer's decoded events to a file an analyst can read back: one JSON object per line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from backend.trainer.trainer_model import TrainerEvent


def export_events(trainer: str, events: Iterable[TrainerEvent], path: Path) -> int:
    """Write `events` to `path` as JSON lines (blocking: call through `asyncio.to_thread`). Returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as stream:
        for event in events:
            record = {
                "trainer": trainer,
                "received": dt.datetime.fromtimestamp(event.received, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "topic": event.topic_name,
                "kind": event.kind,
                "name": event.name,
                "when": event.when,
                "index": event.index,
                "context": event.context,
            }
            stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            count += 1
    return count
