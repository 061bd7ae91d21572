"""The master key in the OS keyring: a real gnome-keyring Secret Service on a private D-Bus
session bus (tests/keyring_fixtures.py); unsafe backends are refused. No mocks."""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import keyring_fixtures
import pytest
import secretstorage
from keyring.backends import SecretService, chainer, fail, null
from keyring_fixtures import SecretServiceSession, private_secret_service

from commissioner.errors import UserError
from commissioner.secrets.keyring_guard import (
    MASTER_KEY_SERVICE,
    MASTER_KEY_USERNAME,
    MasterKey,
    check_keyring_backend,
)

ROOT = Path(__file__).resolve().parents[2]

# The real Secret Service fixtures (private D-Bus + gnome-keyring), shared via keyring_fixtures.
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def _plaintext_backend() -> object:
    alt_file = pytest.importorskip("keyrings.alt.file")
    return alt_file.PlaintextKeyring()


def _secret_tool_lookup(session: SecretServiceSession, service: str, user: str) -> str:
    if shutil.which("secret-tool") is None:
        if os.environ.get("CI"):
            pytest.fail("secret-tool (libsecret-tools) is not installed; CI must have it")
        pytest.skip("secret-tool (libsecret-tools) is not installed")
    result = subprocess.run(
        ["secret-tool", "lookup", "service", service, "username", user],
        env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=session.bus_address),
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_secret_service_backend_is_accepted(secret_service: SecretServiceSession) -> None:
    description = check_keyring_backend()
    assert "SecretService" in description
    assert check_keyring_backend(secret_service.backend) == description


