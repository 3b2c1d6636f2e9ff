"""Switchboard's version, as installed (or "dev" when run from a source tree without install)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("switchboard")
except PackageNotFoundError:  # pragma: no cover - only outside an install
    VERSION = "dev"
