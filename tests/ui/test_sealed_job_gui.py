"""GUI end to end: a handed-over job (a training home commissioned and handed over through the
CLI) opens read-only in the main window with its documents and history; "Verify now" runs the
verification and shows the findings grouped by requirement ID; in Japanese and English, with
screenshots in /tmp/shots/verify/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner.virtualhome.homefile import HomeFile
from ui import i18n
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow
from ui.sealed_job_view import SealedJobWindow

REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 90_000
SHOTS = Path("/tmp/shots/verify")
ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "262144"}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HomeFile, Path, str]]:
    base = tmp_path_factory.mktemp("sealed-gui")
    data = base / "data"
    with running_virtual_home(base / "home", scenario="standard", devices=2, env=ENV) as home:
        env = {**os.environ, **ENV, "COMMISSIONER_DATA_DIR": str(data),
               "QT_QPA_PLATFORM": "offscreen"}

        def cli(*args: str) -> str:
            r = subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                               capture_output=True, text=True, timeout=240, cwd=REPO, env=env)
            assert r.returncode == 0, (args, r.stderr[-2000:])
            return r.stdout

        job = json.loads(cli("job", "new", "--job-number", "G-1", "--site-name", "楓邸",
                             "--site-address", "札幌市", "--level", "2",
                                     "--personal-data", "no", "--life-or-property", "no",
                                     "--reason", "agreed with the owner", "--operator", "高橋",
                             "--json"))["id"]
        vh = ["--virtual-home", str(home.directory), "--read-box-labels"]
        cli("certify", "--job", job, "--scan-timeout", "8", *vh)
        cli("commission", "--job", job, *vh)
        cli("update", "--job", job, "--reboot-timeout", "20", *vh)
        report = data / "reports" / f"{job}-handover-report.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        cli("handover", "--job", job, "--report", str(report), *vh)
        yield home, data, job


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_handed_over_job_opens_read_only_and_verifies(
    qtbot: QtBot, qapp: QApplication, bridge: AsyncBridge, language: str,
    sealed: tuple[HomeFile, Path, str], lang: str,
) -> None:
    del language
    home, data, job = sealed
    i18n.install_language(qapp, lang)
    service = JobService(data / "jobs.sqlite3", data_dir=data, virtual_home=home.directory)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.job_files.open_job(job)
    qtbot.waitUntil(lambda: isinstance(window.job_files.sealed_job_window, SealedJobWindow),
                    timeout=WAIT_MS)
    view = window.job_files.sealed_job_window
    assert isinstance(view, SealedJobWindow)
    qtbot.waitUntil(lambda: view.view is not None, timeout=WAIT_MS)
    assert view.isVisible() and "G-1" in view.header.text()
    expected_title = {"ja": "引き渡し済みの作業（閲覧のみ）",
                      "en": "Handed-over job (read-only)"}[lang]
    assert view.windowTitle() == expected_title
    docs = [view.documents.item(i).text() for i in range(view.documents.count())]
    assert f"{job}-handover-report.json" in docs
    history = [view.history.item(i).text() for i in range(view.history.count())]
    assert any("job.close" in h for h in history)
    with qtbot.waitSignal(view.controller.verified, timeout=WAIT_MS):
        view.verify_button.click()
    v = view.verification
    assert v is not None and v.matches, [f.code for f in v.findings]
    reqs = {view.findings.topLevelItem(i).text(0): view.findings.topLevelItem(i).text(1)
            for i in range(view.findings.topLevelItemCount())}
    ok = {"ja": "適合", "en": "pass"}[lang]
    assert {"R2-3", "SR2-H-2", "SR2-H-4", "R3-5"} <= set(reqs), reqs
    assert set(reqs.values()) == {ok}, reqs
    assert view.summary.text() == {"ja": "この住まいは引き渡し時の状態と一致しています",
                                   "en": "This home matches its state at handover"}[lang]
    qtbot.waitUntil(lambda: any("verify.completed" in view.history.item(i).text()
                                for i in range(view.history.count())), timeout=WAIT_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / f"sealed-job-verified-{lang}.png"))
    view.tabs.setCurrentIndex(1)
    view.grab().save(str(SHOTS / f"sealed-job-history-{lang}.png"))
    view.close()


@pytest.mark.parametrize(("lang", "drift", "code", "entry"), [
    ("ja", "default-login", "default-login-enabled", "remediate.reprovisioned"),
    ("en", "acl-entry", "acl-differs", "remediate.reprovisioned"),
])
def test_a_finding_is_remediated_from_the_verification_view(
    qtbot: QtBot, qapp: QApplication, bridge: AsyncBridge, language: str,
    sealed: tuple[HomeFile, Path, str], lang: str, drift: str, code: str, entry: str,
) -> None:
    """A drifted device: "Verify now" finds it, the finding's remediation starts from the
    view, and the verification that follows it shows the home matching again."""
    del language
    home, data, job = sealed
    device = home.devices[0].device_id
    r = subprocess.run([sys.executable, "-m", "commissioner.cli", "virtual-home", "ctl",
                        str(home.directory), "drift", drift, device],
                       capture_output=True, text=True, timeout=60, cwd=REPO)
    assert r.returncode == 0, r.stderr
    i18n.install_language(qapp, lang)
    service = JobService(data / "jobs.sqlite3", data_dir=data, virtual_home=home.directory)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.job_files.open_job(job)
    qtbot.waitUntil(lambda: isinstance(window.job_files.sealed_job_window, SealedJobWindow),
                    timeout=WAIT_MS)
    view = window.job_files.sealed_job_window
    assert isinstance(view, SealedJobWindow)
    qtbot.waitUntil(lambda: view.view is not None, timeout=WAIT_MS)
    assert not view.remediate_button.isEnabled()  # nothing selected
    with qtbot.waitSignal(view.controller.verified, timeout=WAIT_MS):
        view.verify_button.click()
    before = view.verification
    assert before is not None and not before.matches
    assert {(f.code, f.device_id) for f in before.findings if f.is_difference} == {
        (code, device)}, [f.code for f in before.findings]
    assert view.select_finding(code, device)
    assert view.remediate_button.isEnabled()
    assert device in view.remedy_note.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / f"sealed-job-finding-{lang}.png"))
    with qtbot.waitSignal(view.controller.remediated, timeout=WAIT_MS) as done:
        view.remediate_button.click()
        assert not view.verify_button.isEnabled()  # one operation at a time
    remediation = done.args[0]
    assert remediation.action == "reprovision" and remediation.device_id == device
    qtbot.waitUntil(lambda: view.verification is not before, timeout=WAIT_MS)
    after = view.verification
    assert after is not None and after.matches, [f.code for f in after.findings]
    assert view.summary.text() == {"ja": "この住まいは引き渡し時の状態と一致しています",
                                   "en": "This home matches its state at handover"}[lang]
    assert f"#{remediation.followup_idx}" in view.remedy_note.text()
    # The remediation and the verification after it are in the follow-up log.
    def logged() -> list[str]:
        return [view.history.item(i).text() for i in range(view.history.count())]
    qtbot.waitUntil(lambda: any(f"#{remediation.followup_idx} " in h and entry in h
                                for h in logged()), timeout=WAIT_MS)
    tail = logged()[-1]
    assert "verify.completed" in tail, logged()
    view.grab().save(str(SHOTS / f"sealed-job-remediated-{lang}.png"))
    view.close()
