"""Is the home ready to hand over, and how does it stand against each guideline requirement?

Pure functions of :class:`~commissioner.documents.facts.HandoverFacts`: the close action uses
:func:`blockers` to refuse, and the report uses :func:`evaluate_requirements` for its
per-requirement summary (IDs as in the CCDS smart home guideline 2023).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from commissioner.documents.facts import DeviceFacts, HandoverFacts
from commissioner.jobs.models import Step
from commissioner.jobs.service_level import level_basis
from commissioner.messages import Language, Text, render
from commissioner.trust.gate import Verdict

__all__ = [
    "REQUIREMENTS",
    "Blocker",
    "RequirementResult",
    "blockers",
    "evaluate_requirements",
]

Status = Literal["pass", "fail", "not-checked"]
SHEET_ACTION: Final = "document.sheet"


@dataclass(frozen=True, slots=True)
class Blocker:
    """One reason the job cannot be closed. ``message`` is English; ``code`` and ``params``
    let the GUI say it in the installer's language."""

    code: str  # no-devices | not-certified | blocked | unprovisioned | gateway-auth-failed |
    #            firmware-outdated | firmware-unknown | firmware-vulnerable | no-invitation |
    #            audit-broken | job-closed
    message: str
    device_id: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "device_id": self.device_id, "message": self.message}


def _dev(f: DeviceFacts) -> str:
    return f"{f.device.device_id} ({f.model_number})"


def blockers(facts: HandoverFacts) -> list[Blocker]:
    """Every reason the job in ``facts`` cannot be handed over yet (empty: ready)."""
    out: list[Blocker] = []
    job = facts.job
    if job.is_closed:
        out.append(Blocker("job-closed", f"job {job.id} is already closed"))
    if not facts.devices:
        out.append(Blocker("no-devices", "the job has no devices; scan and certify them first"))
    for f in facts.devices:
        if f.unattested_allowed:
            continue  # identified without attestation, allowed by the catalog's policy
        dev = f.device.device_id
        g = f.gate
        p = {"device": dev, "model": f.model_number}
        if g.verdict is None:
            out.append(Blocker("not-certified", f"{_dev(f)} has not been checked by the "
                               "certified-model gate", dev, p))
        elif g.blocked or g.verdict != "certified":
            why = g.verdict_reason or g.verdict
            extra = " (marked to be replaced)" if g.replace_flag else ""
            out.append(Blocker("blocked", f"{_dev(f)} is blocked: {g.verdict}{extra}: {why}",
                               dev, {**p, "verdict": g.verdict, "reason": why or ""}))
        prov = f.provisioning
        if prov is None or not prov.provisioned:
            why = (prov.readback_detail if prov is not None else None) or (
                "read-back failed" if prov is not None else "no provisioning record")
            out.append(Blocker("unprovisioned", f"{_dev(f)} is not provisioned: {why}", dev,
                               {**p, "reason": why}))
        elif not f.is_gateway and prov.gateway_authenticated is False:
            out.append(Blocker("gateway-auth-failed", f"{_dev(f)} was not authenticated by "
                               "the gateway (allow-list)", dev, p))
        fw = f.firmware
        if fw is None or fw.is_latest is None:
            out.append(Blocker("firmware-unknown", f"{_dev(f)}: no record that it runs the "
                               "latest firmware", dev, p))
        elif not fw.is_latest:
            out.append(Blocker(
                "firmware-outdated",
                f"{_dev(f)} runs firmware {fw.current}, not the latest {fw.latest}", dev,
                {**p, "current": fw.current or "", "latest": fw.latest or ""},
            ))
        elif fw.vulnerable:
            out.append(Blocker("firmware-vulnerable", f"{_dev(f)} runs firmware {fw.current}, "
                               "which is known to be vulnerable", dev,
                               {**p, "current": fw.current or ""}))
    basis = level_basis(facts.job, (f.device.kind for f in facts.devices))
    if basis.needs_reason:
        kinds = ", ".join(basis.suggested_by) or "the answers"
        out.append(Blocker(
            "level-below-suggestion",
            f"the job's level {facts.job.stars} is below the {'★' * basis.suggested_level} "
            f"suggested by {kinds}; record the reason (job set-level --reason) or raise it",
            None, {"level": str(basis.level), "suggested": str(basis.suggested_level),
                   "kinds": ", ".join(basis.suggested_by), "reason": kinds}))
    if facts.invitation is None:
        out.append(Blocker("no-invitation", "no owner invitation has been issued for the home "
                           "(the sheet needs its QR code)"))
    if not facts.audit.ok:
        out.append(Blocker("audit-broken", f"the audit log does not verify: {facts.audit.problem}",
                           None, {"reason": facts.audit.problem or ""}))
    return out


