"""Where Switchboard keeps its files: the platform's config and data directories.

`SWITCHBOARD_CONFIG_DIR` and `SWITCHBOARD_DATA_DIR` override them, for portable
installs and for tests that must not touch the user's real files.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Switchboard"


def config_dir() -> Path:
    override = os.environ.get("SWITCHBOARD_CONFIG_DIR")
    return Path(override) if override else platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    override = os.environ.get("SWITCHBOARD_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME, appauthor=False)


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def window_state_file() -> Path:
    """Window geometry and dock layout: the app's memory, not the operator's settings."""
    return config_dir() / "window.ini"


def audit_log_file() -> Path:
    return data_dir() / "audit.jsonl"


def app_log_file() -> Path:
    return data_dir() / "logs" / "switchboard.log"


def exports_dir() -> Path:
    return data_dir() / "exports"
