"""The command line in Japanese (``LANG=ja_JP.UTF-8``) against a running mixed-faults virtual
home: every line it prints - results, refusals and what to do next - is Japanese. Only model
numbers, ids, addresses, hex, paths, command lines and the devices' own names may stay as they
are (see :mod:`japanese_text`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring_fixtures
import pytest
from gate_helpers import manifest
from japanese_text import english_words
from vh_fixtures import running_virtual_home

from commissioner.cli import main
from commissioner.virtualhome.homefile import HomeFile


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeFile]:
    with running_virtual_home(tmp_path_factory.mktemp("ja-cli") / "home",
                              scenario="mixed-faults") as h:
        yield h


_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


@pytest.fixture
def japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COMMISSIONER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")


def device_words(home: HomeFile) -> list[str]:
    """What the devices say about themselves (manufacturer and product names): data, not
    the app's words."""
    words: list[str] = []
    for d in manifest(home).values():
        words += [str(d.get(k, "")) for k in ("manufacturer", "model", "product_name", "serial")]
    return words


def run(capsys: pytest.CaptureFixture[str], home: HomeFile, data: Path,
        *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([*argv, "--data-dir", str(data), "--virtual-home", str(home.directory)])
    out, err = capsys.readouterr()
    return code, out + err


def assert_japanese(text: str, home: HomeFile) -> None:
    assert text.strip()
    # The signed-in account's name ("tester") is a name, like the devices' own words.
    leftovers = english_words(text, allowed=[*device_words(home), "tester"])
    assert not leftovers, f"English left in Japanese output: {leftovers}\n{text}"


def test_the_command_line_speaks_japanese_under_a_japanese_locale(
    home: HomeFile, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    japanese: None, secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    data = tmp_path / "data"
    capsys.readouterr()
    assert main(["job", "new", "--job-number", "J-15", "--site-name", "田中邸",
                 "--site-address", "千代田区1-1", "--level", "3", "--personal-data", "yes",
                 "--life-or-property", "yes", "--operator", "佐藤", "--json",
                 "--data-dir", str(data), "--virtual-home", str(home.directory)]) == 0
    job = str(json.loads(capsys.readouterr().out)["id"])

    code, text = run(capsys, home, data, "scan", "--timeout", "2")
    assert code == 0 and "台" in text
    assert_japanese(text, home)

    # Commission before certify: one refusal that says to run certify first, nothing made.
    code, text = run(capsys, home, data, "commission", "--job", job)
    assert code == 1
    assert "certify" in text and "先に" in text
    assert len(text.strip().splitlines()) == 1  # one line that names the next step
    assert_japanese(text, home)

    code, text = run(capsys, home, data, "certify", "--job", job, "--scan-timeout", "4")
    assert code == 6  # the mixed-faults home has blocked devices
    assert "偽造の疑い" in text and "遮断" in text
    assert_japanese(text, home)

    # A refusal that names the cause and the next step: the gateway cannot be taken out.
    gateway = home.gateway.device_id
    code, text = run(capsys, home, data, "device", "remove", "--job", job, gateway,
                     "--reason", "故障")
    assert code == 1 and "ゲートウェイ" in text
    assert_japanese(text, home)

    code, text = run(capsys, home, data, "job", "show", "no-such-job")
    assert code == 1 and "commissioner job list" in text
    assert_japanese(text, home)

    code, text = run(capsys, home, data, "job", "show", job)
    assert code == 0 and "田中邸" in text and "サービスレベル" in text
    assert_japanese(text, home)


def test_english_stays_the_default_outside_a_japanese_locale(
    home: HomeFile, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("COMMISSIONER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, text = run(capsys, home, tmp_path / "data", "job", "show", "nope")
    assert code == 1
    assert "There is no job store at" in text and "hint: Create a job" in text
    capsys.readouterr()
    assert main(["--lang", "ja", "job", "show", "nope", "--data-dir",
                 str(tmp_path / "data")]) == 1
    assert "ジョブ保管庫がありません" in capsys.readouterr().err
