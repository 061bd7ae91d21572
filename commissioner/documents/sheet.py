"""The user guidance sheet (guideline R2-6): what the owner gets at handover, A4, 1-3 pages.

Only devices that passed (certified and provisioned) are listed. An unfinished job gives a
draft: marked on every page, without the takeover QR code or typed code. The device table is
built from :class:`SheetRow` values (one per model), so other kinds of rows (equipment that
was identified without attestation, for example) can be added as rows of their own; each row
is one table of its own in the HTML, so Qt never splits a row across two pages.

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
from typing import Final

from commissioner.documents.common import (
    PAGE_END,
    OwnerApp,
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
from commissioner.documents.strings import DEFAULT_LANGUAGE, KIND_DATA, Texts
from commissioner.documents.text import SHORT_LIMIT

__all__ = ["QR_RESOURCE", "SheetRow", "build_sheet", "device_rows"]

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


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of the device table, already escaped HTML per cell."""

    kind: str
    model: str
    ids: str
    settings: str
    support_until: str
    data_kinds: str


def device_rows(facts: HandoverFacts, t: Texts) -> list[SheetRow]:
    """The rows for the devices that passed, one per model."""
    v = t.value
    language = t.language
    passed = [f for f in facts.devices if f.passed]
    _common, per_model, _missing = policy_summary(passed)
    extra_by_model = {number: (extra, may) for number, extra, may in per_model}
    sep = "、" if language == "ja" else ", "
    rows: list[SheetRow] = []
    for g in _groups(passed):
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
            settings = (f"{t.html('sheet.col.may')}: {allowed}<br>"
                        f"{t.html('sheet.col.must_not_more')}: {must}")
        else:
            settings = f'<span class="sub">{t.html("sheet.no_policy")}</span>'
        model = f"<b>{v(g.model, SHORT_LIMIT)}</b><br>{v(g.manufacturer)}"
        if g.product and language != "ja":  # the catalog's product names are English
            model += f'<br><span class="sub">{v(g.product)}</span>'
        policy = g.devices[0].policy
        until = policy.update_support_until if policy is not None else None
        support_until = (v(format_date(until.isoformat(), language)) if until is not None
                         else t.html("sheet.support_until.unknown"))
        kinds: list[str] = []
        for f in g.devices:
            for k in f.data_kinds or KIND_DATA.get(f.device.kind, ()):
                if k not in kinds:
                    kinds.append(k)
        data = sep.join(t.data_kind(k) for k in kinds) if kinds else t.html("none")
        rows.append(SheetRow(t.kind(g.kind), model, ", ".join(ids), settings, support_until,
                             data))
    return rows


_COLUMNS: Final = (
    ("sheet.col.kind", 12), ("sheet.col.model", 18), ("sheet.col.device_id", 16),
    ("sheet.col.may", 26), ("sheet.col.support_until", 12), ("sheet.col.data_kinds", 16),
)


def _device_table(t: Texts, rows: Sequence[SheetRow]) -> list[str]:
    """The header and every row as separate one-row tables: a row is never split."""
    out = [grid_open(small=True), header_row([(t.html(k), w) for k, w in _COLUMNS]), "</table>"]
    for r in rows:
        cells = (r.kind, r.model, r.ids, r.settings, r.support_until, r.data_kinds)
        out.append(grid_open(small=True) + "<tr>" + "".join(
            f'<td width="{w}%"{" nowrap" if k == "sheet.col.support_until" else ""}>{c}</td>'
            for (k, w), c in zip(_COLUMNS, cells, strict=True)
        ) + "</tr></table>")
    return out


def sheet_is_complete(facts: HandoverFacts, *, support: SupportContact | None,
                      owner_app: OwnerApp | None, draft: bool) -> bool:
    """Whether the sheet carries everything R2-6 and the owner need."""
    passed = [f for f in facts.devices if f.passed]
    return (
        not draft and facts.invitation is not None and bool(passed)
        and support is not None and not support.missing
        and owner_app is not None and owner_app.name is not None and owner_app.how is not None
        and all(f.policy is not None for f in passed)
    )


