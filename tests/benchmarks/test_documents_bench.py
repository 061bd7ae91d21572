"""Benchmark: guidance sheet and handover report PDFs for a 50-device home. Goal: < 1 s each.

    QT_QPA_PLATFORM=offscreen python -m pytest tests/benchmarks/test_documents_bench.py -s

Measures, per document, building the content from the job store (core) and drawing the PDF with
Qt (first render includes loading the font; the figure reported is the median of 5 runs after
that, plus the first). The PDFs and PNGs of their pages are left in /tmp/shots/docs/.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import statistics
import subprocess
import time
from pathlib import Path

import pytest
from conftest import report
from documents_helpers import catalog, make_home, sources

from commissioner.documents import build_report, build_sheet, collect_facts, report_document
from commissioner.jobs.store import JobStore
from ui.printing import ensure_gui_application, render_pdf

pytestmark = pytest.mark.benchmark
DEVICES = 50
GOAL_S = 1.0
OUT = Path("/tmp/shots/docs")


def test_documents_for_a_50_device_home(tmp_path: Path) -> None:
    ensure_gui_application()
    OUT.mkdir(parents=True, exist_ok=True)
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        home = make_home(store, DEVICES)
        cat = catalog()
        figures: dict[str, object] = {"devices": DEVICES}
        for kind in ("sheet", "report"):
            for lang in ("ja", "en"):
                times: list[float] = []
                build_times: list[float] = []
                pages = 0
                pdf = OUT / f"bench-{kind}-{DEVICES}-{lang}.pdf"
                for _ in range(6):
                    t0 = time.perf_counter()
                    facts = collect_facts(store, home.job.id, catalog=cat, sources=sources())
                    doc = (build_sheet(facts, language=lang) if kind == "sheet"
                           else report_document(build_report(facts), language=lang))
                    t1 = time.perf_counter()
                    pages = render_pdf(doc, pdf).pages
                    t2 = time.perf_counter()
                    build_times.append(t1 - t0)
                    times.append(t2 - t0)
                first, median = times[0], statistics.median(times[1:])
                key = f"{kind}_{lang}"
                figures[f"{key}_first_s"] = round(first, 3)
                figures[f"{key}_median_s"] = round(median, 3)
                figures[f"{key}_build_median_s"] = round(statistics.median(build_times[1:]), 3)
                figures[f"{key}_pages"] = pages
                subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf),
                                str(OUT / f"bench-{kind}-{DEVICES}-{lang}")], check=True)
                assert median < GOAL_S, f"{key}: {median:.3f} s"
                if kind == "sheet":
                    assert pages <= 2, f"{key}: {pages} pages"
    report("documents_50_devices", figures)
