#!/usr/bin/env bash
# Known vulnerabilities in the pinned dependency set (requirements.lock), checked offline with
# pip-audit against an OSV-format advisory file (a copy of the advisories the security team
# provides; see packaging/README.md). Nothing leaves the machine: the advisories are served on
# 127.0.0.1 by packaging/osv_offline.py, and pip-audit reads the hashed lock without pip.
# Usage: packaging/audit-offline.sh ADVISORIES.json [extra pip-audit options]
# Exit status: 0 no known vulnerability, 1 some found (listed), 2 usage or file errors.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: packaging/audit-offline.sh ADVISORIES.json [pip-audit options]" >&2; exit 2
fi
advisories=$1; shift
PY=${PYTHON:-.venv/bin/python}
exec "$PY" packaging/osv_offline.py --advisories "$advisories" -- \
  "$PY" -m pip_audit --requirement requirements.lock --disable-pip --require-hashes \
  --vulnerability-service osv --osv-url '{osv_url}' --progress-spinner off \
  --cache-dir "${TMPDIR:-/tmp}/commissioner-audit-cache" "$@"
