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
# A whole run is spread over parallel workers (pytest-xdist, whole files per worker), each in a
# network namespace and a keyring session of its own (scripts/ns-python), so their mDNS and
# ports never meet. COMMISSIONER_TEST_WORKERS=1 runs everything in one process instead.
workers=${COMMISSIONER_TEST_WORKERS:-2}
if [ $# -eq 0 ] && [ "$workers" -gt 1 ] && unshare -rn true 2>/dev/null; then
  runner=(bash scripts/in-test-session.sh .venv/bin/python -m pytest -p xdist
    --tx "${workers}*popen//python=scripts/ns-python" --dist loadfile --durations=30)
fi

# Printing through CUPS needs the real root (the CUPS-PDF backend refuses a user namespace's
# root): on a whole run as root, that module runs first in a network namespace of its own
# (only a Unix socket is used), then everything in the user + network + PID namespace, where
# the printing test skips itself.
print_status=0
if [ $# -eq 0 ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  unshare -n bash -c "$inner" _ bash scripts/in-test-session.sh .venv/bin/python -m pytest -q \
    tests/ui/test_print_cups.py || print_status=$?
fi

status=0
if unshare -rnpf --mount-proc true 2>/dev/null; then
  unshare -rnpf --mount-proc bash -c "$inner" _ "${runner[@]}" || status=$?
elif unshare -rn true 2>/dev/null; then
  unshare -rn bash -c "$inner" _ "${runner[@]}" || status=$?
elif unshare -n true 2>/dev/null; then
  unshare -n bash -c "$inner" _ "${runner[@]}" || status=$?
else
  echo "run-tests: cannot create a network namespace here; tests still bind only to loopback" >&2
  "${runner[@]}" || status=$?
fi
if [ "$status" -eq 0 ] && [ "$print_status" -ne 0 ]; then
  echo "run-tests: the printing test (tests/ui/test_print_cups.py, real root) failed" >&2
  status=$print_status
fi
exit "$status"
