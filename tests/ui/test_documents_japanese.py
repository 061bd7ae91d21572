"""The Japanese owner's sheet and handover report, as printed (pdftotext of the PDF): no
English is left but model numbers, ids, addresses, names the devices and the catalog give,
and the acronyms a Japanese reader uses as they are."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from documents_helpers import catalog, make_home, sources
from japanese_text import english_words

from commissioner.documents import build_report, build_sheet, collect_facts, report_document
from commissioner.documents.facts import HandoverFacts
from commissioner.jobs.store import JobStore
from ui.printing import render_pdf


@pytest.fixture(autouse=True)
def _needs_poppler() -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils missing")


@pytest.fixture
def facts(qapp, tmp_path: Path) -> HandoverFacts:  # type: ignore[no-untyped-def]
    del qapp
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        home = make_home(store, 6)
        return collect_facts(store, home.job.id, catalog=catalog(), sources=sources())


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return unicodedata.normalize("NFKC", out)


def _data_words(facts: HandoverFacts) -> list[str]:
    """Names that are data: what the devices, the catalog and the job record say."""
    words = [facts.job.id, facts.job.site_name, facts.job.site_address, facts.job.operator,
             facts.job.job_number]
    for d in facts.devices:
        words += [str(getattr(d, k, "") or "") for k in (
            "manufacturer", "model_number", "product_name", "serial", "device_id")]
        if d.provisioning is not None:
            words += list(d.provisioning.acl)  # role names the device holds
    return words


def test_japanese_sheet_has_no_english_left(facts: HandoverFacts, tmp_path: Path) -> None:
    pdf = tmp_path / "sheet-ja.pdf"
    render_pdf(build_sheet(facts), pdf)
    text = _text(pdf)
    assert not english_words(text, allowed=_data_words(facts)), text


def test_japanese_report_has_no_english_left(facts: HandoverFacts, tmp_path: Path) -> None:
    pdf = tmp_path / "report-ja.pdf"
    render_pdf(report_document(build_report(facts), language="ja"), pdf)
    text = _text(pdf)
    assert not english_words(text, allowed=_data_words(facts)), text
