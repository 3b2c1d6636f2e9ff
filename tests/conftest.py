"""Test set-up shared by the whole suite.

- Qt runs offscreen unless a test starts its own X server.
- Every test gets its own config and data folders, so nothing touches the user's files.
- Tests under tests/gui run on qasync's loop (the app's loop); the rest on plain asyncio
  (ENGINEERING.md §3.1). Async GUI tests wait with `wait_until`, never with qtbot's
  blocking waits (§3.3 pitfall 1).
- `hub` gives a real hub on free loopback ports.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Offscreen by default, on a 1920×1080 virtual screen like an operator's desktop (Qt's
# offscreen screen is 800×800 otherwise, which clamps restored window geometry).
_SCREEN = Path(__file__).with_name("offscreen_screen.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

from backend.bus.endpoints import HubEndpoints  # noqa: E402
from backend.bus.hub import Hub  # noqa: E402

_qt_loops: list[asyncio.AbstractEventLoop] = []
"""Every qasync loop made for a test, kept until the session ends. A closed loop still has
Qt timers registered for the handles it never ran (cancelled timeouts); they fire later
and are killed. If the loop were garbage-collected first, Qt could be left with a timer
whose receiver was freed, and the next timer pass would crash the process."""


def _new_qt_loop() -> asyncio.AbstractEventLoop:
    import qasync

    loop = qasync.QSelectorEventLoop(_qt_app())
    _qt_loops.append(loop)
    return loop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict:
    if "gui" in Path(str(item.path)).parts:
        return {"qasync": _new_qt_loop}
    return {"asyncio": asyncio.SelectorEventLoop}


def _qt_app():
    """The one QApplication; closing the last window must never quit it (ENGINEERING.md §3.3)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    return app


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Config and data folders of this test alone."""
    monkeypatch.setenv("SWITCHBOARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SWITCHBOARD_DATA_DIR", str(tmp_path / "data"))
    yield tmp_path


@pytest.fixture
def hub() -> Iterator[HubEndpoints]:
    """A real hub on free loopback ports, stopped after the test."""
    running = Hub(HubEndpoints(pub_port=0, sub_port=0))
    endpoints = running.start()
    yield endpoints
    running.stop()
