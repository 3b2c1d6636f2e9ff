"""`Synchronise` of a session of 10,000 photos: how long until the Cameras panel is usable.

The rig simulator (its own process) starts with 200 cameras and a session of 10,000
photos already on disk (`--session-photos`); the real window (offscreen) is opened on the
Cameras panel and the runtime connects. Measured from the runtime's start (SUB connected,
then `Synchronise` after the 300 ms settle the reference asks for):

- the Synchronise reply merged (the model holds 200 cameras and 10,000 photos);
- the table and the gallery showing them (rows in both views);
- the first screen of thumbnails decoded: from here the panel is usable;
- the event loop's lag over the whole phase (a 5 ms sleeper's lateness), and the
  longest single stall, since a frozen window is what an operator would notice.

No numeric target in the issue: the figures are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import _common
from cameras_floor import camera_floor, prepare_environment, run_on_qt_loop, wait_for
from gui_loop_lag import LagProbe, lag_line


def first_screen_shown(gallery_widget) -> bool:
    """Every photo the gallery shows on screen has its thumbnail."""
    view, model = gallery_widget.view, gallery_widget.model
    area = view.viewport().rect()
    on_screen = [r for r in range(min(model.rowCount(), 200)) if view.visualRect(model.index(r)).intersects(area)]
    return bool(on_screen) and all(model.thumbnails.get(model.keys[r]) is not None for r in on_screen)


async def amain(args: argparse.Namespace, tmp: Path) -> None:
    rig_options = ["--cameras", str(args.cameras), "--session-photos", str(args.photos)]
    probe = LagProbe()
    probe.start()
    started = time.perf_counter()
    async with camera_floor(tmp, rig_options) as floor:
        panel = floor.panel
        opened = time.perf_counter()
        model = panel.client.model
        gallery = panel.gallery.model
        await wait_for(lambda: len(model.photos) == args.photos and len(model.cameras) == args.cameras)
        merged = time.perf_counter()
        await wait_for(lambda: panel.table_model.rowCount() == args.cameras and gallery.rowCount() == args.photos)
        shown = time.perf_counter()
        await wait_for(lambda: first_screen_shown(panel.gallery))
        usable = time.perf_counter()
        await asyncio.sleep(0.5)
        lags = probe.between(opened, usable)
        await probe.stop()
        synchronised_in = floor.panel.client.stats.synchronisations
    worst = max(lags) * 1000 if lags else float("nan")
    print(f"rig simulator, window and runtime up               {(opened - started) * 1000:8.1f} ms (not part of the figure)")
    print(f"Synchronise merged (200 cameras, {args.photos:,} photos)  {(merged - opened) * 1000:8.1f} ms after the runtime started")
    print(f"table and gallery filled                           {(shown - opened) * 1000:8.1f} ms")
    print(f"first screen of thumbnails shown: panel usable     {(usable - opened) * 1000:8.1f} ms")
    print(f"synchronisations: {synchronised_in}")
    print(f"lag over the phase           {lag_line(lags)}")
    print(f"longest stall                {worst:.1f} ms")
    _common.summary(f"cameras Synchronise of {args.photos:,} photos: panel usable {(usable - opened) * 1000:.0f} ms after start; longest stall {worst:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=200)
    parser.add_argument("--photos", type=int, default=10_000)
    args = parser.parse_args()
    tmp = prepare_environment()
    _common.header("Cameras: Synchronise of a 10,000-photo session", "none numeric: time until the panel is usable, and the loop's stalls", ["QT_QPA_PLATFORM"])
    run_on_qt_loop(lambda: amain(args, Path(tmp.name)))
    tmp.cleanup()


if __name__ == "__main__":
    main()