def build_sheet(
    facts: HandoverFacts,
    *,
    language: str = DEFAULT_LANGUAGE,
    support: SupportContact | None = None,
    owner_app: OwnerApp | None = None,
    draft: bool = False,
) -> RenderableDocument:
    """The guidance sheet for the job in ``facts`` as a document ready for Qt to draw.

    ``draft``: the job is unfinished; the sheet is marked as a draft on every page and
    carries no takeover code."""
    t = Texts(language)
    job = facts.job
    support = support or SupportContact()
    owner_app = owner_app or OwnerApp()
    v = t.value
    passed = [f for f in facts.devices if f.passed]
    parts: list[str] = [page_start(t)]

    # --- title
    if draft:
        parts.append(f'<p class="draft">{t.html("sheet.draft")}</p>')
    parts.append(f"<h1>{t.html('sheet.title')}</h1>")
    parts.append(f'<p class="sub">{t.html("sheet.subtitle")}</p>')

    # --- the home (left) and the owner takeover (right)
    handover_day = format_date(job.closed_at or facts.generated_at, language)
    level = t.html("level", stars=job.stars, level=job.service_level)
    explain = f"sheet.level.explain.{job.service_level}"
    if t.has(explain):
        level += f'<br><span class="small">{t.html(explain)}</span>'
    rows = [
        ("sheet.site", v(job.site_name)),
        ("sheet.address", v(job.site_address, 200)),
        ("sheet.job_number", v(job.job_number, SHORT_LIMIT)),
        ("sheet.service_level", level),
        ("sheet.handover_date", v(handover_day)),
        ("sheet.operator", v(job.operator)),
    ]
    info = [f"<h3>{t.html('sheet.home')}</h3>", grid_open()]
    for key, value in rows:
        info.append(f'<tr><td class="label" width="30%">{t.html(key)}</td><td>{value}</td></tr>')
    info.append("</table>")

    resources: dict[str, bytes] = {}
    owner: list[str] = [f"<h3>{t.html('sheet.owner')}</h3>"]
    invitation = None if draft else facts.invitation
    if invitation is not None:
        resources[QR_RESOURCE] = qr_png(invitation.payload)
        size = _mm(QR_MM)
        owner.append(
            '<table cellspacing="0" cellpadding="0"><tr>'
            f'<td width="{size + 6}"><img src="{QR_RESOURCE}" width="{size}" height="{size}"></td>'
            f'<td><p class="small">{t.html("sheet.owner.text")}</p></td></tr></table>'
        )
        if invitation.code is not None:
            owner.append(f'<p class="small"><b>{t.html("sheet.owner.typed")}</b></p>')
            owner.append(f'<p class="typed">{v(invitation.code, SHORT_LIMIT)}</p>')
        if invitation.expires_at is not None:
            expiry = format_datetime(invitation.expires_at, language)
            owner.append(f'<p class="small">{t.html("sheet.owner.expiry", expiry=expiry)}</p>')
        owner.append(f'<p class="small"><b>{t.html("sheet.owner.secret")}</b></p>')
    else:
        owner.append(f'<p class="small">{t.html("sheet.owner.missing")}</p>')
    # --- the owner app
    owner.append(f"<h3>{t.html('sheet.app')}</h3>")
    if owner_app.name:
        owner.append(f'<p class="small">{t.html("sheet.app.name")}: <b>{v(owner_app.name)}</b>'
                     + (f"<br>{t.html('sheet.app.how')}: {v(owner_app.how, 200)}"
                        if owner_app.how else "")
                     + (f"<br>{v(owner_app.web, 200)}" if owner_app.web else "") + "</p>")
    else:
        owner.append(f'<p class="small">{t.html("sheet.app.missing")}</p>')
    parts.append(
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="56%" valign="top">{"".join(info)}</td><td width="2%"></td>'
        '<td width="42%" valign="top" style="background-color: #f4f7fb;">'
        f'<table width="100%" cellpadding="5" cellspacing="0"><tr><td>{"".join(owner)}</td></tr>'
        "</table></td></tr></table>"
    )

    # --- support (near the top: it is what the owner looks for)
    parts.append(f"<h2>{t.html('sheet.support')}</h2>")
    if support.missing:
        parts.append(f"<p>{t.html('sheet.support.missing')} "
                     f"{t.html('sheet.support.default')}</p>")
    lines = []
    if support.name:
        lines.append(f"<b>{v(support.name)}</b>")
    for key, contact in (
        ("sheet.support.phone", support.phone),
        ("sheet.support.hours", support.hours),
        ("sheet.support.email", support.email),
        ("sheet.support.web", support.web),
    ):
        if contact:
            lines.append(f"{t.html(key)}: {v(contact)}")
    if lines:
        parts.append("<p>" + "<br>".join(lines) + "</p>")

    # --- purpose and functions
    parts.append(f"<h2>{t.html('sheet.purpose')}</h2>")
    parts.append(f"<p>{t.html('sheet.purpose.text')}</p>")
    kinds: list[str] = []
    for f in passed:
        if f.device.kind not in kinds:
            kinds.append(f.device.kind)
    functions = [fn for fn in (t.function(k) for k in kinds) if fn is not None]
    if functions:
        parts.append(f"<p>{t.html('sheet.functions')}</p><ul>")
        parts.extend(f"<li>{fn}</li>" for fn in functions)
        parts.append("</ul>")
    parts.append(f"<p><b>{t.html('sheet.purpose.warning')}</b></p>")

    # --- what the owner must not change: the configuration and the settings (R2-6)
    common, _per_model, _missing = policy_summary(passed)
    parts.append(f"<h2>{t.html('sheet.settings')}</h2>")
    warn = [f"<p><b>⚠ {t.html('sheet.warning.title')}</b></p>"]
    warn.append(f"<p>{t.html('sheet.warning.text')}</p>")
    warn.append(f"<p><b>{t.html('sheet.config')}</b></p><ul>")
    warn.extend(f"<li>{t.html(k)}</li>" for k in (
        "sheet.config.devices", "sheet.config.connections", "sheet.config.usb",
        "sheet.config.power"))
    warn.append("</ul>")
    if common:
        warn.append(f"<p><b>{t.html('sheet.must_not.all')}</b></p><ul>")
        warn.extend(f"<li><b>{t.policy_item(i)}</b></li>" for i in common)
        warn.append("</ul>")
    parts.append(
        '<table width="100%" border="1" cellspacing="0" cellpadding="5" '
        'style="border-collapse: collapse; border-color: #c99a06;">'
        f'<tr><td class="warn">{"".join(warn)}</td></tr></table>'
    )
    # --- after a mistaken change or odd behaviour
    parts.append(f"<h2>{t.html('sheet.trouble')}</h2><ol>")
    parts.extend(f"<li>{t.html(f'sheet.trouble.{i}')}</li>" for i in range(1, 5))
    parts.append("</ol>")

    # --- installed devices
    parts.append(f"<h2>{t.html('sheet.devices', n=len(passed))}</h2>")
    parts.append(f"<p>{t.html('sheet.per_model.note')}</p>")
    parts.extend(_device_table(t, device_rows(facts, t)))

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

    parts.append(PAGE_END)
    title = t.plain("sheet.title")
    if draft:
        title = f"{t.plain('sheet.draft.mark')} - {title}"
    footer = t.plain("footer", title=title, job_id=job.job_number or job.id, page="{page}",
                     pages="{pages}")
    return RenderableDocument(
        kind="sheet", language=language, title=title, html="".join(parts), footer=footer,
        job_id=job.id, resources=resources,
    )
