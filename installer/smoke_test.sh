#!/usr/bin/env bash
# Smoke test of the frozen Switchboard (ENGINEERING.md §7): run the PyInstaller onedir build
# the way an operator would, with nothing from the build environment, and fail loudly.
#
#   bash installer/smoke_test.sh [DIST_DIR]      (default: dist/switchboard next to this folder)
#
# Checks, in order:
#   1. `switchboard --help`, `switchboard serve --help` and `switchboard sim --help` exit 0
#      (the CLI paths of the one frozen executable).
#   2. On Linux: the xcb libraries Qt's xcb plugin needs are inside the bundle and resolve
#      (a build host without them ships an app that dies with "could not load xcb").
#   3. GUI, QT_QPA_PLATFORM=offscreen: `switchboard --demo --screenshot X.png --screenshot-delay 5`
#      exits 0, writes a PNG, creates settings.toml from resources/default_settings.toml, and its
#      log says the demo floor (the frozen child `<exe> sim demo`) became ready; no traceback.
#   4. `switchboard serve --demo` (headless, no Qt platform) comes up, then stops cleanly on SIGTERM.
#   5. Check 3 again under `xvfb-run -a` with QT_QPA_PLATFORM=xcb, if xvfb-run exists.
#   6. Start-up: wall time of `--screenshot --screenshot-delay 0` (first window shown, grabbed and
#      closed), offscreen, without and with --demo. Printed, not checked (SMOKE_STARTUP=0 skips it).
# Knobs: SMOKE_SCREENSHOT_DELAY (5), SMOKE_TIMEOUT per run (90 s), KEEP_SMOKE_DIR=1 keeps the temp folder.
#
# Every run gets its own SWITCHBOARD_CONFIG_DIR / SWITCHBOARD_DATA_DIR under a temporary folder,
# and a scrubbed environment (env -i), so the operator's files and the venv are never used.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DIST="${1:-$ROOT/dist/switchboard}"
EXE="$DIST/switchboard"
[ -x "$EXE" ] || EXE="$DIST/switchboard.exe"
SCREENSHOT_DELAY="${SMOKE_SCREENSHOT_DELAY:-5}"
RUN_TIMEOUT="${SMOKE_TIMEOUT:-90}"

if [ ! -x "$EXE" ]; then
  echo "smoke: no frozen executable at $DIST (build it with installer/build.sh)" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-smoke.XXXXXX")"
