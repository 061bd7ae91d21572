"""Records of the owner's sheet: a sheet printed again after handover is logged (in the sealed
job's follow-up log, chained from the seal), and an expired owner invitation is re-issued -
revoked on the devices and a new one issued - rather than printed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import keyring_fixtures
import pytest
from documents_helpers import OWNER_APP, SUPPORT, catalog, make_home, sources
from operator_fixtures import as_signed_in
from vh_fixtures import running_virtual_home

from commissioner.app.context import make_context
from commissioner.app.documents import owner_sheet
from commissioner.app.handover import renew_expired_invitation
from commissioner.documents import close_and_hand_over, record_document_action
from commissioner.documents.handover import SheetRefusedError, prepare_sheet
from commissioner.jobs.store import JobStore

REPO = Path(__file__).resolve().parents[2]
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def test_reprint_after_handover_is_logged_after_the_seal(tmp_path: Path) -> None:
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        home = make_home(store, 4)
        out = close_and_hand_over(store, home.job.id, catalog=catalog(), sources=sources(),
                                  report_path=tmp_path / "r.json", operator="佐藤",
                                  support=SUPPORT, owner_app=OWNER_APP)
        assert out.closed and out.sheet is not None
        sealed = store.steps(home.job.id)
        assert store.followup_steps(home.job.id) == []
        again = prepare_sheet(store, home.job.id, catalog=catalog(), sources=sources(),
                              support=SUPPORT, owner_app=OWNER_APP)
        printed = record_document_action(store, home.job.id, "print", kind="sheet",
                                         sha256=again.sha256(), language="ja", pages=1)
        assert printed is not None
        follow = store.followup_steps(home.job.id)
        assert [s.action for s in follow] == ["document.reprint", "document.print"]
        assert follow[0].detail["sha256"] == again.sha256()
        assert follow[0].prev_hash == store.get_job(home.job.id).sealed_hash
        # The sealed log did not change, and the follow-up chain verifies.
        assert store.steps(home.job.id) == sealed
        assert store.verify_audit(home.job.id).ok and store.verify_followup(home.job.id).ok


def test_an_expired_invitation_is_refused_for_printing(tmp_path: Path) -> None:
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        home = make_home(store, 3)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
        with pytest.raises(SheetRefusedError) as err:
            prepare_sheet(store, home.job.id, catalog=catalog(), sources=sources(),
                          support=SUPPORT, owner_app=OWNER_APP, now=later)
        assert [b.code for b in err.value.blockers] == ["invitation-expired"]
        assert not any(s.action.startswith("document.") for s in store.steps(home.job.id))


@pytest.mark.slow
def test_an_expired_invitation_is_reissued_not_printed(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update({"COMMISSIONER_DATA_DIR": str(data),
                "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address})

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=180, cwd=REPO, env=env)

    with running_virtual_home(tmp_path / "home", scenario="standard", devices=2) as home:
        vh = ["--virtual-home", str(home.directory)]
        r = cli("job", "new", "--job-number", "R-1", "--site-name", "さくら邸", "--site-address",
                "東京都", "--level", "2", "--personal-data", "no", "--life-or-property", "no",
                "--operator", "佐藤", "--json")
        assert r.returncode == 0, r.stderr
        job = json.loads(r.stdout)["id"]
        for args in (("certify", "--scan-timeout", "5"), ("commission", "--read-box-labels")):
            r = cli(args[0], "--job", job, *args[1:], *vh)
            assert r.returncode == 0, r.stderr + r.stdout
        ctx = make_context(data_dir=data, virtual_home=home.directory)
        with JobStore.open(data / "jobs.sqlite3") as store:
            (old,) = [i for i in store.owner_invitations(job) if i.status == "active"]
        # Not expired: nothing happens.
        assert asyncio.run(renew_expired_invitation(ctx, job)) is None
        later = dt.datetime.fromtimestamp(old.expires_at, dt.UTC) + dt.timedelta(seconds=1)
        new_id = asyncio.run(renew_expired_invitation(ctx, job, now=later))
        assert new_id is not None and new_id != old.invitation_id
        # A handle opened directly acts for the run's signed-in operator (whose role opens
        # the job's sealed secrets, here on the private keyring), as the app's handles do.
        with as_signed_in(JobStore.open(data / "jobs.sqlite3")) as store:
            states = {i.invitation_id: (i.status, i.epoch) for i in store.owner_invitations(job)}
            assert states[old.invitation_id][0] == "revoked"
            assert states[new_id] == ("active", old.epoch + 1)
            sheet = owner_sheet(ctx, job, catalog=None, store=store)
            logged = [s for s in store.steps(job) if s.action.startswith("document.")]
        assert sheet.resources or logged  # the sheet was built
        assert logged[-1].detail.get("invitation_id") in (None, new_id)
