"""JC-STAR label QR codes: read strictly, recorded as evidence in a real job store, compared
with the catalog's registration numbers (a contradiction is a finding), never fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
from echonet_helpers import home_catalog

from commissioner.jobs.store import JobStore
from commissioner.protocol.jcstar import JcStarLabelError, looks_like_jcstar, parse_jcstar_qr
from commissioner.trust.jcstar import evidence, finding_for, record_jcstar

URL = "https://www.ipa.go.jp/security/jc-star/list/JCS-3-000122"


def test_label_urls_are_read_strictly() -> None:
    label = parse_jcstar_qr(URL + "\r\n")
    assert (label.url, label.registration_number) == (URL, "JCS-3-000122")
    assert parse_jcstar_qr("https://jcstar.ipa.go.jp/p?no=A12-345").registration_number == \
        "A12-345"
    assert looks_like_jcstar(URL) and not looks_like_jcstar("https://ipa.go.jp.evil.example/x")
    for bad in ("http://www.ipa.go.jp/x/JCS-1", "https://ipa.go.jp.evil.example/JCS-1",
                "https://user@www.ipa.go.jp/JCS-1", "https://www.ipa.go.jp/",
                "https://www.ipa.go.jp/a b", URL + "x" * 600, "https://www.ipa.go.jp/<script>"):
        with pytest.raises(JcStarLabelError):
            parse_jcstar_qr(bad)


def test_recorded_as_evidence_and_a_contradiction_is_a_finding(tmp_path: Path) -> None:
    catalog = home_catalog()
    with JobStore.open(tmp_path / "jobs.sqlite") as store:
        job = store.create_job(job_number="EL-1", site_name="Site", site_address="Addr",
                               service_level=2, operator="Ito")
        ok = record_jcstar(store, job.id, "el-aircon", "FE-RAS22", parse_jcstar_qr(URL),
                           catalog)
        bad = record_jcstar(store, job.id, "el-heater", "FE-WH37", parse_jcstar_qr(URL),
                            catalog)
        kept = {e.device_id: e for e in evidence(store, job.id)}
    assert ok.finding is None and ok.catalog_number == "JCS-3-000122"
    assert bad.finding is not None and "JCS-3-000137" in bad.finding
    assert kept["el-aircon"].registration_number == "JCS-3-000122"
    assert kept["el-heater"].finding == bad.finding
    # A model the catalog carries no number for: evidence, no finding, and no proof.
    assert finding_for(catalog, "TE-BT50", parse_jcstar_qr(URL)) == (None, None)
