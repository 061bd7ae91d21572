#!/usr/bin/env bash
# Regenerates requirements.lock after a change to pyproject.toml's dependencies (needs the
# registry): every dependency of the project, its development extra and its Matter extra, direct and
# transitive, pinned (==) with the SHA-256 of the file this platform installs.
#   1. resolve: a scratch virtual environment gets the project with its dev extra, keeping
#      the versions already locked (-c), so only new or changed requirements move;
#   2. pin: its pip freeze (pip, setuptools and wheel too: setup.sh builds the project
#      without build isolation);
#   3. hash: each pinned file is downloaded (--no-deps) and hashed.
# Review the diff and commit it with pyproject.toml. On Windows run the same steps to write
# requirements-windows.lock (LOCK=requirements-windows.lock).
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=${LOCK:-requirements.lock}
PY=${PYTHON:-python3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$PY" -m venv "$scratch/venv"
grep -E '^[A-Za-z0-9][A-Za-z0-9._-]*==' "$LOCK" 2>/dev/null | sed 's/ .*//' >"$scratch/kept.txt" || true
"$scratch/venv/bin/python" -m pip install -q -c "$scratch/kept.txt" pip setuptools wheel
"$scratch/venv/bin/python" -m pip install -q -c "$scratch/kept.txt" -e '.[dev,matter]'
"$scratch/venv/bin/python" -m pip freeze --all --exclude-editable \
  | grep -v -i '^commissioner' >"$scratch/pins.txt"
"$scratch/venv/bin/python" -m pip download -q --no-deps -d "$scratch/files" -r "$scratch/pins.txt"
"$scratch/venv/bin/python" - "$scratch/pins.txt" "$scratch/files" "$LOCK" <<'PY'
import hashlib
import re
import sys
from pathlib import Path

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

pins_file, files_dir, lock = map(Path, sys.argv[1:])
files = {}
for f in files_dir.iterdir():
    name = f.name.split("-")[0] if f.suffix == ".whl" else f.name.rsplit("-", 1)[0]
    files.setdefault(norm(name), []).append(f)
lines = [
    "# Every Python dependency of the commissioner and its development extra (GUI, tests,",
    "# PyInstaller, pip-audit), direct and transitive, pinned with the SHA-256 of the file",
    "# installed on Linux x86-64 / CPython 3.11. scripts/setup.sh installs from it with",
    "# --require-hashes; packaging/build.sh builds only from an environment that matches it.",
    "# Regenerate: bash packaging/lock.sh (see packaging/README.md). Windows: its own lock.",
    "",
]
for line in sorted(pins_file.read_text().split(), key=lambda s: norm(s.split("==")[0])):
    name, version = line.split("==")
    entry = f"{name.lower()}=={version}"
    for digest in sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in files[norm(name)]):
        entry += f" \\\n    --hash=sha256:{digest}"
    lines.append(entry)
lock.write_text("\n".join(lines) + "\n")
print(f"lock: {lock} pins {len(lines) - 6} packages")
PY
