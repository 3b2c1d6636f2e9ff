#!/usr/bin/env bash
# Installs the system packages Switchboard's tests and app need on Debian/Ubuntu:
# Qt's runtime libraries for the offscreen and xcb platforms (ENGINEERING.md §3.4),
# fonts, and Xvfb for the tests that need a real X server.
# It only installs what is missing, and says what it does. On other systems it explains
# what to install and carries on (the offscreen tests still run).
set -euo pipefail

packages=(
  xvfb xauth
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0 fonts-dejavu-core
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xfixes0
)

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; install Xvfb and Qt 6's xcb libraries with your package manager."
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "system-deps: missing ${missing[*]} and no root access; install them, then run make again." >&2
    exit 1
  fi
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