# --------------------------------------------------------------------------- requirements


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    level: int
    title: str  # English
    title_ja: str


REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    Requirement("R2-1", 2, "Service level decided and recorded for the home",
                "サービスレベルの決定と記録"),
    Requirement("R2-2", 2, "Every installed device is a certified model",
                "設置機器がすべて認証済みの型番であること"),
    Requirement("R3-3", 3, "Every installed device is certified at level 3 (★★★)",
                "設置機器がすべて★★★認証済みであること"),
    Requirement("R2-3", 2, "Credentials and access control initialised and read back",
                "認証情報とアクセス制御の初期設定（読み戻し確認）"),
    Requirement("SR2-H-2", 2, "The gateway authenticates genuine devices (allow-list)",
                "ホームゲートウェイによる正規機器の認証（許可リスト）"),
    Requirement("R2-6", 2, "User guidance sheet issued (what must not be changed, purpose)",
                "利用者への案内（変更禁止の設定・目的）の交付"),
    Requirement("R2-7", 2, "Devices run the latest software at handover",
                "機器のソフトウェアが最新であること"),
    Requirement("R2-8", 2, "Software versions, update history and catalog version recorded",
                "ソフトウェアの版数・更新履歴・カタログ版数の記録"),
    Requirement("R3-6", 3, "No device runs a version known to be vulnerable",
                "既知の脆弱性がある版数の機器がないこと"),
    Requirement("R3-5", 3, "Tamper-evident audit log kept and sealed",
                "改ざん検知可能な作業ログの記録と封印"),
)


@dataclass(frozen=True, slots=True)
class Evidence:
    text: str
    steps: tuple[int, ...] = ()
    devices: tuple[str, ...] = ()
    ja: str | None = None  # the same evidence in Japanese (coded evidence only)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "steps": list(self.steps),
                               "devices": list(self.devices)}
        if self.ja is not None:
            out["text_ja"] = self.ja
        return out


def _ev(code: str, params: Mapping[str, object], steps: tuple[int, ...] = (),
        devices: tuple[str, ...] = ()) -> Evidence:
    """Evidence worded by the message catalog, in both languages."""
    return Evidence(render(code, params, "en"), steps, devices, render(code, params, "ja"))


class _Joined(Text):
    """Several coded words joined with the language's separator."""

    def render(self, language: Language = "en") -> str:
        return ("、" if language == "ja" else ", ").join(
            render(str(p), None, language) for p in self.params.values())


def _joined(texts: Iterable[Text]) -> Text:
    return _Joined("", {str(i): t.code for i, t in enumerate(texts)})


VERDICT_WORDS: Final = frozenset(v.value for v in Verdict)


@dataclass(frozen=True, slots=True)
class RequirementResult:
    requirement: Requirement
    status: Status
    applies: bool
    evidence: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        r = self.requirement
        return {
            "id": r.id,
            "level": r.level,
            "title": r.title,
            "applies": self.applies,
            "status": self.status,
            "evidence": [e.to_json() for e in self.evidence],
        }


def _last(steps: Iterable[Step], action: str) -> Step | None:
    found = None
    for s in steps:
        if s.action == action:
            found = s
    return found


def _verdict_steps(facts: HandoverFacts) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in facts.steps:
        if s.action == "gate.verdict" and s.device_id:
            out[s.device_id] = s.idx
    return out


def _ids(devs: Iterable[DeviceFacts]) -> tuple[str, ...]:
    return tuple(f.device.device_id for f in devs)


