"""A real, private Secret Service for tests: its own D-Bus session bus and gnome-keyring.

Use from a test module with ``import keyring_fixtures`` and module-level
``_secret_service_daemons = keyring_fixtures._secret_service_daemons`` plus
``secret_service = keyring_fixtures.secret_service``
(``tests/`` is on ``sys.path``; see conftest.py). The ``secret_service`` fixture

* starts ``dbus-daemon --session --fork --print-address=1 --print-pid=1`` and
  ``gnome-keyring-daemon --foreground --unlock --components=secrets`` (password piped on stdin)
  with HOME and the XDG folders in a temp dir, so the user's own keyring is never touched;
* points ``DBUS_SESSION_BUS_ADDRESS`` at that bus for the test and pins
  ``keyring.set_keyring(SecretService.Keyring())``;
* stops both daemons by their process ids afterwards.

It always starts its own bus, so it works the same when the whole run is already inside
``scripts/in-test-session.sh`` (that session's keyring is simply not used). Tests are skipped
if the daemons are not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import SecretService

KEYRING_PASSWORD = "test-keyring-password"
SECRETS_NAME = "org.freedesktop.secrets"


@dataclass(frozen=True)
class SecretServiceSession:
    bus_address: str
    home: Path
    dbus_pid: int
    keyring_pid: int
    backend: keyring.backend.KeyringBackend


def _wait_for_secret_service(address: str, deadline: float) -> None:
    """Wait until *our* gnome-keyring owns org.freedesktop.secrets and its default collection
    is unlocked. Only NameHasOwner is asked until then: any call to the name itself would make
    the session bus auto-activate a second, password-less gnome-keyring that could win it."""
    import secretstorage
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with contextlib.closing(open_dbus_connection(address)) as bus:
        while not bus.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME)).body[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("gnome-keyring did not take its name on the private bus")
            time.sleep(0.02)
    env_before = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    try:
        while True:
            with contextlib.closing(secretstorage.dbus_init()) as conn:
                try:
                    if not secretstorage.get_default_collection(conn).is_locked():
                        return
                except secretstorage.exceptions.SecretStorageException:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError("gnome-keyring's default collection did not unlock")
            time.sleep(0.05)
    finally:
        if env_before is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = env_before


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


@contextlib.contextmanager
def private_secret_service(base: Path) -> Iterator[SecretServiceSession]:
    """Start a private D-Bus session bus plus an unlocked gnome-keyring under ``base``."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            missing = f"{tool} is not installed (apt-get install dbus gnome-keyring)"
            if os.environ.get("CI"):
                pytest.fail(f"{missing}; CI must run the real keyring tests")
            pytest.skip(missing)
    home = base / "home"
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(base / "run"),
    )
    env.pop("GNOME_KEYRING_CONTROL", None)
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    os.chmod(env["XDG_RUNTIME_DIR"], 0o700)
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env=env, capture_output=True, text=True, check=True, timeout=30,
    ).stdout.split()
    address, dbus_pid = out[0], int(out[1])
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_proc: subprocess.Popen[bytes] | None = None
    log_path = base / "gnome-keyring.log"
    log = log_path.open("wb")
    try:
        keyring_proc = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=env, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert keyring_proc.stdin is not None
        keyring_proc.stdin.write(KEYRING_PASSWORD.encode())
        keyring_proc.stdin.close()
        try:
            _wait_for_secret_service(address, time.monotonic() + 20)
        except RuntimeError as err:
            state = keyring_proc.poll()
            raise RuntimeError(
                f"{err} (daemon exit status {state}); its output: "
                f"{log_path.read_text(errors='replace')[-2000:]}"
            ) from None
        yield SecretServiceSession(
            address, home, dbus_pid, keyring_proc.pid, SecretService.Keyring()
        )
    finally:
        if keyring_proc is not None:
            keyring_proc.terminate()
            try:
                keyring_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                keyring_proc.kill()
                keyring_proc.wait(timeout=10)
        _kill(dbus_pid)
        log.close()


@pytest.fixture(scope="session")
def _secret_service_daemons(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SecretServiceSession]:
    with private_secret_service(tmp_path_factory.mktemp("secret-service")) as session:
        _same_installation(session.bus_address)
        yield session


def _same_installation(bus_address: str) -> None:
    """Give the private keyring the run's installation items (master key, session key and the
    operator store's anchor), as if the same laptop's keyring: the test operator signed in for
    the run (conftest.py) is then signed in on this keyring too. Nothing is relaxed: a token or
    an operator store is checked against these items exactly as on the run's own keyring."""
    accounts = os.environ.get("COMMISSIONER_ACCOUNTS_DIR")
    if not accounts:
        return
    from commissioner.operators.keyring_items import store_item
    from commissioner.operators.store import FILE_NAME

    names = ["master-key-v1", "session-key-v1", store_item(Path(accounts) / FILE_NAME)]
    try:
        source = keyring.get_keyring()
        values = {n: source.get_password("commissioner", n) for n in names}
    except Exception:  # noqa: BLE001 - no run keyring: nobody is signed in, nothing to copy
        return
    before = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    try:
        target = SecretService.Keyring()
        for name, value in values.items():
            if value is not None:
                target.set_password("commissioner", name, value)
    finally:
        if before is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = before


@pytest.fixture
def secret_service(
    _secret_service_daemons: SecretServiceSession, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretServiceSession]:
    """A real unlocked Secret Service for this test, pinned as the keyring backend."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemons.bus_address)
    previous = keyring.get_keyring()
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        yield SecretServiceSession(
            _secret_service_daemons.bus_address, _secret_service_daemons.home,
            _secret_service_daemons.dbus_pid, _secret_service_daemons.keyring_pid, backend,
        )
    finally:
        keyring.set_keyring(previous)
