#!/usr/bin/env bash
# Build the frozen Switchboard (PyInstaller --onedir, ENGINEERING.md §7), package it, smoke-test it.
#
#   make installer                 # = pip install -e ".[installer]" into .venv, then this script
#   bash installer/build.sh [--no-smoke] [--deb]
#
# This script installs nothing. It expects the venv that `make installer` prepared
# (PYTHON=/path/to/python overrides .venv/bin/python) and, on Linux, the xcb libraries of
# ENGINEERING.md §3.4 on the build host (scripts/system-deps.sh installs them), because
# PyInstaller bundles them only if the build host has them.
#
# Outputs (dist/ and build/ are git-ignored):
#   dist/switchboard/                                  the onedir app (every OS)
#   dist/Switchboard.app                               macOS only, the windowed bundle
#   dist/switchboard-<version>-linux-<arch>.tar.xz     Linux
#   dist/Switchboard-<version>-<arch>.AppImage         Linux, only if appimagetool is on PATH
#   dist/switchboard_<version>_<debarch>.deb           Linux, only with --deb (needs dpkg-deb)
#
# macOS (on a macOS runner; no cross-building):
#   bash installer/build.sh --no-smoke        # builds dist/Switchboard.app (windowed)
#   SWITCHBOARD_CODESIGN_IDENTITY="Developer ID Application: …" SWITCHBOARD_ENTITLEMENTS=… to sign
#   during the build, or sign afterwards, then notarize and wrap in a dmg: see installer/README.md.
# Windows (on a Windows runner, Git Bash, or run the same pyinstaller line from PowerShell):
#   .venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller installer\switchboard.spec
#   then Inno Setup over dist\switchboard\ and sign: see installer/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

SMOKE=1
DEB=0
for arg in "$@"; do
  case "$arg" in
    --no-smoke) SMOKE=0 ;;
    --deb) DEB=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$HERE/build.sh"; exit 0 ;;
    *) echo "build.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON="$ROOT/.venv/Scripts/python.exe"; fi
fi
if ! "$PYTHON" -m PyInstaller --version >/dev/null 2>&1; then
  echo "build.sh: PyInstaller is not installed in $PYTHON's environment; run 'make installer'" \
       "or '$PYTHON -m pip install -e \".[installer]\"' first." >&2
  exit 1
fi

VERSION="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("switchboard"))')"
ARCH="$(uname -m)"
OS="$(uname -s)"
"$PYTHON" - "$VERSION" <<'VERSIONS'
import importlib.metadata as m, sys
v = m.version
print(f"build.sh: Switchboard {sys.argv[1]}, Python {sys.version.split()[0]}, PyInstaller {v('pyinstaller')}, "
      f"pyinstaller-hooks-contrib {v('pyinstaller-hooks-contrib')}, PySide6-Essentials {v('PySide6-Essentials')}")
VERSIONS

