"""Bad input and faults during provisioning (issue 4): wrong setup code, a device that drops
the connection mid-provisioning, malformed / foreign / weak CSRs, a missing label, keyring
refused or unavailable. Each gives a clear per-device (or job-level) error, nothing secret is
reported, and the job resumes to completion once the cause is fixed. Real TLS to a running
virtual home, real gnome-keyring, real SQLite; faults are the virtual home's own hooks."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import keyring_fixtures
import provisioning_helpers as ph
import pytest
from keyrings.alt.file import PlaintextKeyring
from operator_fixtures import as_signed_in
from vh_fixtures import running_virtual_home

from commissioner.app.site import read_label_folder
from commissioner.errors import UserError
from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import (
    DEVICE_STEPS,
    ProgressEvent,
    RunOptions,
    commission_home,
    open_vault,
)
from commissioner.provisioning.setup_codes import (
    remember_labels,
    setup_code_name,
)
from commissioner.virtualhome.control import control
from commissioner.virtualhome.homefile import HomeFile

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeFile]:
    with running_virtual_home(tmp_path_factory.mktemp("provfaults") / "home",
                              scenario="standard") as h:
        yield h


def _fault(home: HomeFile, device_id: str, name: str, **kw: object) -> None:
    asyncio.run(control(home.directory, "fault", device_id, fault=name,
                        count=kw.get("count"), variant=kw.get("variant")))  # type: ignore[arg-type]


def test_faults_fail_their_device_clearly_and_the_job_resumes(
    home: HomeFile, tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    job = ph.certified_job(home, data, "F-1")
    devs = [d.device_id for d in home.devices]
    wrong_code, drop_ok, malformed, foreign, weak_rsa, weak_p384, drop_bad, no_label = devs[:8]
    _fault(home, drop_ok, "drop-during-provisioning", count=2, variant="after")
    _fault(home, malformed, "malformed-csr")
    _fault(home, foreign, "foreign-csr")
    _fault(home, weak_rsa, "weak-csr", variant="rsa-2048")
    _fault(home, weak_p384, "weak-csr", variant="p-384")
    _fault(home, drop_bad, "drop-during-provisioning", count=50)
    events: list[ProgressEvent] = []
    tr = ph.trust(home)
    with JobStore.open(ph.store_path(data), create=False) as store:
        vault = open_vault(as_signed_in(store), backend=secret_service.backend)
        labels = read_label_folder(home.labels_path)
        remember_labels(store, vault, job, labels)
        real_code = vault.get(job, setup_code_name(wrong_code))
        wrong = b"00000000" if real_code != b"00000000" else b"11111111"
        vault.put(job, setup_code_name(wrong_code), wrong)
        vault.delete(job, setup_code_name(no_label))
        opts = RunOptions(addresses=ph.addresses(home), progress=events.append,
                          max_attempts=3, backoff_initial_s=0.05)
        summary = asyncio.run(commission_home(store, vault, job, tr, opts))
        out = {o.device_id: o for o in summary.outcomes}
        expected = {
            wrong_code: "setup-code-rejected",
            malformed: "csr-malformed",
            foreign: "csr-wrong-identity",
            weak_rsa: "csr-weak-key",
            weak_p384: "csr-weak-key",
            drop_bad: "connection",
            no_label: "no-label",
        }
        for device_id, code in expected.items():
            o = out[device_id]
            assert o.status == "failed", o
            assert str(o.reason_code).startswith(code), o
            assert o.reason and o.action and "resume" in o.action
        assert "commission --job" in str(out[wrong_code].action)
        assert out[drop_ok].status == "provisioned"
        assert any(e.device_id == drop_ok and e.status == "retry" for e in events)
        assert not any(e.device_id == malformed and e.status == "retry" for e in events)
        ok = [d for d in [home.gateway.device_id, *devs] if d not in expected]
        assert all(out[d].status == "provisioned" for d in ok)
        assert all(out[d].gateway_authenticated for d in ok if d != home.gateway.device_id)
        # Nothing secret in events, summary or the failures recorded in the job.
        text = json.dumps(summary.to_json()) + "".join(e.message for e in events)
        text += json.dumps([s.to_json() for s in store.steps(job)])
        for lab in labels:
            assert lab.setup_code not in text
        assert wrong.decode() not in text
        # The device with the wrong code holds nothing from this job; fix and resume.
        for d in expected:
            _fault(home, d, "clear")
        vault.put(job, setup_code_name(wrong_code), real_code)
        remember_labels(store, vault, job, [lab for lab in labels if lab.device_id == no_label])
        events.clear()
        again = asyncio.run(commission_home(store, vault, job, tr, opts))
        assert again.ok, [o for o in again.outcomes if o.status != "provisioned"]
        assert again.count("provisioned") == len(devs) + 1
        rows = store.provisioning_steps(job)
        for d in [home.gateway.device_id, *devs]:
            assert set(DEVICE_STEPS) <= {r.step for r in rows if r.device_id == d and r.done}
        intents = Counter((s.device_id, s.detail["step"]) for s in store.steps(job)
                          if s.action == "provision.intent")
        assert max(intents.values()) == 1  # one intent record per step, retries counted
        assert store.verify_audit(job).ok
        creds = ph.job_credentials(vault, job, devs)
        addr = ph.addresses(home)
        assert asyncio.run(ph.admin_login_ok(*addr[wrong_code], tr, creds[wrong_code])) is True


def test_plaintext_and_missing_keyrings_are_refused_and_the_job_stays_resumable(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    with running_virtual_home(tmp_path / "home", scenario="home-20", devices=3) as home:
        _keyring_refusals(home, tmp_path, secret_service)


def _keyring_refusals(
    home: HomeFile, tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    job = ph.certified_job(home, data, "F-2")
    with JobStore.open(ph.store_path(data), create=False) as store, pytest.raises(
        UserError, match="file on disk"
    ):
        open_vault(store, backend=PlaintextKeyring())
    args = ["commission", "--job", job, "--read-box-labels", "--data-dir", str(data),
                "--virtual-home",
            str(home.directory), "--concurrency", "4"]
    plaintext = ph.run_cli(args, ph.cli_env(secret_service.bus_address, {
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}))
    assert plaintext.returncode == 1
    assert "keyring" in plaintext.stderr and "file on disk" in plaintext.stderr
    missing = ph.run_cli(args, ph.cli_env("unix:path=/nonexistent/bus", {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}))
    assert missing.returncode == 1
    assert "locked or unavailable" in missing.stderr
    with JobStore.open(ph.store_path(data), create=False) as store:
        assert store.provisioning_steps(job) == []  # refused before any action
        assert store.secret_names(job) == []
    ok = ph.run_cli(args, ph.cli_env(secret_service.bus_address))
    assert ok.returncode == 0, ok.stderr[-2000:]
