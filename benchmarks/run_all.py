"""Run every benchmark in turn, each in its own process, and print all figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py          # `make benchmarks`
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py --quick  # shorter runs

Each benchmark prints its own report (figures, target, command line); their `summary:`
lines are collected and repeated at the end. The benchmarks measure and print only:
nothing here fails on a missed target, and the exit status is 0 unless a benchmark crashed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import _common

HERE = Path(__file__).resolve().parent

BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    # (script, normal arguments, --quick arguments)
    ("bus_ingest.py", [], ["-n", "100000", "--rounds", "3"]),
    ("call_roundtrip.py", [], ["--calls", "1000", "--rounds", "2"]),
    ("gui_loop_lag.py", [], ["--seconds", "10"]),
    ("trainer_estop_latency.py", [], ["--rounds", "40", "--seconds", "20"]),
    ("store_throughput.py", [], ["--updates", "5000", "--rounds", "2", "--gets", "200", "--big-gets", "20", "--whole-rounds", "2"]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (noisier figures)")
    parser.add_argument("--only", nargs="*", metavar="SCRIPT", help="run only these (e.g. bus_ingest.py)")
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(f"command: {_common.command_line(('QT_QPA_PLATFORM',))}")
    print(f"machine: {_common.machine_line()}")
    print(f"load:    {_common.load_line()}")
    print(flush=True)
    summaries: list[str] = []
    crashed: list[str] = []
    for script, normal, quick in BENCHMARKS:
        if args.only and script not in args.only:
            continue
        path = os.path.relpath(HERE / script)
        command = [sys.executable, path if not path.startswith("..") else str(HERE / script), *(quick if args.quick else normal)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1)
        assert process.stdout is not None
        for line in process.stdout:
            if "does not support propagateSizeHints" in line:  # offscreen plugin chatter
                continue
            print(line, end="", flush=True)
            if line.startswith("summary: "):
                summaries.append(line[len("summary: ") :].rstrip())
        code = process.wait()
        print(f"[{script} finished in {time.perf_counter() - started:.0f} s, exit status {code}]\n", flush=True)
        if code != 0:
            crashed.append(f"{script} (exit status {code})")

    print("=== All figures ===")
    for line in summaries:
        print(f"- {line}")
    if crashed:
        print("crashed: " + ", ".join(crashed))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
