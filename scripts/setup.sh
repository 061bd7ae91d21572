#!/usr/bin/env bash
# Sets up everything on a fresh Debian/Ubuntu machine: system packages (when run as root or
# with sudo), a virtual environment in .venv and the project with its development extras.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv
  xvfb xauth              # a real X server for GUI tests and screenshots
  fonts-ipaexfont         # Japanese glyphs for the GUI and printed sheets
  gnome-keyring libsecret-tools dbus dbus-x11   # a real OS keyring (Secret Service)
  poppler-utils           # pdftotext / pdffonts / pdftoppm for checking PDFs
  iproute2 util-linux     # network namespace for the test run
  cups printer-driver-cups-pdf   # a private CUPS server with a PDF queue for the print test
  libnl-3-200 libnl-route-3-200   # the Matter SDK controller's native library needs them
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # matter.js virtual devices need Node.js with npm; a Node.js that bundles npm (as some
  # distributions' builds do) conflicts with Debian's separate npm package, so ask for the
  # packages only when the commands are missing.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup: please install as root: apt-get install ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "setup: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "setup: Python 3.11 or newer is required")'
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.commissioner-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
  # Every dependency, direct and transitive, at the version and file hash of the lock
  # (packaging/README.md); then the project itself, which adds nothing unpinned. The lock
  # includes the Matter SDK controller (extra "matter", one x86_64 Linux wheel).
  echo "setup: installing Python packages into .venv (pinned by requirements.lock)"
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e '.[dev,matter]'
  .venv/bin/python -m pip check
  touch "$stamp"
fi
# matter.js test devices (tests/matter_devices): npm packages pinned by its package-lock.json.
if command -v npm >/dev/null 2>&1; then
  mstamp=tests/matter_devices/node_modules/.commissioner-installed
  if [ ! -f "$mstamp" ] || [ tests/matter_devices/package-lock.json -nt "$mstamp" ]; then
    echo "setup: installing matter.js test devices (npm)"
    (cd tests/matter_devices && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$mstamp"
  fi
fi
echo "setup: ready (.venv)"
