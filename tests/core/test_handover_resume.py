"""A handover stopped between its seal and its report (a crash, a power cut) is finished by
running it again: the report and the sheet are made from the sealed record alone and the sealed
log does not change. A job whose handover finished, or a job closed some other way, is refused
with what to do instead."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import keyring_fixtures
import pytest
from documents_helpers import OWNER_APP, SUPPORT, catalog, make_home, sources

from commissioner.app.context import make_context
from commissioner.app.handover import hand_over
from commissioner.documents import close_and_hand_over
from commissioner.documents.handover import report_path_for
from commissioner.errors import UserError

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def test_a_handover_cut_after_its_seal_is_finished_by_running_it_again(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    ctx = make_context(data_dir=tmp_path / "data")
    with ctx.store(create=True) as store:
        home = make_home(store, 3)
        # The first run sealed the job and was cut before it wrote its report.
        first = close_and_hand_over(store, home.job.id, catalog=catalog(), sources=sources(),
                                    report_path=None, support=SUPPORT, owner_app=OWNER_APP)
        assert first.closed and first.report_path is None
        sealed_steps = store.steps(home.job.id)
        sealed_hash = store.get_job(home.job.id).sealed_hash
        job = store.get_job(home.job.id)
    report = report_path_for(ctx.data_dir, job)
    assert not report.exists()

    again = asyncio.run(hand_over(ctx, home.job.id, catalog=catalog(), sources=sources()))

    assert again.closed and again.sheet is not None
    assert again.report_path == report and report.exists()
    written = json.loads(report.read_text(encoding="utf-8"))
    assert sealed_hash and sealed_hash in json.dumps(written)
    with ctx.store() as store:
        assert store.steps(home.job.id) == sealed_steps  # nothing appended to the seal
        assert store.get_job(home.job.id).sealed_hash == sealed_hash
        assert store.verify_audit(home.job.id).ok

    # Now the handover is complete: a third run is refused and says what to do instead.
    with pytest.raises(UserError):
        asyncio.run(hand_over(ctx, home.job.id, catalog=catalog(), sources=sources()))


def test_a_finished_handover_with_its_report_elsewhere_is_refused_again(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    ctx = make_context(data_dir=tmp_path / "data")
    with ctx.store(create=True) as store:
        home = make_home(store, 2)
    elsewhere = tmp_path / "handover.json"
    done = asyncio.run(hand_over(ctx, home.job.id, catalog=catalog(), sources=sources(),
                                 report_path=elsewhere))
    assert done.closed and elsewhere.exists()
    with ctx.store() as store:
        kept = report_path_for(ctx.data_dir, store.get_job(home.job.id))
    assert json.loads(kept.read_text(encoding="utf-8")) == json.loads(
        elsewhere.read_text(encoding="utf-8"))  # the data folder keeps a copy
    with pytest.raises(UserError):
        asyncio.run(hand_over(ctx, home.job.id, catalog=catalog(), sources=sources(),
                              report_path=tmp_path / "again.json"))
    assert not (tmp_path / "again.json").exists()