def _eval(req: Requirement, facts: HandoverFacts) -> tuple[Status, list[Evidence]]:
    allowed = tuple(f for f in facts.devices if f.unattested_allowed)
    # Equipment the policy allows without attestation is neither provisioned nor updated by
    # the app: it is judged under R2-2/R3-3 only, where the report says it was not attested.
    devs = tuple(f for f in facts.devices if f not in allowed)
    job = facts.job
    ev: list[Evidence] = []
    if req.id == "R2-1":
        opened = _last(facts.steps, "job.open")
        ev.append(_ev("evidence.level-recorded", {"level": job.service_level, "stars": job.stars},
                  (opened.idx,) if opened else ()))
        basis = level_basis(job, (f.device.kind for f in facts.devices))
        if job.personal_data is not None:
            ev.append(_ev(
                "evidence.level-answers", {
                    "personal": Text("answer.yes" if job.personal_data else "answer.no"),
                    "life": Text("answer.yes" if job.life_or_property else "answer.no"),
                    "level": basis.answers_level}))
        if basis.suggested_by:
            ev.append(_ev("evidence.level-suggested", {
                "level": basis.suggested_level,
                "kinds": _joined(Text(f"kind.{k}") for k in basis.suggested_by)}))
        changed = _last(facts.steps, "job.level")
        if job.level_reason:
            ev.append(_ev("evidence.level-reason", {"reason": job.level_reason},
                               (changed.idx,) if changed else ()))
        if basis.needs_reason:
            return "fail", ev
        return ("pass" if job.service_level in (2, 3) else "fail"), ev
    if req.id in ("R2-2", "R3-3"):
        if not devs and not allowed:
            return "fail", [_ev("evidence.no-devices", {})]
        vsteps = _verdict_steps(facts)
        if allowed:
            ev.append(_ev(
                "evidence.unattested-allowed", {"count": len(allowed)},
                tuple(sorted(vsteps[i] for i in _ids(allowed) if i in vsteps)), _ids(allowed)))
        bad = [f for f in devs if f.gate.verdict != "certified" or f.gate.blocked]
        if req.id == "R3-3":
            bad += [f for f in devs if f not in bad
                    and job.service_level < 3 and (f.model is None or f.model.level < 3)]
        good = [f for f in devs if f not in bad]
        cat = job.catalog_version or (str(facts.catalog_version) if facts.catalog_version else None)
        if good:
            ev.append(_ev(
                "evidence.certified", {"count": len(good), "version": cat or "-"},
                tuple(sorted(vsteps[i] for i in _ids(good) if i in vsteps)),
                _ids(good)))
        for f in bad:
            what = f.gate.verdict or "not checked"
            ev.append(_ev("evidence.blocked", {
                "device_id": f.device.device_id, "model": f.model_number,
                "verdict": Text(f"verdict.{what}") if what in VERDICT_WORDS else what},
                               tuple(vsteps[i] for i in (f.device.device_id,) if i in vsteps),
                               (f.device.device_id,)))
        return ("fail" if bad else "pass"), ev
    if req.id == "R2-3":
        if not devs:
            return "fail", [_ev("evidence.no-devices", {})]
        ok = [f for f in devs if f.provisioning is not None and f.provisioning.provisioned
              and f.provisioning.default_credential_disabled is not False
              and f.provisioning.admin_credential_set is not False]
        bad = [f for f in devs if f not in ok]
        if ok:
            ev.append(_ev(
                "evidence.provisioned", {"count": len(ok)},
                tuple(sorted({i for f in ok for i in f.provisioning.evidence})),  # type: ignore[union-attr]
                _ids(ok)))
        for f in bad:
            why: Text | str = (f.provisioning.readback_detail or Text("evidence.readback-differs")
                               if f.provisioning is not None else Text("evidence.no-provisioning"))
            ev.append(_ev("evidence.device-detail",
                          {"device_id": f.device.device_id, "detail": why},
                               f.provisioning.evidence if f.provisioning else (),
                               (f.device.device_id,)))
        return ("fail" if bad else "pass"), ev
    if req.id == "SR2-H-2":
        members = [f for f in devs if not f.is_gateway]
        if not members:
            return "not-checked", [_ev("evidence.gateway-only", {})]
        known = [f for f in members if f.provisioning is not None
                 and f.provisioning.gateway_authenticated is not None]
        if not known:
            return "not-checked", [_ev("evidence.no-gateway-auth", {})]
        bad = [f for f in members if f.provisioning is None
               or f.provisioning.gateway_authenticated is not True]
        listed = [f for f in members if f not in bad]
        if listed:
            ev.append(_ev("evidence.allow-listed", {"count": len(listed)},
                               tuple(sorted({i for f in listed for i in f.provisioning.evidence})),  # type: ignore[union-attr]
                               _ids(listed)))
        if bad:
            ev.append(_ev("evidence.not-authenticated", {}, (), _ids(bad)))
        return ("fail" if bad else "pass"), ev
    if req.id == "R2-6":
        sheets = [s for s in facts.steps
                  if s.action in (SHEET_ACTION, "document.reprint") and not s.detail.get("draft")]
        sheet = sheets[-1] if sheets else None
        if sheet is None:
            return "not-checked", [_ev("evidence.no-sheet", {})]
        d = sheet.detail
        if d.get("complete") is not True:
            return "fail", [_ev(
                "evidence.sheet-incomplete", {}, (sheet.idx,))]
        return "pass", [_ev(
            "evidence.sheet-produced", {"language": d.get("language"), "sha256": d.get("sha256")},
            (sheet.idx,))]
    if req.id == "R2-7":
        if not devs:
            return "fail", [_ev("evidence.no-devices", {})]
        latest = [f for f in devs if f.firmware is not None and f.firmware.is_latest]
        bad = [f for f in devs if f not in latest]
        if latest:
            ev.append(_ev("evidence.firmware-latest", {"count": len(latest)},
                               tuple(sorted({i for f in latest for i in f.firmware.evidence})),  # type: ignore[union-attr]
                               _ids(latest)))
        for f in bad:
            fw = f.firmware
            fw_why = (Text("evidence.no-firmware-record") if fw is None or fw.is_latest is None
                      else Text("evidence.firmware-behind", {"current": fw.current,
                                                              "latest": fw.latest}))
            ev.append(_ev("evidence.device-detail", {"device_id": f.device.device_id,
                                                     "detail": fw_why}, fw.evidence if fw else (),
                               (f.device.device_id,)))
        return ("fail" if bad else "pass"), ev
    if req.id == "R2-8":
        cat_step = _last(facts.steps, "job.catalog")
        status: Status = "pass"
        if job.catalog_version is None:
            status = "fail"
            ev.append(_ev("evidence.no-catalog", {}))
        else:
            ev.append(_ev("evidence.catalog", {"version": job.catalog_version},
                               (cat_step.idx,) if cat_step else ()))
        missing = [f for f in devs if f.firmware is None or f.firmware.current is None]
        updated = [f for f in devs if f.firmware is not None and f.firmware.updates]
        if updated:
            ups = [u for f in updated if f.firmware is not None for u in f.firmware.updates]
            ev.append(_ev(
                "evidence.firmware-updates", {"count": len(ups)},
                tuple(sorted(u.step for u in ups if u.step >= 0)), _ids(updated)))
        if missing:
            status = "fail"
            ev.append(_ev("evidence.no-firmware", {}, (), _ids(missing)))
        if not devs:
            status = "fail"
        return status, ev
    if req.id == "R3-6":
        checked = [f for f in devs if f.firmware is not None and f.firmware.vulnerable is not None]
        vulnerable = [f for f in checked if f.firmware.vulnerable]  # type: ignore[union-attr]
        if vulnerable:
            return "fail", [_ev("evidence.vulnerable", {}, (),
                                     _ids(vulnerable))]
        if not devs or len(checked) < len(devs):
            unchecked = [f for f in devs if f not in checked]
            return "not-checked", [_ev("evidence.no-vulnerability-status", {}, (),
                                            _ids(unchecked))]
        return "pass", [_ev("evidence.vulnerability-checked", {"count": len(checked)},
                               (), _ids(checked))]
    if req.id == "R3-5":
        a = facts.audit
        if not a.ok:
            return "fail", [_ev("evidence.audit-broken", {"detail": a.problem},
                                     (a.first_bad_idx,) if a.first_bad_idx is not None else ())]
        if job.is_closed:
            return "pass", [_ev("evidence.audit-sealed",
                                {"count": a.entries, "hash": job.sealed_hash},
                               (a.entries - 1,))]
        return "pass", [_ev("evidence.audit-open", {"count": a.entries})]
    raise AssertionError(req.id)


def evaluate_requirements(facts: HandoverFacts) -> list[RequirementResult]:
    out = []
    for req in REQUIREMENTS:
        status, ev = _eval(req, facts)
        out.append(RequirementResult(req, status, facts.job.service_level >= req.level,
                                     tuple(ev)))
    return out
