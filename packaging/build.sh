#!/usr/bin/env bash
# Builds the one-folder desktop app (dist/commissioner/) with PyInstaller from .venv, which
# scripts/setup.sh installs from the hashed lock (requirements.lock). Refuses to build from a
# virtual environment that drifted from the lock. Prints how long the build took.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python packaging/lock_check.py requirements.lock
start=$(date +%s)
.venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/commissioner.spec
end=$(date +%s)
echo "build: dist/commissioner ($(du -sh dist/commissioner | cut -f1)) in $((end - start)) s"
