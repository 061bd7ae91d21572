"""The verification report: JSON and a printable document (PDF through the Qt renderer), in
Japanese and English, findings grouped by requirement ID with pass/fail, a summary line a
person reads at a glance, and the sealed job it compared against."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Final

from commissioner.app.verify import Verification, report_digest
from commissioner.atomic_file import write_atomic
from commissioner.documents.render import RenderableDocument, RenderStats, render_pdf
from commissioner.errors import UserError

TEXTS: Final[dict[str, dict[str, str]]] = {
    "ja": {
        "title": "現地検証レポート",
        "match": "この住まいは引き渡し時の状態と一致しています",
        "differ": "引き渡し時の状態と異なる点が {n} 件あります: {list}",
        "job": "照合した封印済みジョブ", "sealed": "封印ハッシュ", "when": "検証日時",
        "req": "要件", "result": "結果", "pass": "適合", "fail": "不適合",
        "severity": "重要度", "device": "機器", "finding": "所見", "none": "所見なし",
        "footer": "現地検証レポート {page}/{pages}", "catalog": "カタログ版",
        "digest": "レポートのハッシュ",
    },
    "en": {
        "title": "On-site verification report",
        "match": "This home matches its state at handover",
        "differ": "{n} differences from the state at handover: {list}",
        "job": "Sealed job compared against", "sealed": "Sealed hash", "when": "Verified at",
        "req": "Requirement", "result": "Result", "pass": "pass", "fail": "fail",
        "severity": "Severity", "device": "Device", "finding": "Finding", "none": "no findings",
        "footer": "On-site verification report {page}/{pages}", "catalog": "Catalog version",
        "digest": "Report digest",
    },
}


def _t(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["ja"])


def summary_line(v: Verification, lang: str = "ja") -> str:
    t = _t(lang)
    if v.matches:
        return t["match"]
    items = [f"{f.code}" + (f" ({f.device_id})" if f.device_id else "") for f in v.differences]
    return t["differ"].format(n=len(items), list=", ".join(items))


def report_json(v: Verification) -> dict[str, Any]:
    body = v.to_json()
    body["summary"] = {"ja": summary_line(v, "ja"), "en": summary_line(v, "en")}
    body["report_sha256"] = report_digest(v)
    return body


def report_document(v: Verification, lang: str = "ja") -> RenderableDocument:
    t = _t(lang)
    e = html.escape
    rows = []
    for req, row in v.requirements.items():
        mine = [f for f in v.findings if req in f.requirements]
        text = "<br/>".join(
            f"[{e(f.severity)}] {e(f.device_id or '-')}: {e(f.message)}" for f in mine
        ) or e(t["none"])
        result = t["pass"] if row["passed"] else t["fail"]
        rows.append(f"<tr><td>{e(req)}</td><td><b>{e(result)}</b></td><td>{text}</td></tr>")
    doc = (
        f"<h1>{e(t['title'])}</h1><p><b>{e(summary_line(v, lang))}</b></p>"
        f"<p>{e(t['job'])}: {e(v.job_number)} ({e(v.job_id)})<br/>{e(t['sealed'])}: "
        f"{e(v.sealed_hash)}<br/>{e(t['when'])}: {e(v.finished_at)}<br/>{e(t['catalog'])}: "
        f"{e(str(v.catalog_version))}<br/>{e(t['digest'])}: {e(report_digest(v))}</p>"
        f"<table border='1' cellpadding='3'><tr><th>{e(t['req'])}</th><th>{e(t['result'])}"
        f"</th><th>{e(t['finding'])}</th></tr>{''.join(rows)}</table>"
    )
    return RenderableDocument(kind="report", language=lang, title=t["title"], html=doc,
                              footer=t["footer"], job_id=v.job_id)


def write_reports(v: Verification, *, json_out: Path | None, pdf_out: Path | None,
                  lang: str = "ja") -> RenderStats | None:
    try:
        if json_out is not None:
            write_atomic(json_out, (json.dumps(report_json(v), ensure_ascii=False, indent=2,
                                               sort_keys=True) + "\n").encode("utf-8"))
        if pdf_out is not None:
            return render_pdf(report_document(v, lang), pdf_out)
    except OSError as err:
        raise UserError(
            code="verify.report-unwritable", params={"reason": err.strerror or err}) from None
    return None
