"""The guidance sheet and the report drawn by Qt: real PDFs checked with poppler and zxing-cpp.

Japanese headings and every model number must be extractable text (compared after NFKC: some
CJK fonts map glyphs to Kangxi radicals in the PDF's ToUnicode table); the Japanese font must
be embedded; the QR code decodes to exactly the owner invitation; hostile names print literally
and never push the layout off the page. PNGs of the pages are left in /tmp/shots/docs/.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from documents_helpers import catalog, invitation_payload, make_home, sources
from keyring_fixtures import SecretServiceSession

from commissioner.documents import build_report, build_sheet, collect_facts, report_document
from commissioner.documents.facts import HandoverFacts
from commissioner.jobs.store import JobStore
from ui.printing import render_pdf


@pytest.fixture(autouse=True)
def _needs_poppler() -> None:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("poppler-utils missing; CI must run the PDF tests")
        pytest.skip("poppler-utils missing")


SHOTS = Path("/tmp/shots/docs")
JA_HEADINGS = ["スマートホーム ご利用案内", "お住まいと工事の情報", "サービスの目的と機能",
               "お客様が変更してよい設定・変更してはいけない設定",
               "重要：次の設定は変更しないでください",
               "設置した機器と機種ごとの設定", "ソフトウェアの更新について",
               "個人データの削除と、お住まいを売却・譲渡するとき", "サポート窓口",
               "オーナーアプリでの引き継ぎ"]
EN_HEADINGS = ["Smart home user guide", "Purpose of the service and its functions",
               "Settings you may change and settings you must not change",
               "Important: do not change the following settings", "Software updates",
               "Support desk"]


def _text(pdf: Path, *extra: str) -> str:
    out = subprocess.run(["pdftotext", *extra, str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return unicodedata.normalize("NFKC", out)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


def _shots(pdf: Path, name: str) -> list[Path]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(SHOTS / name)], check=True)
    return sorted(SHOTS.glob(f"{name}-*.png"))


@pytest.fixture
def facts(qapp, tmp_path: Path) -> HandoverFacts:  # type: ignore[no-untyped-def]
    del qapp
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        home = make_home(store, 12)
        return collect_facts(store, home.job.id, catalog=catalog(), sources=sources())


def test_japanese_sheet_text_fonts_and_qr(facts: HandoverFacts, tmp_path: Path) -> None:
    pdf = tmp_path / "sheet-ja.pdf"
    stats = render_pdf(build_sheet(facts), pdf)
    assert 1 <= stats.pages <= 3 and _pages(pdf) == stats.pages
    text = _flat(_text(pdf))
    for heading in JA_HEADINGS:
        assert _flat(unicodedata.normalize("NFKC", heading)) in text, heading
    for f in facts.devices:
        assert f.model_number in text
    assert facts.invitation is not None and facts.invitation.code is not None
    assert facts.invitation.code in text  # the short typed form, for typing
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    cjk = [line for line in fonts.splitlines() if "BIZUDPGothic" in line]
    assert cjk and all(" yes " in line and "CID" in line for line in cjk), fonts
    # The QR code, as printed at 200 dpi, decodes to exactly the invitation payload.
    import zxingcpp
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "p")], check=True)
    page = next(tmp_path.glob("p-*1.png"))
    found = zxingcpp.read_barcodes(Image.open(page))
    qr = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert qr == [invitation_payload()]
    _shots(pdf, "sheet-ja")


def test_english_sheet(facts: HandoverFacts, tmp_path: Path) -> None:
    pdf = tmp_path / "sheet-en.pdf"
    stats = render_pdf(build_sheet(facts, language="en"), pdf)
    assert stats.pages <= 3
    text = _flat(_text(pdf))
    for heading in EN_HEADINGS:
        assert _flat(heading) in text, heading
    for f in facts.devices:
        assert f.model_number in text
    _shots(pdf, "sheet-en")


HOSTILE_SITE = "<b>x</b> 山田様邸 \u202eLED12-EF\u202c 🏠 " + "長" * 5000
HOSTILE_MODEL = "<img src=x>\x07\u200f" + "M" * 5000


def _hostile(facts: HandoverFacts) -> HandoverFacts:
    job = dataclasses.replace(facts.job, site_name=HOSTILE_SITE, operator="op\x00\x1b[31m",
                              site_address="&lt;script&gt; " + "9" * 5000)
    devices = list(facts.devices)
    for i in (1, 2):
        d = devices[i]
        devices[i] = dataclasses.replace(
            d, device=dataclasses.replace(d.device, model=HOSTILE_MODEL,
                                          manufacturer="<b>Evil</b> 🔥 \u2066Corp\u2069",
                                          device_id=f"dev-\u202e{i}" + "z" * 3000),
            gate=dataclasses.replace(d.gate, attested_model=HOSTILE_MODEL,
                                     attested_manufacturer="<b>Evil</b> 🔥"),
            policy=None, model=None, location="<i>居間</i>\u202e",
        )
    return dataclasses.replace(facts, job=job, devices=tuple(devices))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_hostile_names_print_literally_and_stay_on_the_page(
    facts: HandoverFacts, tmp_path: Path, lang: str
) -> None:
    hostile = _hostile(facts)
    pdf = tmp_path / f"hostile-{lang}.pdf"
    stats = render_pdf(build_sheet(hostile, language=lang), pdf)
    assert stats.pages <= 3
    text = _text(pdf)
    flat = _flat(text)
    assert "<b>x</b>" in flat and "<img" in flat and "<b>Evil</b>" in flat
    # (a code in a narrow table column may wrap before its closing bracket)
    assert "[U+202E]" in flat and "[U+0007" in flat and "[U+0000]" in flat
    assert "\u202e" not in text and "\x00" not in text
    assert "長" * 5000 not in flat  # capped, with the original length said
    assert re.search(r"全50\d\d文字|50\d\dcharactersinall", flat)
    # Nothing runs off the right edge: with -layout no line is wider than the page allows.
    layout = _text(pdf, "-layout")
    assert max(len(line) for line in layout.splitlines()) < 220
    report_pdf = tmp_path / f"hostile-report-{lang}.pdf"
    render_pdf(report_document(build_report(hostile), language=lang), report_pdf)
    assert "<b>x</b>" in _flat(_text(report_pdf))
    _shots(pdf, f"sheet-hostile-{lang}")


def test_report_pdf_renders_with_requirement_ids(facts: HandoverFacts, tmp_path: Path) -> None:
    for lang in ("ja", "en"):
        pdf = tmp_path / f"report-{lang}.pdf"
        stats = render_pdf(report_document(build_report(facts), language=lang), pdf)
        assert stats.pages >= 1
        text = _flat(_text(pdf))
        for rid in ("R2-2", "R2-3", "R2-6", "R2-7", "R2-8", "R3-5", "SR2-H-2"):
            assert rid in text
        for f in facts.devices:
            assert f.model_number in text
        if lang == "ja":
            assert "お引き渡し報告書" in text
        _shots(pdf, f"report-{lang}")


def test_cli_sheet_and_report_pdf(secret_service: SecretServiceSession, tmp_path: Path) -> None:
    """`commissioner sheet` and `report --pdf` through the entry-point plugin, in a child
    process (catalog and invitation supplied by a small wrapper script)."""
    data = tmp_path / "data"
    with JobStore.open(data / "jobs.sqlite3") as store:
        home = make_home(store, 5)
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "import documents_helpers as h\n"
        "import commissioner.cli.documents as dc\n"
        "import commissioner.provisioning.invitation as inv\n"
        "dc.load_catalog = lambda args, required: h.catalog()\n"
        "inv.sheet_invitation = lambda store, job_id: h.invitation_payload()\n"
        "from commissioner.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n", encoding="utf-8")
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "COMMISSIONER_DATA_DIR": str(data), "COMMISSIONER_CONFIG_DIR": str(tmp_path / "cfg"),
           "HOME": str(tmp_path), "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    sheet = tmp_path / "sheet.pdf"
    r = subprocess.run([sys.executable, str(script), "sheet", "--data-dir", str(data), "--job",
                        home.job.id, "--out", str(sheet), "--lang", "en"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Smartphone" not in r.stderr and sheet.exists()
    assert "Smarthomeuserguide" in _flat(_text(sheet))
    report = tmp_path / "report.pdf"
    r = subprocess.run([sys.executable, str(script), "report", "--data-dir", str(data), "--job",
                        home.job.id, "--pdf", str(report)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "お引き渡し報告書" in _flat(_text(report))
    with JobStore.open(data / "jobs.sqlite3") as store:
        actions = [(s.action, s.detail.get("kind"), s.detail.get("format"))
                   for s in store.steps(home.job.id)[-3:]]
    assert actions == [("document.sheet", None, None), ("document.export", "sheet", "pdf"),
                       ("document.export", "report", "pdf")]
