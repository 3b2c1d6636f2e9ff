"""`switchboard`: the desktop app, its headless `serve` mode, and (in frozen builds) `sim`.

This module imports no Qt at load time, so `switchboard serve` runs on a machine
without a display or Qt libraries, and a wrong Qt version is refused with a sentence
instead of a crash.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from backend.app.settings import THEMES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard",
        description="Switchboard: the control panel of a lab or studio floor.",
        epilog=(
            "Subcommands: 'switchboard serve --help' runs the backend without a window; "
            "'switchboard hub', 'switchboard bus' and 'switchboard sim' are switchboard-hub, "
            "switchboard-bus and switchboard-sim (for installed builds, which have one executable)."
        ),
    )
    parser.add_argument("--config", type=Path, help="settings file to use (default: the one in your config folder)")
    parser.add_argument("--demo", action="store_true", help="start the simulated demo floor and connect to it")
    parser.add_argument("--theme", choices=THEMES, help="theme for this run (the settings keep theirs)")
    parser.add_argument("--panel", type=int, help="panel to show first, counting from 1")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the window after --screenshot-delay seconds, then quit")
    parser.add_argument("--screenshot-delay", type=float, default=6.0, help="seconds before the screenshot (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    return parser


def build_serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard serve", description="Run Switchboard on the bus without a window.")
    parser.add_argument("--config", type=Path, help="settings file to use")
    parser.add_argument("--demo", action="store_true", help="start the simulated demo floor and connect to it")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def qt_problem() -> str | None:
    """Why this Python and PySide6 must not run together, or None (ENGINEERING.md §1)."""
    if getattr(sys, "frozen", False):
        return None  # the build pinned a good pair; frozen apps may lack package metadata
    try:
        qt_version = version("PySide6-Essentials")
    except PackageNotFoundError:
        try:
            qt_version = version("PySide6")
        except PackageNotFoundError:
            return "PySide6 is not installed; install Switchboard with its dependencies (make demo does)."
    major, minor = (int(part) for part in qt_version.split(".")[:2])
    if sys.version_info < (3, 12) and (major, minor) >= (6, 12):
        return (
            f"PySide6 {qt_version} on Python {sys.version_info.major}.{sys.version_info.minor} crashes after a few "
            "thousand calls (none_dealloc). Install PySide6-Essentials below 6.12, or use Python 3.12 or newer."
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["sim"]:
        from backend.sim.cli import main as sim_main

        return sim_main(args[1:])
    if args[:1] == ["hub"]:
        from backend.bus.hub_cli import main as hub_main

        return hub_main(args[1:])
    if args[:1] == ["bus"]:
        from backend.bus.cli import main as bus_main

        return bus_main(args[1:])
    if args[:1] == ["serve"]:
        serve_args = build_serve_parser().parse_args(args[1:])
        from backend.app.serve import main as serve_main

        return serve_main(serve_args.config, demo=serve_args.demo, verbose=serve_args.verbose)
    options = build_parser().parse_args(args)
    problem = qt_problem()
    if problem:
        print(f"switchboard: {problem}", file=sys.stderr)
        return 2
    from backend.headless import configure_logging
    from gui.application import LaunchOptions, run

    configure_logging(options.verbose)
    return run(
        LaunchOptions(
            config=options.config,
            demo=options.demo,
            theme=options.theme,
            screenshot=options.screenshot,
            screenshot_delay=options.screenshot_delay,
            panel=None if options.panel is None else options.panel - 1,
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
