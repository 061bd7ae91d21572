"""The wipe certificate of a resale job (R2-4, R2-5, R2-9): JSON and a document for the same
PDF renderer the handover documents use.

Built only from the job's audit log (the devices' own evidence, ``wipe.device`` entries) and
the firmware the job verified over attested connections. It never claims what was not
verified: a device without evidence, or whose latest evidence shows a problem, is listed as
unverified with the reasons, and the certificate says the home is not fully wiped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Final

from commissioner.documents.common import format_datetime, grid_open, header_row, page_start
from commissioner.documents.personal_data_checks import RESALE_LINK, latest_wipes
from commissioner.documents.render import RenderableDocument
from commissioner.documents.strings import Texts
from commissioner.documents.text import html_text
from commissioner.jobs.store import JobStore

FORMAT: Final = 1
REQUIREMENTS: Final = ("R2-4", "R2-5", "R2-9")

_TEXT: Final[dict[str, dict[str, str]]] = {
    "title": {"ja": "データ消去証明書", "en": "Wipe certificate"},
    "site": {"ja": "住まい", "en": "Home"},
    "job": {"ja": "作業 (再販)", "en": "Job (resale)"},
    "previous": {"ja": "前回の作業と封印ハッシュ", "en": "Previous job and its sealed hash"},
    "no-previous": {"ja": "記録なし (機器の検出のみから開始)",
                    "en": "no record (started from discovery alone)"},
    "operator": {"ja": "作業者", "en": "Operator"},
    "period": {"ja": "消去の日時", "en": "Wiped"},
    "requirements": {"ja": "対応する要件", "en": "Requirements"},
    "summary-ok": {"ja": "すべての機器で、前の居住者のデータと認証情報が残っていないことを"
                   "機器自身に確認しました。",
                   "en": "Every device itself confirmed that no data or credential of the "
                   "previous occupant remains."},
    "summary-fail": {"ja": "未確認の機器があります。この住まいの消去はまだ完了していません。",
                     "en": "Some devices are unverified: this home is not fully wiped yet."},
    "devices": {"ja": "機器ごとの証拠", "en": "Evidence per device"},
    "col.device": {"ja": "機器", "en": "Device"},
    "col.method": {"ja": "消去の方法", "en": "Method"},
    "col.before": {"ja": "消去前", "en": "Before"},
    "col.after": {"ja": "消去後 (機器の回答)", "en": "After (as the device answered)"},
    "col.credentials": {"ja": "旧認証情報の試行", "en": "Old credentials tried"},
    "col.firmware": {"ja": "ファームウェア 前→後", "en": "Firmware before → after"},
    "col.result": {"ja": "結果", "en": "Result"},
    "verified": {"ja": "確認済み", "en": "verified"},
    "unverified": {"ja": "未確認", "en": "UNVERIFIED"},
    "refused": {"ja": "拒否", "en": "refused"},
    "accepted": {"ja": "受理 (不合格)", "en": "ACCEPTED (fail)"},
    "not-tried": {"ja": "試行なし", "en": "not tried"},
    "unverified-list": {"ja": "未確認の機器", "en": "Unverified devices"},
    "method.authenticated-wipe": {"ja": "前の住まいの認証情報で消去",
                                  "en": "wiped with the previous home's credentials"},
    "method.factory-reset-by-technician": {"ja": "作業者がリセットボタンで初期化",
                                           "en": "factory reset by technician"},
    "method.already-factory": {"ja": "既に工場出荷状態", "en": "already in factory state"},
    "footer": {"ja": "データ消去証明書 · {job} · {page}/{pages}",
               "en": "Wipe certificate · {job} · {page}/{pages}"},
}


def _t(key: str, language: str) -> str:
    entry = _TEXT[key]
    return entry.get(language, entry["en"])


def build_certificate(store: JobStore, job_id: str, *,
                      now: dt.datetime | None = None) -> dict[str, Any]:
    job = store.find_job(job_id)
    link: Mapping[str, Any] = {}
    for step in store.steps(job.id):
        if step.action == RESALE_LINK:
            link = step.detail
            break
    wipes = latest_wipes(store, job.id)
    # The version the job recorded (verified over an attested connection); "0.0.0" is the
    # placeholder of a device listed but never asked: no claim then.
    firmware_now = {d.device_id: (None if d.firmware == "0.0.0" else d.firmware)
                    for d in store.devices(job.id)}
    devices = []
    for device_id in sorted(set(wipes) | set(firmware_now)):
        w = wipes.get(device_id)
        if w is None:
            devices.append({"device_id": device_id, "verified": False,
                            "problems": ["never wiped and verified"]})
            continue
        devices.append({
            "device_id": device_id, "kind": w.get("kind"), "role": w.get("role"),
            "manufacturer": w.get("manufacturer"), "model": w.get("model"),
            "serial": w.get("serial"), "attestation_fingerprint": w.get("fingerprint"),
            "attested": w.get("attested"), "method": w.get("method"),
            "erased": w.get("erased"), "before": w.get("before"), "after": w.get("after"),
            "credentials_tried": w.get("probes"),
            "firmware": {"at_wipe": w.get("firmware"), "now": firmware_now.get(device_id)},
            "verified": bool(w.get("verified")), "problems": w.get("problems") or [],
            "started_at": w.get("started_at"), "finished_at": w.get("finished_at"),
            "audit_entry": w.get("step"),
        })
    unverified = [d["device_id"] for d in devices if not d["verified"]]
    times = sorted(str(d.get("started_at")) for d in devices if d.get("started_at")) + sorted(
        str(d.get("finished_at")) for d in devices if d.get("finished_at"))
    return {
        "format": FORMAT,
        "kind": "wipe-certificate",
        "generated_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "job": {"id": job.id, "job_number": job.job_number, "site_name": job.site_name,
                "site_address": job.site_address, "operator": job.operator,
                "status": job.status},
        "previous_job": {"id": link.get("from_job"), "job_number": link.get("from_job_number"),
                         "sealed_hash": link.get("sealed_hash"),
                         "source": link.get("source", "discovery")},
        "requirements": list(REQUIREMENTS),
        "period": {"from": times[0] if times else None, "to": times[-1] if times else None},
        "all_verified": not unverified and bool(devices),
        "unverified": unverified,
        "devices": devices,
    }


def certificate_json_text(cert: Mapping[str, Any]) -> str:
    return json.dumps(cert, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _counts(section: object) -> str:
    if not isinstance(section, dict):
        return "—"
    counts = section.get("personal_data")
    state = section.get("state", "?")
    if not isinstance(counts, dict):
        return html_text(state)
    items = ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "—"
    extra = ""
    if section.get("advertised_state"):
        extra = f"<br>mDNS st={html_text(section['advertised_state'])}"
    return f"{html_text(state)}<br>{html_text(items)}{extra}"


def certificate_document(cert: Mapping[str, Any], *, language: str = "ja") -> RenderableDocument:
    t = Texts(language)
    job, prev = cert["job"], cert["previous_job"]
    parts = [page_start(t), f"<h1>{html_text(_t('title', language))}</h1>"]
    ok = cert["all_verified"]
    parts.append(f'<p class="{"pass" if ok else "fail"}"><b>'
                 f'{html_text(_t("summary-ok" if ok else "summary-fail", language))}</b></p>')
    previous = (f"{html_text(prev['id'])} ({html_text(prev['job_number'])})<br>"
                f'<span class="sub">{html_text(prev["sealed_hash"])}</span>'
                if prev.get("id") else html_text(_t("no-previous", language)))
    period = cert["period"]
    when = " — ".join(format_datetime(p, language) for p in (period["from"], period["to"]) if p)
    rows = [
        ("site", f"{html_text(job['site_name'])}<br>{html_text(job['site_address'])}"),
        ("job", f"{html_text(job['id'])} ({html_text(job['job_number'])})"),
        ("previous", previous),
        ("operator", html_text(job["operator"])),
        ("period", html_text(when or "—")),
        ("requirements", html_text(", ".join(cert["requirements"]))),
    ]
    parts.append(grid_open())
    parts.extend(f'<tr><td class="label" width="28%">{html_text(_t(k, language))}</td>'
                 f"<td>{v}</td></tr>" for k, v in rows)
    parts.append("</table>")
    if cert["unverified"]:
        parts.append(f"<h2>{html_text(_t('unverified-list', language))}</h2><ul>")
        by_id = {d["device_id"]: d for d in cert["devices"]}
        parts.extend(f"<li><b>{html_text(i)}</b>: "
                     f"{html_text('; '.join(str(p) for p in by_id[i]['problems']), 300)}</li>"
                     for i in cert["unverified"])
        parts.append("</ul>")
    parts.append(f"<h2>{html_text(_t('devices', language))}</h2>")
    parts.append(grid_open(small=True))
    parts.append(header_row([(html_text(_t(k, language)), w) for k, w in (
        ("col.device", 20), ("col.method", 14), ("col.before", 14), ("col.after", 16),
        ("col.credentials", 16), ("col.firmware", 10), ("col.result", 10))]))
    for d in cert["devices"]:
        probes = d.get("credentials_tried") or []
        tried = "<br>".join(
            f"{html_text(p.get('name'))}: " + html_text(
                _t("not-tried", language) if p.get("refused") is None
                else _t("refused" if p.get("refused") else "accepted", language))
            + f' <span class="sub">({html_text(p.get("evidence"), 60)})</span>'
            for p in probes) or "—"
        fw = d.get("firmware") or {}
        method = d.get("method")
        method_text = _t(f"method.{method}", language) if f"method.{method}" in _TEXT else (
            method or "—")
        result = _t("verified" if d["verified"] else "unverified", language)
        parts.append(
            f"<tr><td><b>{html_text(d.get('model') or '—')}</b> {t.kind(str(d.get('kind')))}"
            f"<br>{html_text(d.get('manufacturer') or '')}<br>"
            f'<span class="sub">{html_text(d["device_id"])} · S/N '
            f"{html_text(d.get('serial') or '—')}</span></td>"
            f"<td>{html_text(method_text)}</td><td>{_counts(d.get('before'))}</td>"
            f"<td>{_counts(d.get('after'))}</td><td>{tried}</td>"
            f"<td>{html_text(fw.get('at_wipe') or '—')} → {html_text(fw.get('now') or '—')}</td>"
            f'<td class="{"pass" if d["verified"] else "fail"}">{html_text(result)}</td></tr>')
    parts.append("</table></body></html>")
    return RenderableDocument(
        kind="wipe-certificate", language=language, title=_t("title", language),
        html="".join(parts), footer=_t("footer", language).replace("{job}", job["id"]),
        job_id=job["id"])
