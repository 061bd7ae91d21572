"""The verification report through its PDF path (the core's renderer seam with the Qt renderer
the CLI plugin installs), in Japanese and English: poppler finds the summary line a person
reads at a glance, every requirement ID with its result, the sealed job compared against and
the report digest; the JSON report carries the same summary."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from commissioner.app.verify import Verification, report_digest
from commissioner.app.verify_checks import CHECKS, Finding, requirement_table
from commissioner.app.verify_report import summary_line, write_reports
from commissioner.documents.render import pdf_renderer, set_pdf_renderer
from ui.documents_cli import render_pdf_with_qt

SEALED = "5f" * 32


@pytest.fixture(autouse=True)
def _qt_renderer() -> Iterator[None]:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("poppler-utils missing; CI must run the PDF tests")
        pytest.skip("poppler-utils missing")
    import commissioner.documents.render as render

    before = render._renderer
    set_pdf_renderer(render_pdf_with_qt)
    assert pdf_renderer() is render_pdf_with_qt
    yield
    set_pdf_renderer(before)


def _verification(findings: list[Finding]) -> Verification:
    return Verification(
        job_id="JABCDEFGH", job_number="V-2024-17", sealed_hash=SEALED,
        started_at="2025-01-10T09:00:00+00:00", finished_at="2025-01-10T09:00:02+00:00",
        elapsed_s=1.5, catalog_version="42", findings=tuple(findings),
        requirements=requirement_table(findings, list(CHECKS)), devices={})


DIFFERENT = [
    Finding("default-login-enabled", "credentials", "critical", ("R2-3",),
            "cam-01 accepts the factory default login", "cam-01"),
    Finding("unknown-on-gateway", "access-control", "high", ("SR2-H-4", "SR2-H-2"),
            "the gateway allows rogue-9, which is not in the record", "rogue-9"),
    Finding("personal-data-inventory", "personal-data", "info", ("R2-5",),
            "cam-01 holds 3 personal-data items", "cam-01"),
]


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", out))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_matching_home_report(tmp_path: Path, lang: str) -> None:
    v = _verification([])
    pdf, js = tmp_path / f"verify-{lang}.pdf", tmp_path / f"verify-{lang}.json"
    stats = write_reports(v, json_out=js, pdf_out=pdf, lang=lang)
    assert stats is not None and stats.pages >= 1
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _text(pdf)
    assert _flat(summary_line(v, lang)) in text
    assert _flat({"ja": "この住まいは引き渡し時の状態と一致しています",
                  "en": "This home matches its state at handover"}[lang]) in text
    for req in ("R2-2", "R2-3", "R2-5", "R2-7", "R3-3", "R3-5", "R3-6", "SR2-H-2", "SR2-H-4"):
        assert req in text, req
    assert "V-2024-17" in text and SEALED in text and report_digest(v) in text
    assert ("不適合" if lang == "ja" else "fail") not in text.replace("nofindings", "")
    body = json.loads(js.read_text(encoding="utf-8"))
    assert body["matches"] is True and body["report_sha256"] == report_digest(v)
    assert body["summary"]["ja"] == "この住まいは引き渡し時の状態と一致しています"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_differences_are_listed_by_requirement(tmp_path: Path, lang: str) -> None:
    v = _verification(DIFFERENT)
    pdf = tmp_path / f"differ-{lang}.pdf"
    write_reports(v, json_out=None, pdf_out=pdf, lang=lang)
    text = _text(pdf)
    assert _flat(summary_line(v, lang)) in text
    assert "default-login-enabled(cam-01)" in text and "unknown-on-gateway(rogue-9)" in text
    assert "personal-data-inventory(" not in text  # information, not a difference
    assert "cam-01acceptsthefactorydefaultlogin" in text
    fail, ok = ("不適合", "適合") if lang == "ja" else ("fail", "pass")
    # R2-3, SR2-H-2, SR2-H-4 fail; R2-5 (information only) passes.
    assert text.count(fail) == 3, text
    assert re.search(r"R2-5" + ok, text), text


def test_a_report_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    from commissioner.errors import UserError

    target = tmp_path / "missing-dir" / "sub" / "report.json"
    (tmp_path / "missing-dir").write_text("a file, not a folder")
    with pytest.raises(UserError, match=r"(?i)cannot write the verification report"):
        write_reports(_verification([]), json_out=target, pdf_out=None)
