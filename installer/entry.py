"""Frozen entry point: exactly what the `switchboard` console script runs (gui.launcher:main).

PyInstaller needs a script, not an entry-point string. Going through `gui.launcher` as a
module (instead of freezing gui/launcher.py as `__main__`) keeps the frozen app and the
installed console script identical. The same executable also serves the `serve` and `sim`
subcommands; the app starts its demo floor as `<exe> sim demo` (backend/child_process.py).
"""

import sys

from gui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