# ----------------------------------------------------------------- build host check (Linux)
if [ "$OS" = "Linux" ] && command -v ldconfig >/dev/null 2>&1; then
  host_libs="$(ldconfig -p 2>/dev/null || true)"
  host_missing=()
  for lib in libxcb-cursor.so.0 libxkbcommon-x11.so.0 libxcb-icccm.so.4 libxcb-image.so.0 libxcb-keysyms.so.1 \
             libxcb-randr.so.0 libxcb-render-util.so.0 libxcb-shape.so.0 libxcb-xfixes.so.0 libEGL.so.1 libGL.so.1; do
    grep -qF "$lib " <<<"$host_libs" || host_missing+=("$lib")
  done
  if [ ${#host_missing[@]} -gt 0 ]; then
    echo "build.sh: WARNING: the build host lacks ${host_missing[*]}; the bundle will not carry them and clean" \
         "desktops will fail with 'could not load the Qt platform plugin \"xcb\"'. Run scripts/system-deps.sh." >&2
  fi
fi

# ----------------------------------------------------------------- PyInstaller
rm -rf "$ROOT/build/pyinstaller" "$ROOT/dist/switchboard" "$ROOT/dist/Switchboard.app"
build_start=$(date +%s.%N)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$HERE/switchboard.spec"
build_end=$(date +%s.%N)
BUILD_S="$(awk -v a="$build_start" -v b="$build_end" 'BEGIN { printf "%.1f", b - a }')"
SIZE="$(du -sh "$ROOT/dist/switchboard" | cut -f1)"
FILES="$(find "$ROOT/dist/switchboard" -type f | wc -l | tr -d ' ')"
echo "build.sh: built dist/switchboard in ${BUILD_S} s: ${SIZE}, ${FILES} files"

# ----------------------------------------------------------------- Linux packages
if [ "$OS" = "Linux" ]; then
  if command -v objdump >/dev/null 2>&1; then
    GLIBC_FLOOR="$(find "$ROOT/dist/switchboard" -type f \( -name '*.so*' -o -name switchboard \) -print0 \
      | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)"
    echo "build.sh: the bundle needs ${GLIBC_FLOOR:-an unknown glibc} or newer on the target (build on the oldest distro you support)"
  fi

  TARBALL="$ROOT/dist/switchboard-$VERSION-linux-$ARCH.tar.xz"
  tar_start=$(date +%s.%N)
  rm -f "$TARBALL"
  XZ_OPT="${XZ_OPT:--6 -T0}" tar -C "$ROOT/dist" -cJf "$TARBALL" switchboard
  tar_end=$(date +%s.%N)
  echo "build.sh: $(basename "$TARBALL"): $(du -h "$TARBALL" | cut -f1)" \
       "in $(awk -v a="$tar_start" -v b="$tar_end" 'BEGIN { printf "%.1f", b - a }') s"

  if command -v appimagetool >/dev/null 2>&1; then
    APPDIR="$ROOT/build/Switchboard.AppDir"
    rm -rf "$APPDIR"
    mkdir -p "$APPDIR/usr/lib" "$APPDIR/usr/share/icons/hicolor/scalable/apps" "$APPDIR/usr/share/applications"
    cp -a "$ROOT/dist/switchboard" "$APPDIR/usr/lib/switchboard"
    cp "$ROOT/resources/switchboard.desktop" "$APPDIR/switchboard.desktop"
    cp "$ROOT/resources/switchboard.desktop" "$APPDIR/usr/share/applications/"
    cp "$ROOT/resources/icons/switchboard.svg" "$APPDIR/switchboard.svg"
    cp "$ROOT/resources/icons/switchboard.svg" "$APPDIR/usr/share/icons/hicolor/scalable/apps/"
    # sys.executable is usr/lib/switchboard/switchboard inside the mounted image, so the
    # demo floor child (`<exe> sim demo`) runs from the same image.
    cat >"$APPDIR/AppRun" <<'APPRUN'
#!/bin/sh
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/switchboard/switchboard" "$@"
APPRUN
    chmod +x "$APPDIR/AppRun"
    APPIMAGE="$ROOT/dist/Switchboard-$VERSION-$ARCH.AppImage"
    ARCH="$ARCH" appimagetool --no-appstream "$APPDIR" "$APPIMAGE"
    echo "build.sh: $(basename "$APPIMAGE"): $(du -h "$APPIMAGE" | cut -f1)"
  else
    echo "build.sh: appimagetool not found on PATH: AppImage skipped (the tar.xz is the Linux package;" \
         "see installer/README.md to add an AppImage)"
  fi

  if [ "$DEB" = 1 ]; then
    if ! command -v dpkg-deb >/dev/null 2>&1; then
      echo "build.sh: --deb needs dpkg-deb; .deb skipped" >&2
    else
      DEBARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
      PKG="$ROOT/build/deb/switchboard_${VERSION}_${DEBARCH}"
      rm -rf "$ROOT/build/deb"
      mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
               "$PKG/usr/share/icons/hicolor/scalable/apps"
      cp -a "$ROOT/dist/switchboard" "$PKG/opt/switchboard"
      ln -s /opt/switchboard/switchboard "$PKG/usr/bin/switchboard"
      cp "$ROOT/resources/switchboard.desktop" "$PKG/usr/share/applications/"
      cp "$ROOT/resources/icons/switchboard.svg" "$PKG/usr/share/icons/hicolor/scalable/apps/"
      glibc_version="${GLIBC_FLOOR#GLIBC_}"
      cat >"$PKG/DEBIAN/control" <<CONTROL
Package: switchboard
Version: $VERSION
Architecture: $DEBARCH
Maintainer: Switchboard maintainers <switchboard@example.invalid>
Section: net
Priority: optional
Depends: libc6 (>= ${glibc_version:-2.34}), libgl1, libegl1
Installed-Size: $(du -sk "$PKG" | cut -f1)
Description: Control panel for a lab or studio floor
 The bus, its Store, camera rigs, thermal-vacuum chambers and auto-trainers.
 Frozen with PyInstaller; Qt and the xcb libraries are bundled in /opt/switchboard.
CONTROL
      DEBFILE="$ROOT/dist/switchboard_${VERSION}_${DEBARCH}.deb"
      dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEBFILE" >/dev/null
      echo "build.sh: $(basename "$DEBFILE"): $(du -h "$DEBFILE" | cut -f1)"
    fi
  fi
else
  echo "build.sh: $OS: onedir built; package it with the steps in installer/README.md" \
       "(macOS: codesign → notarytool → dmg; Windows: Inno Setup, sign exe and installer)"
fi

# ----------------------------------------------------------------- smoke test
if [ "$SMOKE" = 1 ]; then
  if [ "$OS" = "Linux" ] || [ "$OS" = "Darwin" ]; then
    bash "$HERE/smoke_test.sh" "$ROOT/dist/switchboard"
  else
    echo "build.sh: smoke_test.sh runs on Linux and macOS; on Windows run the checks in installer/README.md" >&2
  fi
fi
echo "build.sh: done (build ${BUILD_S} s, dist/switchboard ${SIZE}, ${FILES} files)"
