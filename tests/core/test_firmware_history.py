"""Firmware in the catalog (TUF target, offline re-verification), the job's history (R2-8)
and the close-job gate, with a real SQLite job store and the real certified-model gate."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from firmware_helpers import FAST, fw_home

from commissioner.firmware.history import (
    firmware_blockers,
    reconcile,
    record_plan,
    record_result,
)
from commissioner.firmware.plan import PlanAction
from commissioner.firmware.push import Outcome, update_home
from commissioner.jobs.models import JobDevice
from commissioner.jobs.store import JobStore
from commissioner.trust.catalog import load_offline
from commissioner.trust.gate import GateTarget, certify_home


def test_catalog_carries_firmware_index_offline_too(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1) as h:
            index = h.catalog.firmware
            assert index is not None
            model = index.for_model(h.device(h.device_ids[0]).state.model)
            assert model is not None and model.latest == "1.3.0"
            assert model.is_vulnerable("1.0.3") and not model.is_vulnerable("1.2.0")
            image = model.latest_release.image
            assert image is not None and image.target.startswith("firmware/")
            offline = load_offline(h.config)
            assert offline.firmware == index

    asyncio.run(body())


def test_history_steps_and_close_gate(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=2) as h:
            store = JobStore.open(tmp_path / "jobs.sqlite3")
            job = store.create_job(job_number="FW-1", site_name="Test", site_address="Here",
                                   service_level=2, operator="Aoki")
            ids = [*h.device_ids, h.home.manifest.gateway.device_id]
            for device_id in ids:
                d = h.device(device_id)
                store.upsert_device(job.id, JobDevice(
                    device_id=device_id, role=d.state.role.value, kind=d.state.kind,
                    manufacturer=d.state.manufacturer, model=d.state.model,
                    firmware="9.9.9",  # what an advertisement claimed: never trusted
                    state="factory", transports=("mdns",), address="127.0.0.1", port=d.port,
                    first_seen="2025-01-01T00:00:00+00:00",
                    last_seen="2025-01-01T00:00:00+00:00"))
            verdicts = await certify_home(
                [GateTarget(i, "127.0.0.1", h.device(i).port) for i in ids], h.catalog, 2)
            for v in verdicts:
                store.record_verdict(job.id, v)
            index = h.catalog.firmware
            blockers = dict(firmware_blockers(store, job.id, index))
            assert set(blockers) == set(ids)
            assert all("not been checked" in why for why in blockers.values())

            items = [await h.plan(i) for i in ids]
            record_plan(store, job.id, items)
            blockers = dict(firmware_blockers(store, job.id, index))
            assert "runs firmware 1.2.0; the latest is 1.3.0" in blockers[ids[0]]
            assert "2.1.0" in blockers[ids[-1]]

            # one device times out after its reboot: the job stays resumable. The healthy ones
            # reboot in 0.2 s, far inside the 2.5 s limit; the faulty one needs 5 s.
            h.device(ids[0]).firmware.set_fault("no-return", boot_delay_s=5.0)
            slow = dataclasses.replace(FAST, reboot_timeout=2.5)
            results = await update_home(items, h.provider(), h.trust, h.access(), options=slow,
                                        resolver=h.resolve,
                                        on_result=lambda r: record_result(
                                            store, job.id, r, h.catalog.version))
            outcomes = {r.device_id: r.outcome for r in results}
            assert outcomes[ids[0]] is Outcome.TIMEOUT
            assert outcomes[ids[1]] is Outcome.UPDATED and outcomes[ids[2]] is Outcome.UPDATED
            blockers = dict(firmware_blockers(store, job.id, index))
            assert list(blockers) == [ids[0]] and "timeout" in blockers[ids[0]]

            for _ in range(150):
                await asyncio.sleep(0.1)
                if h.device(ids[0]).powered:
                    break
            assert h.device(ids[0]).powered, "the faulty device never came back"
            again = [await h.plan(i) for i in ids]
            assert all(i.action is PlanAction.CURRENT for i in again)
            record_plan(store, job.id, again)
            late = reconcile(store, job.id, again, h.catalog.version)
            assert [e.device_id for e in late] == [ids[0]]
            assert firmware_blockers(store, job.id, index) == []

            history = store.firmware_history(job.id)
            assert sorted((e.device_id, e.result) for e in history[:3]) == sorted(
                (r.device_id, r.outcome.value) for r in results)
            assert (history[-1].device_id, history[-1].result) == (ids[0], "updated")
            first = next(e for e in history if e.device_id == ids[1])
            assert (first.from_version, first.to_version) == ("1.2.0", "1.3.0")
            assert first.operator == "Aoki" and first.catalog_version == str(h.catalog.version)
            assert len(first.image_sha256) == 64
            actions = [s.action for s in store.steps(job.id)]
            assert actions.count("firmware.updated") == 3 and "firmware.timeout" in actions
            assert "firmware.checked" in actions
            assert {d.device_id: d.firmware for d in store.devices(job.id)}[ids[1]] == "1.3.0"
            assert store.verify_audit(job.id).ok
            store.close()

    asyncio.run(body())