def test_master_key_is_created_once_and_persists(
    secret_service: SecretServiceSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = "master-key-persist-test"
    first = MasterKey.load_or_create(MASTER_KEY_SERVICE, user)
    second = MasterKey.load_or_create(MASTER_KEY_SERVICE, user)
    assert isinstance(first, bytes) and len(first) == 32
    assert first == second
    # What the Secret Service holds, read by an independent client (libsecret's secret-tool).
    stored = _secret_tool_lookup(secret_service, MASTER_KEY_SERVICE, user)
    assert base64.b64decode(stored) == first
    # Another process (the CLI after the GUI, say) gets the same key.
    code = (
        "import keyring; from keyring.backends import SecretService;"
        "keyring.set_keyring(SecretService.Keyring());"
        "from commissioner.secrets.keyring_guard import MasterKey;"
        f"print(MasterKey.load_or_create('commissioner', {user!r}).hex())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=secret_service.bus_address),
    )
    assert out.returncode == 0, out.stderr
    assert bytes.fromhex(out.stdout.strip()) == first
    # The key never reaches the log.
    for form in (first.hex(), base64.b64encode(first).decode(), repr(first)):
        assert form not in caplog.text


def test_default_names_are_the_designed_ones(secret_service: SecretServiceSession) -> None:
    key = MasterKey.load_or_create()
    assert MASTER_KEY_SERVICE == "commissioner" and MASTER_KEY_USERNAME == "master-key-v1"
    assert base64.b64decode(secret_service.backend.get_password(
        "commissioner", "master-key-v1")) == key


def test_a_damaged_entry_is_refused_and_left_untouched(
    secret_service: SecretServiceSession,
) -> None:
    user = "master-key-damaged-test"
    secret_service.backend.set_password(MASTER_KEY_SERVICE, user, "not-a-key")
    with pytest.raises(UserError, match="not a commissioner master key") as info:
        MasterKey.load_or_create(MASTER_KEY_SERVICE, user)
    assert info.value.hint
    assert secret_service.backend.get_password(MASTER_KEY_SERVICE, user) == "not-a-key"
    short = base64.b64encode(b"x" * 16).decode()
    secret_service.backend.set_password(MASTER_KEY_SERVICE, user, short)
    with pytest.raises(UserError, match="not a commissioner master key"):
        MasterKey.load_or_create(MASTER_KEY_SERVICE, user)


def test_plaintext_backend_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    backend = _plaintext_backend()
    with pytest.raises(UserError, match="cannot hold the master key") as info:
        check_keyring_backend(backend)  # type: ignore[arg-type]
    assert "PlaintextKeyring" in str(info.value)
    assert info.value.hint and "keyrings.alt" in info.value.hint
    with pytest.raises(UserError, match="cannot hold the master key"):
        MasterKey.load_or_create(backend=backend)  # type: ignore[arg-type]
    # Nothing was written anywhere under the (temporary) home.
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_plaintext_default_backend_is_refused(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    previous = keyring.get_keyring()
    keyring.set_keyring(_plaintext_backend())  # type: ignore[arg-type]
    try:
        with pytest.raises(UserError, match="file on disk"):
            check_keyring_backend()
        with pytest.raises(UserError):
            MasterKey.load_or_create()
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_fail_and_null_backends_are_refused(backend: keyring.backend.KeyringBackend) -> None:
    with pytest.raises(UserError, match="stores nothing") as info:
        check_keyring_backend(backend)
    assert info.value.hint
    with pytest.raises(UserError):
        MasterKey.load_or_create(backend=backend)


class _EmptyChain(chainer.ChainerBackend):
    backends = []  # type: ignore[assignment]  # noqa: RUF012 - what an empty chain holds


def test_chain_without_usable_member_is_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with pytest.raises(UserError, match="chain is empty"):
        check_keyring_backend(_EmptyChain())

    class PlaintextOnly(chainer.ChainerBackend):
        backends = [_plaintext_backend(), fail.Keyring()]  # type: ignore[assignment]  # noqa: RUF012

    with pytest.raises(UserError, match="no usable member"):
        check_keyring_backend(PlaintextOnly())


def test_chain_that_writes_to_plaintext_first_is_refused(
    secret_service: SecretServiceSession,
) -> None:
    class PlaintextFirst(chainer.ChainerBackend):
        backends = [_plaintext_backend(), secret_service.backend]  # type: ignore[assignment]  # noqa: RUF012

    with pytest.raises(UserError, match=r"would write to .*PlaintextKeyring first"):
        check_keyring_backend(PlaintextFirst())

    class SecretServiceFirst(chainer.ChainerBackend):
        backends = [secret_service.backend, _plaintext_backend()]  # type: ignore[assignment]  # noqa: RUF012

    assert "writes go to keyring.backends.SecretService" in check_keyring_backend(
        SecretServiceFirst()
    )


def test_missing_secret_service_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    backend = SecretService.Keyring()
    with pytest.raises(UserError, match="the OS keyring is locked or unavailable") as info:
        check_keyring_backend(backend)
    assert info.value.hint and "Secret Service" in info.value.hint
    with pytest.raises(UserError, match="the OS keyring is locked or unavailable"):
        MasterKey.load_or_create(backend=backend)


def test_bus_without_secret_service_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("dbus-daemon") is None:
        if os.environ.get("CI"):
            pytest.fail("dbus-daemon is not installed; CI must have it")
        pytest.skip("dbus-daemon is not installed")
    # A session bus with no activatable services at all: nothing answers org.freedesktop.secrets.
    config = tmp_path / "session.conf"
    config.write_text(
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\""
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">"
        "<busconfig><type>session</type>"
        f"<listen>unix:dir={tmp_path}</listen>"
        "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
        "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>"
    )
    out = subprocess.run(
        ["dbus-daemon", f"--config-file={config}", "--fork", "--print-address=1",
         "--print-pid=1"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.split()
    address, pid = out[0], int(out[1])
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        with pytest.raises(UserError, match="the OS keyring is locked or unavailable"):
            MasterKey.load_or_create(backend=SecretService.Keyring())
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)


def test_locked_keyring_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own daemons: locking the shared session's collection would break other tests.
    with private_secret_service(tmp_path) as session:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.bus_address)
        backend = SecretService.Keyring()
        before = MasterKey.load_or_create(backend=backend)
        with contextlib.closing(secretstorage.dbus_init()) as conn:
            collection = secretstorage.get_default_collection(conn)
            collection.lock()
            assert collection.is_locked()
        with pytest.raises(UserError, match="the OS keyring is locked or unavailable") as info:
            MasterKey.load_or_create(backend=backend)
        assert info.value.hint and "Unlock" in info.value.hint
        assert before.hex() not in str(info.value) + str(info.value.hint)
