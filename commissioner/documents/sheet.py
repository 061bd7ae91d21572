"""The user guidance sheet (guideline R2-6): what the owner gets at handover, A4, 1-2 pages.

Sections: the home and the job (with the service level), the owner takeover QR code and the
same code as text, the service's purpose and functions, what the owner must not change (with
the warning) and may change - from the catalog's per-model policy -, the installed devices,
how updates happen (R2-7), deleting personal data and what to do when selling the home
(R2-5, R2-9), and the support contact. Japanese by default, English on request.

Every dynamic value is made visible and escaped (:mod:`commissioner.documents.text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commissioner.documents.common import (
    PAGE_END,
    SupportContact,
    format_date,
    format_datetime,
    grid_open,
    header_row,
    page_start,
)
from commissioner.documents.facts import DeviceFacts, HandoverFacts, policy_summary
from commissioner.documents.qr import qr_png
from commissioner.documents.render import RenderableDocument
from commissioner.documents.strings import DEFAULT_LANGUAGE, Texts
from commissioner.documents.text import SHORT_LIMIT

__all__ = ["QR_RESOURCE", "build_sheet"]

QR_RESOURCE = "owner-invitation-qr.png"
QR_MM = 34  # printed size of the QR code


@dataclass(frozen=True, slots=True)
class _ModelGroup:
    kind: str
    manufacturer: str
    model: str
    product: str | None
    devices: tuple[DeviceFacts, ...]


def _groups(devices: Sequence[DeviceFacts]) -> list[_ModelGroup]:
    order: list[tuple[str, str, str]] = []
    by: dict[tuple[str, str, str], list[DeviceFacts]] = {}
    for f in devices:
        key = (f.device.kind, f.manufacturer, f.model_number)
        if key not in by:
            order.append(key)
            by[key] = []
        by[key].append(f)
    out = []
    for key in order:
        members = by[key]
        product = next((m.model.product_name for m in members if m.model is not None), None)
        out.append(_ModelGroup(key[0], key[1], key[2], product, tuple(members)))
    return out


def _mm(mm: float) -> int:
    """Pixels at Qt's rich-text resolution (96 dpi) for a length in millimetres."""
    return round(mm / 25.4 * 96)


