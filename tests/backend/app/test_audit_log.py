"""The audit log: one JSON object per line, who did what to whom, and how it ended."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from backend.app.audit_log import AuditLog, current_user


async def test_each_record_is_one_json_line_with_time_user_target_action_params_and_result(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "nested" / "audit.jsonl")
    await audit.record("RENDER1-Engine", "Call LoadLevel", {"Level": "Studio_B"}, {"Result": None})
    await audit.record("STUDIO1-Tracking", "Set", {"Name": "State.Port", "Value": 7000}, {"kept": 7000})
    lines = (tmp_path / "nested" / "audit.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == ["time", "user", "target", "action", "params", "result"]
    assert first["user"] == current_user()
    assert first["target"] == "RENDER1-Engine"
    assert first["action"] == "Call LoadLevel"
    assert first["params"] == {"Level": "Studio_B"}
    assert first["time"].endswith("+00:00")


async def test_records_written_concurrently_keep_their_order_and_never_interleave(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    await asyncio.gather(*(audit.record("X", "Set", {"n": n, "pad": "x" * 5000}, "ok") for n in range(50)))
    records = audit.read()
    assert [r["params"]["n"] for r in records] == list(range(50))


async def test_an_unwritable_audit_log_is_reported_not_raised(tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    audit = AuditLog(blocker / "audit.jsonl")  # a file where a folder should be
    await audit.record("X", "Set", {}, "ok")
    assert any("Could not write the audit log" in r.getMessage() for r in caplog.records)
