#!/usr/bin/env bash
# Sets up everything, starts the built-in virtual home (about a dozen devices, loopback only)
# and opens the commissioner GUI scanning it. With no display, the GUI runs offscreen and saves a
# screenshot instead. Arguments go to the GUI, e.g. scripts/run-demo.sh --lang en
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Without a desktop session there is no OS keyring: run the whole demo in a private Secret
# Service whose files stay in artifacts/ (it never touches the user's own keyring).
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${COMMISSIONER_DEMO_SESSION:-}" ]; then
  export COMMISSIONER_DEMO_SESSION=1 KEYRING_HOME="$PWD/artifacts/demo-keyring"
  exec bash scripts/in-test-session.sh bash "$0" "$@"
fi
# The training company's support desk and owner app (the owner's sheet prints them).
export COMMISSIONER_CONFIG_DIR="$PWD/artifacts/demo-config"
if [ ! -f "$COMMISSIONER_CONFIG_DIR/settings.toml" ]; then
  mkdir -p "$COMMISSIONER_CONFIG_DIR"
  cat >"$COMMISSIONER_CONFIG_DIR/settings.toml" <<'TOML'
[support]
name = "研修用サポート窓口"
phone = "0120-000-000"
hours = "9:00-18:00"
[owner_app]
name = "スマートホーム オーナー"
how = "App Store / Google Play で検索"
TOML
fi

home_dir=${COMMISSIONER_DEMO_HOME:-artifacts/demo-home}
mkdir -p "$home_dir" artifacts/screenshots
log=artifacts/virtual-home.log
.venv/bin/commissioner virtual-home --devices 12 --scenario standard --state-dir "$home_dir" >"$log" 2>&1 &
vh_pid=$!
trap 'kill "$vh_pid" 2>/dev/null || true; wait "$vh_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q "virtual home ready" "$log" 2>/dev/null && break
  kill -0 "$vh_pid" 2>/dev/null || { cat "$log" >&2; echo "demo: the virtual home did not start" >&2; exit 1; }
  sleep 0.1
done
grep -q "virtual home ready" "$log" || { cat "$log" >&2; exit 1; }
echo "demo: $(grep 'virtual home ready' "$log")"

# A demo job to work in (created once; the store lives under artifacts/).
export COMMISSIONER_DATA_DIR="$PWD/artifacts/demo-data"
job=$(.venv/bin/commissioner job show DEMO-1 --json 2>/dev/null | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null || true)
if [ -z "$job" ]; then
  job=$(.venv/bin/commissioner job new --job-number DEMO-1 --site-name "さくら邸（研修）" \
        --site-address "東京都世田谷区桜1-2-3" --level 3 --personal-data yes --life-or-property yes --operator "研修 太郎" --json |
        .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["id"])')
fi
# The demo reads the training boxes' labels for the trainee (--read-box-labels); in a real home
# every label is scanned or typed.
gui=(.venv/bin/commissioner-gui --virtual-home "$home_dir" --job "$job" --scan --read-box-labels)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  shot="$PWD/artifacts/screenshots/main-window.png"
  QT_QPA_PLATFORM=offscreen "${gui[@]}" --screenshot "$shot" --quit-after 4 "$@"
  echo "demo: no display here, so the GUI ran offscreen; screenshot saved to $shot"
else
  "${gui[@]}" "$@"
fi