def build_sheet(
    facts: HandoverFacts,
    *,
    language: str = DEFAULT_LANGUAGE,
    support: SupportContact | None = None,
) -> RenderableDocument:
    """The guidance sheet for the job in ``facts`` as a document ready for Qt to draw."""
    t = Texts(language)
    job = facts.job
    support = support or SupportContact()
    v = t.value
    parts: list[str] = [page_start(t)]

    # --- title
    parts.append(f"<h1>{t.html('sheet.title')}</h1>")
    parts.append(f'<p class="sub">{t.html("sheet.subtitle")}</p>')

    # --- the home and the job (left) and the owner takeover (right)
    handover_day = format_date(job.closed_at or facts.generated_at, language)
    rows = [
        ("sheet.site", v(job.site_name)),
        ("sheet.address", v(job.site_address, 200)),
        ("sheet.job_number", v(job.job_number, SHORT_LIMIT)),
        ("sheet.job_id", v(job.id, SHORT_LIMIT)),
        ("sheet.service_level", t.html("level", stars=job.stars, level=job.service_level)),
        ("sheet.handover_date", v(handover_day)),
        ("sheet.operator", v(job.operator)),
    ]
    if facts.catalog_version is not None or job.catalog_version is not None:
        rows.append(("sheet.catalog", v(facts.catalog_version or job.catalog_version)))
    info = [f"<h3>{t.html('sheet.home')}</h3>", grid_open()]
    for key, value in rows:
        info.append(f'<tr><td class="label" width="34%">{t.html(key)}</td><td>{value}</td></tr>')
    info.append("</table>")

    resources: dict[str, bytes] = {}
    owner: list[str] = [f"<h3>{t.html('sheet.owner')}</h3>"]
    invitation = facts.invitation
    if invitation is not None:
        resources[QR_RESOURCE] = qr_png(invitation.payload)
        size = _mm(QR_MM)
        owner.append(
            '<table cellspacing="0" cellpadding="0"><tr>'
            f'<td width="{size + 6}"><img src="{QR_RESOURCE}" width="{size}" height="{size}"></td>'
            f'<td><p class="small">{t.html("sheet.owner.text")}</p></td></tr></table>'
        )
        owner.append(f'<p class="small"><b>{t.html("sheet.owner.code")}</b></p>')
        # The code must stay exactly as issued (it is typed in): escaped, never shortened.
        owner.append(f'<p class="code">{t.value(invitation.payload, 10_000)}</p>')
        if invitation.expires_at is not None:
            expiry = format_datetime(invitation.expires_at, language)
            owner.append(f'<p class="small">{t.html("sheet.owner.expiry", expiry=expiry)}</p>')
        owner.append(f'<p class="small"><b>{t.html("sheet.owner.secret")}</b></p>')
    else:
        owner.append(f'<p class="small">{t.html("sheet.owner.missing")}</p>')
    parts.append(
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="58%" valign="top">{"".join(info)}</td><td width="2%"></td>'
        '<td width="40%" valign="top" style="background-color: #f4f7fb;">'
        f'<table width="100%" cellpadding="5" cellspacing="0"><tr><td>{"".join(owner)}</td></tr>'
        "</table></td></tr></table>"
    )

    # --- purpose and functions
    parts.append(f"<h2>{t.html('sheet.purpose')}</h2>")
    parts.append(f"<p>{t.html('sheet.purpose.text')}</p>")
    kinds: list[str] = []
    for f in facts.devices:
        if f.device.kind not in kinds:
            kinds.append(f.device.kind)
    functions = [fn for fn in (t.function(k) for k in kinds) if fn is not None]
    if functions:
        parts.append(f"<p>{t.html('sheet.functions')}</p><ul>")
        parts.extend(f"<li>{fn}</li>" for fn in functions)
        parts.append("</ul>")
    parts.append(f"<p><b>{t.html('sheet.purpose.warning')}</b></p>")

    # --- what the owner must not / may change (R2-6)
    common, per_model, _missing = policy_summary(facts.devices)
    parts.append(f"<h2>{t.html('sheet.settings')}</h2>")
    warn = [f"<p><b>⚠ {t.html('sheet.warning.title')}</b></p>"]
    warn.append(f"<p>{t.html('sheet.warning.text')}</p>")
    if common:
        warn.append(f"<p><b>{t.html('sheet.must_not.all')}</b></p><ul>")
        warn.extend(f"<li><b>{t.policy_item(i)}</b></li>" for i in common)
        warn.append("</ul>")
    parts.append(
        '<table width="100%" border="1" cellspacing="0" cellpadding="5" '
        'style="border-collapse: collapse; border-color: #c99a06;">'
        f'<tr><td class="warn">{"".join(warn)}</td></tr></table>'
    )
    parts.append(f"<p>{t.html('sheet.per_model.note')}</p>")
    # --- installed devices, with what the owner may / must not change per model
    groups = _groups(facts.devices)
    extra_by_model = {number: (extra, may) for number, extra, may in per_model}
    sep = "、" if language == "ja" else ", "
    parts.append(f"<h2>{t.html('sheet.devices', n=len(facts.devices))}</h2>")
    parts.append(grid_open(small=True))
    id_header = t.html("sheet.col.device_id")
    if any(f.location for f in facts.devices):
        id_header += " / " + t.html("sheet.col.location")
    parts.append(header_row([
        (t.html("sheet.col.kind"), 13),
        (t.html("sheet.col.model") + " / " + t.html("sheet.col.manufacturer"), 22),
        (id_header, 21),
        (t.html("sheet.col.must_not_more"), 21),
        (t.html("sheet.col.may"), 23),
    ]))
    for g in groups:
        ids = []
        for f in g.devices:
            item = v(f.device.device_id, SHORT_LIMIT)
            if f.location:
                item += f"（{v(f.location)}）" if language == "ja" else f" ({v(f.location)})"
            ids.append(item)
        if g.model in extra_by_model:
            extra, may = extra_by_model[g.model]
            must = (f"<b>{sep.join(t.policy_item(i) for i in extra)}</b>" if extra
                    else t.html("none"))
            allowed = sep.join(t.policy_item(i) for i in may) if may else t.html("none")
        else:
            must = allowed = f'<span class="sub">{t.html("sheet.no_policy")}</span>'
        model = f"<b>{v(g.model, SHORT_LIMIT)}</b><br>{v(g.manufacturer)}"
        if g.product:
            model += f'<br><span class="sub">{v(g.product)}</span>'
        parts.append(
            f"<tr><td>{t.kind(g.kind)}</td><td>{model}</td><td>{', '.join(ids)}</td>"
            f"<td>{must}</td><td>{allowed}</td></tr>"
        )
    parts.append("</table>")

    # --- equipment identified without attestation (ECHONET Lite), with JC-STAR numbers
    unattested_ok = [f for f in facts.devices if f.unattested_allowed]
    if unattested_ok:
        numbers = {e.device_id: e.registration_number for e in facts.jcstar}
        parts.append(f"<h2>{t.html('sheet.unattested')}</h2>")
        parts.append(f"<p>{t.html('sheet.unattested.note')}</p><ul>")
        for f in unattested_ok:
            jcs = numbers.get(f.device.device_id)
            parts.append(
                f"<li>{t.kind(f.device.kind)} <b>{v(f.model_number, SHORT_LIMIT)}</b> "
                f"({v(f.model.manufacturer if f.model else f.manufacturer)}) "
                f"<span class=\"sub\">{v(f.device.device_id, SHORT_LIMIT)}"
                f"</span>{' · JC-STAR ' + v(jcs, SHORT_LIMIT) if jcs else ''}</li>")
        parts.append("</ul>")

    # --- updates, personal data, resale
    parts.append(f"<h2>{t.html('sheet.updates')}</h2><p>{t.html('sheet.updates.text')}</p>")
    parts.append(f"<h2>{t.html('sheet.data')}</h2><p>{t.html('sheet.data.text')}</p>")
    parts.append(f"<p><b>{t.html('sheet.resale.text')}</b></p>")

    # --- support
    parts.append(f"<h2>{t.html('sheet.support')}</h2>")
    if support.is_empty:
        parts.append(f"<p>{t.html('sheet.support.default')}</p>")
    else:
        lines = []
        if support.name:
            lines.append(f"<b>{v(support.name)}</b>")
        for key, contact in (
            ("sheet.support.phone", support.phone),
            ("sheet.support.email", support.email),
            ("sheet.support.hours", support.hours),
            ("sheet.support.web", support.web),
        ):
            if contact:
                lines.append(f"{t.html(key)}: {v(contact)}")
        parts.append("<p>" + "<br>".join(lines) + "</p>")

    parts.append(PAGE_END)
    title = t.plain("sheet.title")
    footer = t.plain("footer", title=title, job_id=job.id, page="{page}", pages="{pages}")
    return RenderableDocument(
        kind="sheet", language=language, title=title, html="".join(parts), footer=footer,
        job_id=job.id, resources=resources,
    )
