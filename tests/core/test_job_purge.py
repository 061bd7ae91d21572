"""Purging a handed-over job's secrets (SR3-PP-14, issue 16): refused while they exist only on
this laptop, done once a bundle with the credentials went to the support organisation, recorded
in the follow-up log, and commands that need them then say they were purged. Also the setting
that purges right after such an export. Real keyring, real SQLite, real bundles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import keyring_fixtures
import operator_fixtures as of
import pytest

from commissioner.app.bundles import export_job, import_bundle, write_card
from commissioner.app.context import AppContext, make_context
from commissioner.app.jobs import create_job
from commissioner.app.purge import purge_job_secrets
from commissioner.app.signin import SignInRequiredError
from commissioner.cli import main
from commissioner.errors import UserError
from commissioner.secrets.job_vault import open_vault
from commissioner.secrets.vault import SecretPurgedError, SecretSealedError

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
Session = keyring_fixtures.SecretServiceSession
SECRETS = {"home-ca.key": b"home ca key", "admin/lock-1": b"admin credential",
           "label/lock-1/setup-code": b"12345678"}


@pytest.fixture
def installer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              secret_service: Session) -> AppContext:
    monkeypatch.setenv("COMMISSIONER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMMISSIONER_ACCOUNTS_DIR", str(tmp_path))
    monkeypatch.delenv("COMMISSIONER_SESSION", raising=False)
    with of.fast_kdf():
        who = of.sign_in_here(tmp_path, "installer", user="inst")
    return replace(make_context(data_dir=tmp_path), operator=who)


def _closed_job(ctx: AppContext, number: str = "P-1") -> str:
    job_id = create_job(ctx, job_number=number, site_name="さくら邸", site_address="東京都",
                        service_level=2, operator="").id
    with ctx.store() as store:
        vault = open_vault(store)
        for name, value in SECRETS.items():
            vault.put(job_id, name, value)
        store.close_job(job_id)
    return job_id


def test_purge_refuses_without_escrow_then_removes_the_secrets(
    installer: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = _closed_job(installer)
    with pytest.raises(UserError, match="not escrowed: they exist only on this laptop"):
        purge_job_secrets(installer, job_id)
    export_job(installer, job_id, out=tmp_path / "plain.bundle", to=None)  # no credentials
    with pytest.raises(UserError, match="not escrowed"):
        purge_job_secrets(installer, job_id)
    with installer.store() as store:
        assert open_vault(store).get(job_id, "admin/lock-1") == b"admin credential"

    support_card = tmp_path / "support.card"
    write_card(support_card)  # stands for the support organisation's installation card
    sent = export_job(installer, job_id, out=tmp_path / "escrow.bundle", to=support_card)
    assert sent.secrets == 2  # home CA key and admin credential; setup codes stay on labels
    done = purge_job_secrets(installer, job_id)
    assert done.removed == 3 and done.escrow_sha256 == sent.sha256

    with installer.store() as store:
        assert store.secret_names(job_id) == []  # the job's key went too
        with pytest.raises(SecretPurgedError, match="purged from this laptop") as err:
            open_vault(store).get(job_id, "admin/lock-1")
        assert "ask support" in (err.value.hint or "").lower()
        purged = [s for s in store.followup_steps(job_id) if s.action == "secrets.purged"]
        assert [(s.operator, s.detail["removed"]) for s in purged] == [("inst", 3)]
        assert store.verify_followup(job_id).ok
    assert main(["job", "purge", "--job", job_id, "--data-dir", str(tmp_path)]) == 1
    assert "already purged" in capsys.readouterr().err


def test_an_open_job_is_not_purged_and_support_only_roles_apply(
    installer: AppContext, tmp_path: Path
) -> None:
    job_id = create_job(installer, job_number="P-2", site_name="s", site_address="a",
                        service_level=2, operator="").id
    with pytest.raises(UserError, match="not handed over"):
        purge_job_secrets(installer, job_id)
    with of.fast_kdf():
        tech = of.add(tmp_path, "tech", "technician")
    with pytest.raises(SignInRequiredError, match=r"tech may not start job\.purge"):
        purge_job_secrets(replace(installer, operator=tech), job_id)


def test_the_setting_purges_right_after_an_escrow_export(
    installer: AppContext, tmp_path: Path
) -> None:
    job_id = _closed_job(installer)
    settings = tmp_path / "config" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[secrets]\npurge_after_export = true\n", encoding="utf-8")
    import os

    os.environ["COMMISSIONER_SETTINGS"] = str(settings)
    try:
        ctx = replace(make_context(data_dir=tmp_path), operator=installer.operator)
    finally:
        del os.environ["COMMISSIONER_SETTINGS"]
    card = tmp_path / "support.card"
    write_card(card)
    export_job(ctx, job_id, out=tmp_path / "escrow.bundle", to=card)
    with ctx.store() as store:
        assert store.secret_names(job_id) == []
        assert [s.action for s in store.followup_steps(job_id)][-2:] == [
            "bundle.exported", "secrets.purged"]


def test_an_imported_job_gets_its_own_key_released_to_support(
    installer: AppContext, tmp_path: Path
) -> None:
    job_id = _closed_job(installer)
    card = tmp_path / "support.card"
    write_card(card)
    export_job(installer, job_id, out=tmp_path / "escrow.bundle", to=card)
    with of.fast_kdf():
        support = of.add(tmp_path, "supp", "support")
    desk = replace(make_context(data_dir=tmp_path / "desk"), operator=support)
    done = import_bundle(desk, tmp_path / "escrow.bundle", sender=card)
    assert done.secrets == 2
    with desk.store() as store:
        assert open_vault(store).get(job_id, "admin/lock-1") == b"admin credential"
        assert store.secret_names(job_id, "jobkey/") == ["jobkey/field"]
        imported = [s for s in store.followup_steps(job_id) if s.action == "bundle.imported"]
        assert [s.operator for s in imported] == ["supp"]
    with replace(desk, operator=None, accounts_dir=tmp_path / "nobody").store() as store, \
            pytest.raises(SecretSealedError):
        open_vault(store).get(job_id, "admin/lock-1")
