#!/usr/bin/env bash
# Sets up everything, then runs the whole test suite inside its own network namespace
# (only a loopback interface exists there, so no test can reach a real network) and its own
# PID namespace (every process a test leaves behind ends with the run), under a private D-Bus
# session with an unlocked gnome-keyring (the real OS keyring backend).
# Extra arguments go to pytest, e.g. scripts/run-tests.sh tests/core -k scan
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

inner='ip link set lo up 2>/dev/null || true; exec "$@"'
runner=(bash scripts/in-test-session.sh .venv/bin/python -m pytest "$@")
if unshare -rnpf --mount-proc true 2>/dev/null; then
  exec unshare -rnpf --mount-proc bash -c "$inner" _ "${runner[@]}"
elif unshare -rn true 2>/dev/null; then
  exec unshare -rn bash -c "$inner" _ "${runner[@]}"
elif unshare -n true 2>/dev/null; then
  exec unshare -n bash -c "$inner" _ "${runner[@]}"
else
  echo "run-tests: cannot create a network namespace here; tests still bind only to loopback" >&2
  exec "${runner[@]}"
fi
