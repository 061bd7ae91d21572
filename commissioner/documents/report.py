"""The handover report: JSON for the service platform (schema ``docs/report-schema.json``) and
the same content as a printable document.

The JSON is the source of truth; the printable version is drawn from the JSON (never from the
store separately), so the two cannot disagree. It never holds a secret: no credential, key,
setup code or invitation token - only fingerprints, flags and the invitation's public id.

Format version 1. Compatible additions (new optional fields) keep the version; anything else
increments ``format_version`` and the schema's ``$id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from commissioner.documents.checks import SHEET_ACTION, blockers, evaluate_requirements
from commissioner.documents.common import (
    PAGE_END,
    format_datetime,
    grid_open,
    header_row,
    page_start,
)
from commissioner.documents.facts import DeviceFacts, HandoverFacts
from commissioner.documents.render import RenderableDocument
from commissioner.documents.strings import DEFAULT_LANGUAGE, Texts
from commissioner.documents.text import LONG_LIMIT, SHORT_LIMIT
from commissioner.jobs.service_level import level_basis
from commissioner.messages import CATALOG, Language, render, verdict_reason
from commissioner.version import app_version

__all__ = [
    "REPORT_FORMAT",
    "REPORT_FORMAT_VERSION",
    "REPORT_SCHEMA_ID",
    "build_report",
    "report_document",
    "report_json_text",
    "schema_path",
]

REPORT_FORMAT: Final = "commissioner-handover-report"
REPORT_FORMAT_VERSION: Final = 1
REPORT_SCHEMA_ID: Final = "urn:commissioner:handover-report:1"


def schema_path() -> Path:
    """Where the JSON Schema of the report lives in a source checkout."""
    return Path(__file__).resolve().parents[2] / "docs" / "report-schema.json"


def _device_json(f: DeviceFacts) -> dict[str, Any]:
    g, d, p, fw = f.gate, f.device, f.provisioning, f.firmware
    steps: set[int] = set()
    if p is not None:
        steps.update(p.evidence)
    if fw is not None:
        steps.update(fw.evidence)
    return {
        "device_id": d.device_id,
        "role": d.role,
        "kind": d.kind,
        "manufacturer": f.manufacturer,
        "model": f.model_number,
        "advertised_model": g.advertised_model or d.model,
        "serial": g.serial or d.serial,
        "product_name": f.model.product_name if f.model is not None else None,
        "location": f.location,
        "certification": {
            "verdict": g.verdict,
            "blocked": g.blocked,
            "reason": g.verdict_reason,
            "reason_code": g.verdict_code,
            "attested": g.attested_model is not None,
            "cert_fingerprint": g.cert_fingerprint,
            "certified_level": f.model.level if f.model is not None else None,
            "scheme": f.model.scheme if f.model is not None else None,
            "catalog_version": g.catalog_version,
            "checked_at": g.checked_at,
            "label_status": g.label_status,
            "replace": {"marked": g.replace_flag, "reason": g.replace_reason},
        },
        "firmware": {
            "before": fw.before if fw else None,
            "after": fw.current if fw else d.firmware,
            "latest": fw.latest if fw else None,
            "is_latest": fw.is_latest if fw else None,
            "vulnerable": fw.vulnerable if fw else None,
            "updates": [
                {
                    "from_version": u.from_version,
                    "to_version": u.to_version,
                    "image_sha256": u.image_sha256,
                    "catalog_version": u.catalog_version,
                    "operator": u.operator,
                    "at": u.at,
                    "step": u.step,
                }
                for u in (fw.updates if fw else ())
            ],
        },
        "credentials": {
            "provisioned": p.provisioned if p else False,
            "admin_credential_set": p.admin_credential_set if p else None,
            "default_credential_disabled": p.default_credential_disabled if p else None,
            "operational_cert_fingerprint": p.operational_cert_fingerprint if p else None,
            "gateway_authenticated": p.gateway_authenticated if p else None,
        },
        "acl": {"roles": list(p.acl) if p else [], "source": p.acl_source if p else None},
        "readback": {
            "ok": p.readback_ok if p else None,
            "detail": p.readback_detail if p else None,
        },
        "evidence_steps": sorted(steps),
    }


def unattested_json(facts: HandoverFacts) -> list[dict[str, Any]]:
    """Equipment identified without attestation (ECHONET Lite) with its JC-STAR evidence."""
    labels = {e.device_id: e for e in facts.jcstar}
    out = []
    for f in facts.unattested:
        j = labels.get(f.device.device_id)
        out.append({
            "device_id": f.device.device_id, "family": f.device.family, "kind": f.device.kind,
            "manufacturer": f.model.manufacturer if f.model else f.manufacturer,
            "model": f.model_number, "verdict": f.gate.verdict, "allowed": f.unattested_allowed,
            "reason": f.gate.verdict_reason,
            "jcstar_registration_number": j.registration_number if j else None,
        })
    return out


def jcstar_json(facts: HandoverFacts) -> list[dict[str, Any]]:
    return [{"device_id": e.device_id, "model": e.model, "url": e.url,
             "registration_number": e.registration_number,
             "catalog_registration_number": e.catalog_number, "finding": e.finding}
            for e in facts.jcstar]


def build_report(facts: HandoverFacts) -> dict[str, Any]:
    """The report as a JSON-ready dict (see ``docs/report-schema.json``)."""
    job = facts.job
    audit = facts.audit
    sheet_step = None
    for s in facts.steps:
        if s.action == SHEET_ACTION:
            sheet_step = s
    blocking = blockers(facts)
    inv = facts.invitation
    return {
        "format": REPORT_FORMAT,
        "format_version": REPORT_FORMAT_VERSION,
        "generated_at": facts.generated_at,
        "generator": {"name": "commissioner", "version": app_version()},
        "job": {
            "id": job.id,
            "job_number": job.job_number,
            "site_name": job.site_name,
            "site_address": job.site_address,
            "service_level": job.service_level,
            "operator": job.operator,
            "status": job.status,
            "created_at": job.created_at,
            "closed_at": job.closed_at,
            "catalog_version": job.catalog_version,
            "catalog_refreshed_at": job.catalog_refreshed_at,
            "level_basis": level_basis(job, (f.device.kind for f in facts.devices)).to_json(),
        },
        "devices": [_device_json(f) for f in facts.devices],
        "unattested_equipment": unattested_json(facts),
        "jcstar_labels": jcstar_json(facts),
        "requirements": [r.to_json() for r in evaluate_requirements(facts)],
        "handover": {
            "ready": not [b for b in blocking if b.code != "job-closed"],
            "blockers": [b.to_json() for b in blocking if b.code != "job-closed"],
        },
        "documents": {
            "guidance_sheet": None if sheet_step is None else {
                "language": sheet_step.detail.get("language"),
                "sha256": sheet_step.detail.get("sha256"),
                "step": sheet_step.idx,
                "at": sheet_step.at,
            },
        },
        "owner_invitation": {
            "issued": inv is not None,
            "invitation_id": inv.invitation_id if inv else None,
            "expires_at": inv.expires_at if inv else None,
        },
        "audit": {
            "entries": audit.entries,
            "verified": audit.ok,
            "problem": audit.problem,
            "first_bad_entry": audit.first_bad_idx,
            "last_hash": audit.last_hash,
            "sealed": job.is_closed,
            "sealed_hash": job.sealed_hash,
        },
    }


def report_json_text(report: Mapping[str, Any]) -> str:
    """Stable JSON text of a report (sorted keys, UTF-8, two-space indent, final newline)."""
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- printable


def _status_html(t: Texts, status: str) -> str:
    css = {"pass": "pass", "fail": "fail"}.get(status, "na")
    return f'<span class="{css}">{t.html("status." + status)}</span>'


def _flag(t: Texts, value: object) -> str:
    if value is True:
        return t.html("yes")
    if value is False:
        return t.html("no")
    return t.html("unknown")


def _unattested_html(t: Texts, report: Mapping[str, Any]) -> list[str]:
    """Which equipment was identified without attestation, and the JC-STAR numbers cited."""
    v = t.value
    parts: list[str] = []
    unattested = report.get("unattested_equipment") or []
    if unattested:
        parts.append(f"<h2>{t.html('report.unattested', n=len(unattested))}</h2>")
        parts.append(f'<p class="small">{t.html("report.unattested.note")}</p>')
        parts.append(grid_open())
        parts.append(header_row([
            (t.html("report.col.device"), 34), (t.html("report.col.cert"), 40),
            (t.html("report.col.jcstar"), 26)]))
        for u in unattested[:200]:
            state = t.html("report.unattested.allowed" if u["allowed"]
                           else "report.unattested.blocked")
            css = "pass" if u["allowed"] else "fail"
            parts.append(
                f"<tr><td><b>{v(u['model'], SHORT_LIMIT)}</b> {t.kind(u['kind'])}<br>"
                f"{v(u['manufacturer'])}<br><span class=\"sub\">"
                f"{v(u['device_id'], SHORT_LIMIT)}</span></td>"
                f'<td class="small"><span class="{css}">{state}</span><br>'
                f"{v(u['reason'] or '', LONG_LIMIT)}</td>"
                f"<td>{v(u['jcstar_registration_number'] or '—', SHORT_LIMIT)}</td></tr>")
        parts.append("</table>")
    labels = report.get("jcstar_labels") or []
    if labels:
        parts.append(f"<h2>{t.html('report.jcstar')}</h2><ul>")
        for j in labels[:200]:
            line = t.html("report.jcstar.item", number=j["registration_number"],
                          model=j["model"], device=j["device_id"])
            if j["finding"]:
                line += f'<br><span class="fail">{v(j["finding"], LONG_LIMIT)}</span>'
            parts.append(f"<li>{line}</li>")
        parts.append("</ul>")
    return parts


def report_document(
    report: Mapping[str, Any], *, language: str = DEFAULT_LANGUAGE
) -> RenderableDocument:
    """The report (as returned by :func:`build_report`) as a document for Qt to draw."""
    from commissioner.documents.checks import REQUIREMENTS

    t = Texts(language)
    v = t.value
    job = report["job"]
    audit = report["audit"]
    titles = {r.id: (r.title_ja if language == "ja" else r.title) for r in REQUIREMENTS}
    parts = [page_start(t), f"<h1>{t.html('report.title')}</h1>"]
    if job["status"] != "closed":
        parts.append(f'<p class="fail">{t.html("report.draft")}</p>')
    stars = "★" * int(job["service_level"])
    rows = [
        ("sheet.site", v(job["site_name"])),
        ("sheet.address", v(job["site_address"], LONG_LIMIT)),
        ("sheet.job_number", v(job["job_number"], SHORT_LIMIT)),
        ("sheet.job_id", v(job["id"], SHORT_LIMIT)),
        ("sheet.service_level", t.html("level", stars=stars, level=job["service_level"])),
        ("report.level_basis", _basis_html(t, job.get("level_basis"))),
        ("sheet.operator", v(job["operator"])),
        ("report.status", t.html(f"report.status.{job['status']}")),
        ("sheet.catalog", v(job["catalog_version"] or "—")),
        ("report.generated", v(format_datetime(report["generated_at"], language))),
    ]
    parts.append(grid_open())
    for key, value in rows:
        parts.append(f'<tr><td class="label" width="28%">{t.html(key)}</td><td>{value}</td></tr>')
    parts.append("</table>")

    parts.append(f"<h2>{t.html('report.requirements')}</h2>")
    parts.append(grid_open())
    parts.append(header_row([
        (t.html("report.col.id"), 14), (t.html("report.col.title"), 28),
        (t.html("report.col.status"), 10), (t.html("report.col.evidence"), 48),
    ]))
    for r in report["requirements"]:
        level = "★" * int(r["level"])
        ev = "<br>".join(
            v(e.get("text_ja") or e["text"] if t.language == "ja" else e["text"], LONG_LIMIT)
            + (f' <span class="sub">[#{", #".join(str(i) for i in e["steps"][:8])}'
               f'{" …" if len(e["steps"]) > 8 else ""}]</span>' if e["steps"] else "")
            for e in r["evidence"]
        )
        na = t.html("status.not-applicable")
        applies = "" if r["applies"] else f' <span class="na">({na})</span>'
        parts.append(
            f"<tr><td><b>{v(r['id'], SHORT_LIMIT)}</b><br><span class=\"sub\">{level}</span></td>"
            f"<td>{v(titles.get(r['id'], r['title']), LONG_LIMIT)}</td>"
            f"<td>{_status_html(t, r['status'])}{applies}</td>"
            f'<td class="small">{ev}</td></tr>'
        )
    parts.append("</table>")

    blocking = report["handover"]["blockers"]
    if blocking:
        parts.append(f"<h2>{t.html('report.blockers')}</h2><ul>")
        parts.extend(f"<li>{v(b['message'], LONG_LIMIT)}</li>" for b in blocking[:60])
        if len(blocking) > 60:
            parts.append(f"<li>… (+{len(blocking) - 60})</li>")
        parts.append("</ul>")

    devices = report["devices"]
    parts.append(f"<h2>{t.html('report.devices', n=len(devices))}</h2>")
    parts.append(grid_open())
    parts.append(header_row([
        (t.html("report.col.device"), 25), (t.html("report.col.cert"), 19),
        (t.html("report.col.firmware"), 15), (t.html("report.col.credentials"), 33),
        (t.html("report.col.readback"), 8),
    ]))
    for d in devices:
        c, fw, cr = d["certification"], d["firmware"], d["credentials"]
        device = (f"<b>{v(d['model'], SHORT_LIMIT)}</b> {t.kind(d['kind'])}<br>"
                  f"{v(d['manufacturer'])}<br>"
                  f'<span class="sub">{v(d["device_id"], SHORT_LIMIT)}'
                  f'{" · S/N " + v(d["serial"], SHORT_LIMIT) if d["serial"] else ""}</span>')
        verdict = c["verdict"] or "—"
        vcss = "pass" if verdict == "certified" and not c["blocked"] else "fail"
        lang: Language = "ja" if t.language == "ja" else "en"
        shown = render(f"verdict.{verdict}", None, lang) if f"verdict.{verdict}" in CATALOG \
            else verdict
        cert = (f'<span class="{vcss}">{v(shown, SHORT_LIMIT)}</span>'
                + (f" ★{'★' * (int(c['certified_level']) - 1)}" if c["certified_level"] else "")
                + (f'<br><span class="sub">{v(c["scheme"], SHORT_LIMIT)} · '
                   + v(render("report.catalog-version", {"version": c["catalog_version"]}, lang),
                       SHORT_LIMIT) + "</span>"
                   if c["catalog_version"] else ""))
        if c["blocked"] and c["reason"]:
            reason = c["reason"] if lang == "en" else verdict_reason(
                verdict, device_id=d["device_id"], manufacturer=d["manufacturer"],
                model=d["model"], reason_code=c.get("reason_code") or "").render(lang)
            cert += f'<br><span class="small">{v(reason, LONG_LIMIT)}</span>'
        before = fw["before"] or "—"
        after = fw["after"] or "—"
        firmware = f"{v(before, SHORT_LIMIT)} → <b>{v(after, SHORT_LIMIT)}</b>"
        if fw["is_latest"] is True:
            firmware += f'<br><span class="pass">{t.html("report.latest")}</span>'
        elif fw["is_latest"] is False:
            not_latest = t.html("report.not_latest", latest=fw["latest"])
            firmware += f'<br><span class="fail">{not_latest}</span>'
        if fw["vulnerable"]:
            firmware += f'<br><span class="fail">{t.html("report.vulnerable")}</span>'
        if cr["provisioned"]:
            creds = [f'<span class="pass">{t.html("report.provisioned")}</span>']
            if cr["admin_credential_set"]:
                creds.append(t.html("report.admin_set"))
            if cr["default_credential_disabled"]:
                creds.append(t.html("report.default_off"))
            if d["acl"]["roles"]:
                key = ("report.acl_read_back" if d["acl"].get("source") == "read-back"
                       else "report.acl")
                creds.append(t.html(key, acl=", ".join(d["acl"]["roles"])))
            if cr["gateway_authenticated"]:
                creds.append(t.html("report.allow_listed"))
            if cr["operational_cert_fingerprint"]:
                short = v(cr["operational_cert_fingerprint"][:16], SHORT_LIMIT)
                creds.append(f'<span class="hash">{short}…</span>')
            credentials = " · ".join(creds)
        else:
            credentials = f'<span class="fail">{t.html("report.not_provisioned")}</span>'
        readback = _flag(t, d["readback"]["ok"])
        parts.append(f"<tr><td>{device}</td><td class=\"small\">{cert}</td><td>{firmware}</td>"
                     f'<td class="small">{credentials}</td><td>{readback}</td></tr>')
    parts.append("</table>")

    parts.extend(_unattested_html(t, report))
    parts.append(f"<h2>{t.html('report.audit')}</h2>")
    parts.append(grid_open())
    verified = (t.html("report.audit.ok") if audit["verified"]
                else t.html("report.audit.broken", problem=audit["problem"] or ""))
    sealed = (f'<span class="hash">{v(audit["sealed_hash"], SHORT_LIMIT)}</span>'
              if audit["sealed_hash"] else t.html("report.audit.not_sealed"))
    for key, value in (
        ("report.audit.entries", v(audit["entries"])),
        ("report.audit.verified", verified),
        ("report.audit.sealed_hash", sealed),
    ):
        parts.append(f'<tr><td class="label" width="34%">{t.html(key)}</td><td>{value}</td></tr>')
    parts.append("</table>")
    parts.append(PAGE_END)
    title = t.plain("report.title")
    footer = t.plain("footer", title=title, job_id=job["id"], page="{page}", pages="{pages}")
    return RenderableDocument(
        kind="report", language=language, title=title, html="".join(parts), footer=footer,
        job_id=str(job["id"]),
    )


def _basis_html(t: Texts, basis: Mapping[str, Any] | None) -> str:
    """The level's basis (R2-1/R3-2): the two answers, the devices' suggestion, the reason."""
    if not basis:
        return t.html("report.level_basis.not_asked")

    def answer(value: object) -> str:
        return t.plain("report.level_basis.not_asked") if value is None else \
            t.plain("yes" if value else "no")

    def level(n: object) -> str:
        return t.plain("level", stars="★" * int(str(n)), level=n)

    lines = [t.html("report.level_basis.answers", personal=answer(basis["personal_data"]),
                    life=answer(basis["life_or_property"]),
                    answers=level(basis["answers_level"]))]
    kinds = [t.plain(f"kind.{k}") for k in basis.get("suggested_by") or ()]
    lines.append(t.html("report.level_basis.suggested", suggested=level(basis["suggested_level"]),
                        kinds="、".join(kinds) if t.language == "ja" and kinds
                        else ", ".join(kinds) or t.plain("none")))
    if basis.get("reason"):
        lines.append(t.html("report.level_basis.reason", limit=LONG_LIMIT,
                            reason=basis["reason"]))
    return "<br>".join(lines)
