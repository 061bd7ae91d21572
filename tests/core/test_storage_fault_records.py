"""Regressions found by the storage-fault campaign (tests/campaigns/test_storage_faults_cli.py):

* an update whose result could not be written (the disk filled while the device was being
  updated) is recorded by the next run from what the device reports, so the firmware history
  never loses it;
* a full or read-only disk keeps its fix when the app opens the store (the hint used to be
  dropped on the way to the operator).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from commissioner.app.context import make_context
from commissioner.errors import UserError
from commissioner.firmware.history import reconcile
from commissioner.firmware.plan import PlanAction, PlanItem
from commissioner.jobs.models import JobDevice
from commissioner.jobs.store import JobStore, StoreReadOnlyError


def _job_with_device(store: JobStore) -> str:
    job = store.create_job(job_number="R-1", site_name="House", site_address="1-1",
                           service_level=2, operator="Sato").id
    at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    store.upsert_device(job, JobDevice(
        device_id="lock-1", role="device", kind="lock", manufacturer="M", model="L-1",
        firmware="1.2.0", state="factory", transports=("home-file",), address="127.0.0.1",
        port=1, first_seen=at, last_seen=at, status="listed"))
    return job


def test_update_whose_result_was_never_written_is_recorded_on_the_next_run(
    tmp_path: Path,
) -> None:
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        job = _job_with_device(store)
        store.record_firmware_status(job, device_id="lock-1", model="L-1", version="1.2.0",
                                     latest="1.3.0", vulnerable=False)
        before = store.firmware_statuses(job)
        item = PlanItem("lock-1", PlanAction.CURRENT, "runs the latest", model="L-1",
                        current="1.3.0", latest="1.3.0", image_sha256="ab" * 32)
        added = reconcile(store, job, [item], 7, before=before)
        assert [(e.from_version, e.to_version, e.result) for e in added] == [
            ("1.2.0", "1.3.0", "updated")]
        assert [e.to_version for e in store.firmware_history(job)] == ["1.3.0"]
        # recorded once: a later run adds nothing
        store.record_firmware_status(job, device_id="lock-1", model="L-1", version="1.3.0",
                                     latest="1.3.0", vulnerable=False)
        assert reconcile(store, job, [item], 7, before=store.firmware_statuses(job)) == []
        assert reconcile(store, job, [item], 7, before=before) == []
        assert store.verify_audit(job).ok


def test_store_fault_keeps_its_fix_through_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    JobStore.open(data / "jobs.sqlite3").close()

    def read_only(*_: object, **__: object) -> JobStore:
        raise StoreReadOnlyError("the job store cannot be written (read-only disk or file)")

    # the fault itself is proved on a real read-only mount by the campaign; here only the
    # path from the store's error to the operator is under test
    monkeypatch.setattr("commissioner.app.context.open_anchored_store", read_only)
    ctx = make_context(data_dir=data, allow_unanchored=True)
    with pytest.raises(UserError) as caught:
        ctx.open_store()
    assert caught.value.hint is not None and "writable" in caught.value.hint
