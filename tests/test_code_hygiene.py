"""Undefined names, unused imports and syntax errors fail the suite, not an operator's shift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pyflakes_rules_pass_on_every_python_file() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is a test dependency (pip install -e '.[test]')"
    folders = [name for name in ("backend", "gui", "tests", "benchmarks", "installer") if (ROOT / name).is_dir()]
    result = subprocess.run(
        [ruff, "check", "--select", "F,E9", "--no-cache", *folders],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
