"""The job bundle file: build one, and check one completely before anything is stored.

File (UTF-8 JSON)::

    {"format": "commissioner-job-bundle", "version": 1,
     "signer": "<the exporting installation's card, PEM>",
     "body": "<base64 of the body's JSON bytes>",
     "signature": "<base64 ECDSA-P256-SHA256 over the context and the body bytes>"}

Body: ``job_id``, ``sealed_hash``, ``exported_at``, ``tables`` (every row of the job, as
:meth:`commissioner.jobs.store.JobStore.job_rows` gives them; the audit log is ``steps``),
``handover_report`` (the report built from the sealed record, or null), ``followup`` (the
follow-up log: verification and remediation entries after the seal, chained to it; the
secrets a remediation created travel under ``followup/`` names with the others) and
``secrets`` (null
for a bundle without secrets, else ``recipient`` (the receiving key's fingerprint),
``ephemeral``, ``nonce`` and ``ciphertext``: a JSON map of secret name to base64 value,
encrypted to the recipient's card; the associated data binds the job id, the sealed hash,
the signer and the recipient).

:func:`check_bundle` refuses, each with its own code: unreadable or truncated files, an
unknown format, a signature that does not verify (tampered), a signer other than the one the
caller trusts (foreign), a broken audit chain or seal, a follow-up log not linked to the
seal, a report that cites another seal.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from commissioner.bundles.crypto import (
    BundleCryptoError,
    Card,
    Sealed,
    decrypt_with,
    encrypt_to,
    load_card,
    sign,
    signature_ok,
)
from commissioner.bundles.identity import Installation
from commissioner.errors import UserError
from commissioner.jobs import audit
from commissioner.jobs.models import Step
from commissioner.jobs.store_followup import verify_followup_chain
from commissioner.jobs.store_transfer import Row, steps_from_rows

FORMAT: Final = "commissioner-job-bundle"
VERSION: Final = 1
MAX_BUNDLE_BYTES: Final = 64 * 1024 * 1024

BundleProblem = Literal["unreadable", "tampered", "foreign-signer", "wrong-recipient",
                        "audit-broken", "no-secrets", "report-mismatch"]


class BundleError(UserError):
    """A bundle is refused; ``problem`` says why (nothing was stored)."""

    def __init__(self, problem: BundleProblem, message: str | None = None, *,
                 hint: str | None = None, code: str | None = None,
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message, hint=hint, code=code, params=params)
        self.problem = problem


@dataclass(frozen=True)
class CheckedBundle:
    """A bundle whose signature, audit chain and seal were checked."""

    signer: Card
    body: dict[str, Any]
    job_id: str
    job_number: str
    sealed_hash: str
    entries: int
    followup: tuple[Step, ...] = ()

    @property
    def tables(self) -> dict[str, list[Row]]:
        tables = self.body["tables"]
        assert isinstance(tables, dict)
        return tables

    @property
    def has_secrets(self) -> bool:
        return self.body.get("secrets") is not None

    @property
    def recipient(self) -> str | None:
        s = self.body.get("secrets")
        return str(s.get("recipient")) if isinstance(s, dict) else None

    @property
    def handover_report(self) -> dict[str, Any] | None:
        r = self.body.get("handover_report")
        return r if isinstance(r, dict) else None


def _context(job_id: str, sealed_hash: str, signer: Card, recipient: str) -> bytes:
    return "\0".join(["job-secrets", job_id, sealed_hash, signer.signer_id, recipient]).encode()


def build_bundle(
    *, tables: Mapping[str, list[Row]], own: Installation, recipient: Card | None,
    secrets: Mapping[str, bytes], handover_report: Mapping[str, Any] | None,
    now: dt.datetime | None = None, followup: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """The bundle's bytes. ``recipient`` None: a bundle without secrets (``secrets`` ignored).
    ``followup``: the job's follow-up log as rows (:func:`store_followup.followup_rows`)."""
    job = tables["jobs"][0]
    job_id, sealed = str(job["id"]), str(job["sealed_hash"])
    card = own.card()
    sealed_part: dict[str, str] | None = None
    if recipient is not None:
        plain = json.dumps({k: base64.b64encode(v).decode() for k, v in sorted(secrets.items())},
                           sort_keys=True).encode()
        ctx = _context(job_id, sealed, card, recipient.recipient_id)
        s = encrypt_to(recipient.receiving_key, plain, ctx)
        sealed_part = {"recipient": recipient.recipient_id,
                       "ephemeral": base64.b64encode(s.ephemeral).decode(),
                       "nonce": base64.b64encode(s.nonce).decode(),
                       "ciphertext": base64.b64encode(s.ciphertext).decode()}
    body = {
        "job_id": job_id, "sealed_hash": sealed,
        "exported_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "tables": {k: list(v) for k, v in tables.items()},
        "handover_report": None if handover_report is None else dict(handover_report),
        "followup": [dict(r) for r in followup],
        "secrets": sealed_part,
    }
    body_bytes = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    outer = {"format": FORMAT, "version": VERSION, "signer": card.pem().decode("ascii"),
             "body": base64.b64encode(body_bytes).decode("ascii"),
             "signature": base64.b64encode(sign(own.signing, body_bytes)).decode("ascii")}
    return (json.dumps(outer, indent=1) + "\n").encode("utf-8")


