#!/usr/bin/env bash
# Regenerates requirements.lock: every dependency of the project and its development extra,
# direct and transitive, pinned (==) with the SHA-256 of each of its files on the registry.
# Run after changing pyproject.toml's dependencies (needs the registry), review the diff and
# commit both. Versions already in .venv are kept (-c): an upgrade is a separate, deliberate
# edit (remove the package's line from the lock, or pip install -U it in .venv, then rerun).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install -q pip-tools==7.6.2
pins="$tools/installed.txt"
if [ -x .venv/bin/python ]; then
  .venv/bin/python -m pip freeze --exclude-editable --all | grep -v '^commissioner' >"$pins"
else
  : >"$pins"
fi
# pip, setuptools and wheel are pinned too: setup.sh builds the project without isolation.
printf 'setuptools\nwheel\npip\n' >"$tools/build.in"
"$tools/venv/bin/pip-compile" --quiet --extra dev --generate-hashes --allow-unsafe \
  --strip-extras --no-emit-index-url --no-emit-find-links -c "$pins" \
  --output-file requirements.lock pyproject.toml "$tools/build.in"
echo "lock: requirements.lock has $(grep -c '==' requirements.lock) pinned packages"