cleanup() { [ -n "${KEEP_SMOKE_DIR:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT

failures=0
pass() { echo "smoke: PASS  $*"; }
fail() { echo "smoke: FAIL  $*" >&2; failures=$((failures + 1)); }

# A clean environment: no PYTHONPATH, VIRTUAL_ENV, QT_* or the operator's HOME.
# DISPLAY is dropped too; xvfb-run provides its own.
clean_env() { # clean_env NAME -> prints env assignments for a run called NAME
  local name="$1"
  mkdir -p "$WORK/$name/home" "$WORK/$name/config" "$WORK/$name/data"
  printf '%s\n' \
    "HOME=$WORK/$name/home" \
    "PATH=/usr/local/bin:/usr/bin:/bin" \
    "LANG=${LANG:-C.UTF-8}" \
    "TMPDIR=$WORK/$name" \
    "XDG_RUNTIME_DIR=$WORK/$name" \
    "SWITCHBOARD_CONFIG_DIR=$WORK/$name/config" \
    "SWITCHBOARD_DATA_DIR=$WORK/$name/data"
}

run_in() { # run_in NAME CMD... : run with the clean env for NAME, cwd inside the temp dir
  local name="$1"; shift
  local -a envs
  mapfile -t envs < <(clean_env "$name")
  (cd "$WORK/$name" && env -i "${envs[@]}" "$@")
}

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }

# ---------------------------------------------------------------- 1. command line
for sub in "" "serve" "sim"; do
  name="help-${sub:-app}"
  # shellcheck disable=SC2086
  if out="$(run_in "$name" "$EXE" $sub --help 2>&1)" && grep -q "^usage: switchboard" <<<"$out"; then
    pass "switchboard ${sub:+$sub }--help"
  else
    fail "switchboard ${sub:+$sub }--help:"$'\n'"$out"
  fi
done

# ---------------------------------------------------------------- 2. xcb libraries bundled
if [ "$(uname)" = "Linux" ]; then
  internal="$DIST/_internal"
  xcb_plugin="$(find "$internal" -path '*platforms/libqxcb.so' | head -n 1)"
  missing=()
  for lib in libxcb-cursor.so.0 libxkbcommon-x11.so.0 libxcb-icccm.so.4 libxcb-image.so.0 libxcb-keysyms.so.1 \
             libxcb-randr.so.0 libxcb-render-util.so.0 libxcb-shape.so.0 libxcb-xfixes.so.0 libxkbcommon.so.0; do
    [ -e "$internal/$lib" ] || missing+=("$lib")
  done
  if [ -z "$xcb_plugin" ]; then
    fail "no platforms/libqxcb.so in the bundle"
  elif [ ${#missing[@]} -gt 0 ]; then
    fail "xcb libraries not bundled: ${missing[*]} (install ENGINEERING.md §3.4's packages on the build host, rebuild)"
  elif unresolved="$(LD_LIBRARY_PATH="$internal" ldd "$xcb_plugin" | grep 'not found')"; then
    fail "libqxcb.so has unresolved libraries:"$'\n'"$unresolved"
  else
    pass "xcb platform plugin and its libraries are bundled and resolve"
  fi
fi

# ---------------------------------------------------------------- 3./5. GUI with the demo floor
gui_run() { # gui_run NAME PLATFORM [WRAPPER...]
  local name="$1" platform="$2"; shift 2
  local png="$WORK/$name/screenshot.png" log="$WORK/$name/data/logs/switchboard.log"
  local err="$WORK/$name/stderr.txt" rc=0 started ended
  mkdir -p "$WORK/$name"
  started=$(date +%s.%N)
  run_in "$name" timeout "$RUN_TIMEOUT" "$@" env QT_QPA_PLATFORM="$platform" \
    "$EXE" --demo --screenshot "$png" --screenshot-delay "$SCREENSHOT_DELAY" >"$WORK/$name/stdout.txt" 2>"$err" || rc=$?
  ended=$(date +%s.%N)
  local problems=()
  [ "$rc" -eq 0 ] || problems+=("exit code $rc")
  is_png "$png" || problems+=("no PNG at $png")
  [ -s "$WORK/$name/config/settings.toml" ] || problems+=("settings.toml not created from resources/default_settings.toml")
  grep -q "Demo floor ready" "$log" 2>/dev/null || problems+=("the demo floor child (<exe> sim demo) never became ready")
  if grep -Eq "Traceback|Unexpected error|ModuleNotFoundError|could not (load|find) the Qt platform plugin" "$err" "$log" 2>/dev/null; then
    problems+=("errors in stderr or the log")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    pass "GUI $name (QT_QPA_PLATFORM=$platform): exit 0, PNG $(wc -c <"$png") bytes, demo floor ready, $(elapsed "$started" "$ended") s"
  else
    local joined; joined="$(printf '%s; ' "${problems[@]}")"
    fail "GUI $name (QT_QPA_PLATFORM=$platform): ${joined%; }"
    echo "----- stderr ($err)" >&2; tail -n 40 "$err" >&2 || true
    echo "----- log ($log)" >&2; tail -n 40 "$log" >&2 || true
  fi
}

gui_run offscreen offscreen

# ---------------------------------------------------------------- 4. serve --demo, headless
serve_dir="$WORK/serve"
mkdir -p "$serve_dir"
mapfile -t serve_env < <(clean_env serve)
(cd "$serve_dir" && exec env -i "${serve_env[@]}" "$EXE" serve --demo >"$serve_dir/stdout.txt" 2>"$serve_dir/stderr.txt") &
serve_pid=$!
serving=""
for _ in $(seq 1 60); do
  if grep -q "Switchboard serving as" "$serve_dir/stderr.txt" 2>/dev/null; then serving=1; break; fi
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.5
done
serve_rc=0
if kill -0 "$serve_pid" 2>/dev/null; then
  kill -TERM "$serve_pid"
  for _ in $(seq 1 40); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$serve_pid" 2>/dev/null; then kill -KILL "$serve_pid"; serve_rc=137; fi
fi
wait "$serve_pid" || serve_rc=$?
if [ -n "$serving" ] && [ "$serve_rc" -eq 0 ] && ! grep -q "Traceback" "$serve_dir/stderr.txt"; then
  pass "switchboard serve --demo: served, stopped on SIGTERM with exit 0"
else
  fail "switchboard serve --demo (served: ${serving:-no}, exit $serve_rc)"; tail -n 30 "$serve_dir/stderr.txt" >&2 || true
fi

# ---------------------------------------------------------------- 5. the same under Xvfb (xcb)
if command -v xvfb-run >/dev/null 2>&1; then
  gui_run xvfb xcb xvfb-run -a -s "-screen 0 1600x1000x24"
else
  echo "smoke: SKIP  xvfb-run not installed: the xcb run was not tested"
fi

# ---------------------------------------------------------------- 6. start-up time (informational)
startup() { # startup NAME [ARGS...] -> prints seconds
  local name="$1"; shift
  local started ended
  started=$(date +%s.%N)
  run_in "$name" timeout "$RUN_TIMEOUT" env QT_QPA_PLATFORM=offscreen \
    "$EXE" "$@" --screenshot "$WORK/$name/s.png" --screenshot-delay 0 >/dev/null 2>&1 || true
  ended=$(date +%s.%N)
  elapsed "$started" "$ended"
}
if [ "${SMOKE_STARTUP:-1}" = "1" ]; then
  for i in 1 2 3; do startup "startup-warm$i" >/dev/null; done # warm the page cache first
  plain=() demo=()
  for i in 1 2 3; do plain+=("$(startup "startup-plain$i")"); demo+=("$(startup "startup-demo$i" --demo)"); done
  echo "smoke: INFO  start-up to first window, offscreen (--screenshot-delay 0, includes shutdown): ${plain[*]} s; with --demo: ${demo[*]} s"
fi

# ----------------------------------------------------------------
if [ "$failures" -gt 0 ]; then
  echo "smoke: $failures check(s) failed" >&2
  exit 1
fi
echo "smoke: all checks passed ($EXE)"
