#!/usr/bin/env bash
# Smoke test of the frozen build: the simulator runs from the source install (.venv), the
# frozen app is the product. Inside a network namespace of its own (only loopback exists):
#   1. a virtual home with N devices starts (source venv);
#   2. the frozen `commissioner scan --virtual-home DIR --json` must list every device;
#   3. the frozen `commissioner-gui` starts offscreen on the same home, scans and saves a
#      screenshot (Qt platform plugins, translations and fonts load from the bundle);
#   4. the frozen CLI reports the package version (the metadata travels with the bundle).
# Usage: packaging/smoke.sh [DIST_DIR]   (default dist/commissioner)
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=$(realpath "${1:-dist/commissioner}")
DEVICES=${SMOKE_DEVICES:-4}

if [ -z "${COMMISSIONER_SMOKE_NS:-}" ]; then
  export COMMISSIONER_SMOKE_NS=1
  for flags in -rn -n; do
    if unshare "$flags" true 2>/dev/null; then
      exec unshare "$flags" bash "$0" "$DIST"
    fi
  done
  echo "smoke: cannot create a network namespace here; refusing to run off loopback" >&2
  exit 1
fi
ip link set lo up

for exe in commissioner commissioner-gui; do
  [ -x "$DIST/$exe" ] || { echo "smoke: $DIST/$exe is missing (build first)" >&2; exit 1; }
done

work=$(mktemp -d)
vh_pid=""
cleanup() {
  if [ -n "$vh_pid" ] && kill -0 "$vh_pid" 2>/dev/null; then
    kill "$vh_pid" 2>/dev/null || true
    wait "$vh_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
export COMMISSIONER_DATA_DIR="$work/data" COMMISSIONER_CONFIG_DIR="$work/config"
export QT_QPA_PLATFORM=offscreen PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring

# 1. The virtual home, from the source install.
.venv/bin/commissioner virtual-home --state-dir "$work/home" --scenario standard \
  --devices "$DEVICES" >"$work/vh.out" 2>"$work/vh.err" &
vh_pid=$!
for _ in $(seq 120); do
  grep -q "^virtual home ready:" "$work/vh.out" && break
  kill -0 "$vh_pid" 2>/dev/null || break
  sleep 0.5
done
if ! grep -q "^virtual home ready:" "$work/vh.out"; then
  echo "smoke: the virtual home did not start:" >&2; tail -20 "$work/vh.err" >&2; exit 1
fi

# 2. The frozen CLI lists the devices.
start=$(date +%s%N)
"$DIST/commissioner" scan --virtual-home "$work/home" --json --timeout 8 \
  --expect "$((DEVICES + 1))" >"$work/scan.json"
end=$(date +%s%N)
.venv/bin/python - "$work/scan.json" "$work/home/home.json" <<'PY'
import json, sys
seen = json.load(open(sys.argv[1], encoding="utf-8"))
home = json.load(open(sys.argv[2], encoding="utf-8"))
listed = {d["device_id"] for d in home["devices"]}
gateway = home.get("gateway")
if isinstance(gateway, dict) and gateway.get("device_id"):
    listed.add(gateway["device_id"])
found = {d.get("id") for d in seen}
missing = listed - found
if missing or not listed:
    sys.exit(f"smoke: the frozen app did not list {sorted(missing)} (saw {sorted(found)})")
print(f"smoke: the frozen app listed all {len(listed)} devices of the virtual home "
      "(gateway included)")
PY
echo "smoke: the frozen scan took $(((end - start) / 1000000)) ms"

# 3. The frozen GUI, offscreen, on the same home.
"$DIST/commissioner-gui" --virtual-home "$work/home" --lang ja --quit-after 3 \
  --screenshot "$work/gui.png" >"$work/gui.out" 2>"$work/gui.err" || {
  echo "smoke: the frozen GUI failed:" >&2; cat "$work/gui.out" "$work/gui.err" >&2; exit 1; }
grep -q "screenshot saved" "$work/gui.out" || { cat "$work/gui.out" "$work/gui.err" >&2; exit 1; }
size=$(stat -c %s "$work/gui.png")
[ "$size" -gt 10000 ] || { echo "smoke: the GUI screenshot is empty ($size bytes)" >&2; exit 1; }
if [ -n "${SMOKE_SCREENSHOT:-}" ]; then cp "$work/gui.png" "$SMOKE_SCREENSHOT"; fi
echo "smoke: the frozen GUI started offscreen and drew its window ($size bytes PNG)"

# 4. The version from the bundled metadata.
want=$(.venv/bin/python -c 'from importlib.metadata import version; print(version("commissioner"))')
got=$("$DIST/commissioner" --version)
[ "$got" = "commissioner $want" ] || { echo "smoke: version '$got', expected $want" >&2; exit 1; }
echo "smoke: ok ($got)"