def _unreadable(why: str) -> BundleError:
    return BundleError("unreadable", f"not a readable job bundle: {why}",
                       hint="the file may be truncated or not a bundle; ask for it again")


def check_bundle(data: bytes, *, trusted_signer: Card | None) -> CheckedBundle:
    """Every check that needs no job store. ``trusted_signer`` None: the signature is checked
    against the card the bundle carries (who signed is then only reported)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _unreadable("it is larger than a bundle can be")
    try:
        outer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise _unreadable(f"{type(err).__name__} at byte {getattr(err, 'pos', 0)}") from None
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise _unreadable("it is not marked as a commissioner job bundle")
    if outer.get("version") != VERSION:
        raise BundleError(
            "unreadable",
            code="bundle.version-unsupported",
            params={"version": outer.get("version")})
    try:
        card = load_card(str(outer.get("signer", "")).encode("ascii"), "the bundle's signer")
        body_bytes = base64.b64decode(str(outer.get("body", "")), validate=True)
        signature = base64.b64decode(str(outer.get("signature", "")), validate=True)
    except (BundleCryptoError, binascii.Error, UnicodeEncodeError) as err:
        raise BundleError(
            "tampered", code="bundle.signature-damaged", params={"detail": err}) from None
    if not signature_ok(card, body_bytes, signature):
        raise BundleError("tampered", code="bundle.tampered")
    if trusted_signer is not None and card.signer_id != trusted_signer.signer_id:
        raise BundleError(
            "foreign-signer",
            code="bundle.foreign-signer",
            params={"signer": card.signer_id[:16], "expected": trusted_signer.signer_id[:16]})
    try:
        body = json.loads(body_bytes.decode("utf-8"))
        tables = body["tables"]
        job = tables["jobs"][0]
        job_id, sealed, number = str(job["id"]), str(job["sealed_hash"]), str(job["job_number"])
        if body.get("job_id") != job_id or body.get("sealed_hash") != sealed:
            raise ValueError("the body names another job")
        steps = steps_from_rows(tables.get("steps", []))
        followup_part = body.get("followup") or []
        if not isinstance(followup_part, list):
            raise ValueError("the follow-up log is not a list")
        followup = steps_from_rows(followup_part)
    except (KeyError, IndexError, TypeError, ValueError, UserError, RecursionError) as err:
        raise BundleError(
            "unreadable", code="bundle.job-malformed", params={"detail": err}) from None
    result = audit.verify_chain(steps, job_id, sealed_hash=sealed)
    if not result.ok:
        raise BundleError("audit-broken", code="bundle.audit-broken", params={"detail": result})
    linked = verify_followup_chain(followup, job_id, sealed)
    if not linked.ok:
        raise BundleError("audit-broken", code="bundle.followup-unlinked",
                          params={"detail": linked})
    checked = CheckedBundle(card, body, job_id, number, sealed, result.entries,
                            tuple(followup))
    report = checked.handover_report
    if report is not None:
        cited = (report.get("audit") or {}).get("sealed_hash") if isinstance(
            report.get("audit"), dict) else None
        if cited != sealed:
            raise BundleError(
                "report-mismatch",
                code="bundle.report-other-seal",
                params={"cited": str(cited)[:16]})
    return checked


def open_secrets(checked: CheckedBundle, own: Installation) -> dict[str, bytes]:
    """Decrypt the bundle's secrets with this installation's receiving key."""
    part = checked.body.get("secrets")
    if not isinstance(part, dict):
        raise BundleError("no-secrets", code="bundle.no-secrets")
    mine = own.card()
    if part.get("recipient") != mine.recipient_id:
        raise BundleError(
            "wrong-recipient",
            code="bundle.wrong-recipient",
            params={"recipient": str(part.get("recipient"))[:16], "mine": mine.recipient_id[:16]})
    try:
        sealed = Sealed(base64.b64decode(str(part["ephemeral"]), validate=True),
                        base64.b64decode(str(part["nonce"]), validate=True),
                        base64.b64decode(str(part["ciphertext"]), validate=True))
        ctx = _context(checked.job_id, checked.sealed_hash, checked.signer, mine.recipient_id)
        plain = json.loads(decrypt_with(own.receiving, sealed, ctx))
        return {str(k): base64.b64decode(str(v), validate=True) for k, v in plain.items()}
    except BundleCryptoError as err:
        raise BundleError(
            "tampered", code="bundle.secrets-refused", params={"detail": err}) from None
    except (KeyError, binascii.Error, ValueError, AttributeError) as err:
        raise BundleError(
            "tampered", code="bundle.secrets-malformed", params={"detail": err}) from None
