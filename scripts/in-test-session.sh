#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring whose
# files live in a temporary HOME, so tests use the real Secret Service backend and never
# touch the user's own keyring.
# With KEYRING_HOME=DIR the keyring's files persist in DIR (the demo uses that).
set -euo pipefail
if [ -n "${KEYRING_HOME:-}" ]; then
  mkdir -p "$KEYRING_HOME"
  tmp_home=$(cd "$KEYRING_HOME" && pwd)
else
  tmp_home=$(mktemp -d)
  trap 'rm -rf "$tmp_home"' EXIT
fi
export HOME="$tmp_home" XDG_DATA_HOME="$tmp_home/.local/share" XDG_CONFIG_HOME="$tmp_home/.config" \
  XDG_CACHE_HOME="$tmp_home/.cache" XDG_RUNTIME_DIR="$tmp_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec dbus-run-session -- bash -c '
    printf "%s" "test-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    exec "$@"' _ "$@"
fi
exec "$@"
