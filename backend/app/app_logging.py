"""Switchboard's own log file, for maintainers: everything at INFO and above, rotated.

Windowed builds on Windows have no console (`sys.stdout` is None), so the file is the
one place a maintainer can always read what happened (ENGINEERING.md §7).
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from backend.app import locations

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def install_file_log(path: Path | None = None) -> Path | None:
    """Add a rotating file handler to the root logger; returns its path (None if it cannot be written)."""
    target = path or locations.app_log_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    except OSError as error:
        logging.getLogger(__name__).warning("Cannot write the log file %s: %s", target, error)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return target
