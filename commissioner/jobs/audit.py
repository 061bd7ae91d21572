"""The tamper-evident audit log (guideline R3-5): hash chain, verification, JSON Lines export.

Every step of a job carries ``hash = SHA-256(canonical(job_id, idx, at, operator, device_id,
action, detail, prev_hash))`` where ``canonical`` is the compact JSON array of those eight values
(``detail`` as its stored canonical JSON text, UTF-8, no ASCII escaping) and ``prev_hash`` is the
previous step's hash, or ``SHA-256("genesis:" + job_id)`` for the first step. Closing a job
stores the last hash as the job's *sealed hash*; printed on the handover report it anchors the
whole log outside the database.

What the chain detects: an edited entry, a deleted or inserted entry, entries reordered, and,
once a job is closed, entries removed from or added to its end. What it cannot detect on its
own: someone who rewrites the tail of an *open* job's log and recomputes every hash after it
(the hash is unkeyed); the printed sealed hash is the defence for closed jobs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from commissioner.jobs.models import JSON, Step

# Keys that must never reach the audit log (SR2-SP-5): the store refuses details using them.
SECRET_KEY_PARTS = (
    "secret",
    "password",
    "passwd",
    "passcode",
    "private",
    "setup_code",
    "setupcode",
    "token",
)
_SECRET_EXACT = frozenset({"key", "psk", "otp"})
MAX_DETAIL_BYTES = 64 * 1024


def genesis_hash(job_id: str) -> str:
    return hashlib.sha256(("genesis:" + job_id).encode("utf-8")).hexdigest()


def canonical_detail(detail: Mapping[str, JSON]) -> str:
    """Canonical JSON text of a step detail: sorted keys, compact, UTF-8, no NaN/Infinity.

    Raises ValueError if the detail is not JSON-serialisable, uses a secret-like key, or is
    larger than MAX_DETAIL_BYTES.
    """
    if not isinstance(detail, Mapping):
        raise ValueError("detail must be a mapping of string keys to JSON values")
    _check_json(detail, "detail")
    try:
        text = json.dumps(
            detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        size = len(text.encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError) as err:
        raise ValueError(f"detail is not JSON-serialisable: {err}") from None
    if size > MAX_DETAIL_BYTES:
        raise ValueError(f"detail is too large ({size} bytes, at most {MAX_DETAIL_BYTES})")
    return text


def _is_secret_key(key: str) -> bool:
    k = key.lower().replace("-", "_")
    if k in _SECRET_EXACT or (k.endswith("_key") and k != "public_key"):
        return True
    if "pin" in k.split("_"):
        return True
    return any(part in k for part in SECRET_KEY_PARTS)


def _check_json(value: object, where: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not allowed in JSON")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not a string")
            if _is_secret_key(key):
                raise ValueError(
                    f"{where}: key {key!r} looks like a secret; secrets never go into the "
                    "audit log (keep them in the keyring or the encrypted store)"
                )
            _check_json(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not JSON-serialisable")


def step_hash(
    *,
    job_id: str,
    idx: int,
    at: str,
    operator: str,
    device_id: str | None,
    action: str,
    detail_json: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [job_id, idx, at, operator, device_id, action, detail_json, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def recompute_hash(step: Step) -> str:
    return step_hash(
        job_id=step.job_id,
        idx=step.idx,
        at=step.at,
        operator=step.operator,
        device_id=step.device_id,
        action=step.action,
        detail_json=step.detail_json,
        prev_hash=step.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class AuditResult:
    ok: bool
    first_bad_idx: int | None = None
    problem: str | None = None
    entries: int = 0
    last_hash: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries, last hash {self.last_hash}"
        return self.problem or "audit log broken"


def _fail(idx: int | None, problem: str, entries: int) -> AuditResult:
    return AuditResult(ok=False, first_bad_idx=idx, problem=problem, entries=entries)


def verify_chain(
    steps: Sequence[Step], job_id: str, *, sealed_hash: str | None = None
) -> AuditResult:
    """Check a job's steps, in index order, and name the first broken entry.

    ``sealed_hash`` (the closed job's stored final hash) also checks that nothing was removed
    from or added to the end after closing.
    """
    n = len(steps)
    if n == 0:
        return _fail(0, "entry 0: missing (the log is empty; 'job.open' was deleted)", 0)
    known = {s.hash: pos for pos, s in enumerate(steps)}
    prev = genesis_hash(job_id)
    for pos, step in enumerate(steps):
        try:
            if step.job_id != job_id:
                return _fail(pos, f"entry {pos}: belongs to job {step.job_id!r}", n)
            if step.idx < pos:
                return _fail(
                    pos,
                    f"entry {pos}: index {step.idx} repeated or out of order "
                    "(entry inserted or entries reordered)",
                    n,
                )
            if step.idx > pos:
                return _fail(
                    pos,
                    f"entry {pos}: missing - index gap: expected {pos}, found {step.idx} "
                    "(entry deleted)",
                    n,
                )
            if step.prev_hash != prev:
                where = known.get(step.prev_hash)
                if where is not None and where > pos:
                    why = f"entries reordered: it follows entry {where}"
                elif where is not None and where < pos - 1:
                    why = f"entries {where + 1}..{pos - 1} were inserted before it"
                else:
                    why = "entry deleted or inserted before it"
                return _fail(pos, f"entry {pos}: previous-hash link broken ({why})", n)
            if recompute_hash(step) != step.hash:
                return _fail(pos, f"entry {pos}: hash does not match its content (edited)", n)
        except (TypeError, ValueError) as err:
            return _fail(pos, f"entry {pos}: malformed ({err})", n)
        prev = step.hash
    if sealed_hash is not None and sealed_hash != prev:
        sealed_at = known.get(sealed_hash)
        if sealed_at is not None:
            why = f"entries after {sealed_at} were added after closing"
            return _fail(sealed_at + 1, f"sealed hash mismatch: {why}", n)
        return _fail(
            n - 1,
            f"sealed hash mismatch: the last entry ({n - 1}) is not the one sealed at closing "
            "(entries removed or replaced at the end)",
            n,
        )
    return AuditResult(ok=True, entries=n, last_hash=prev)


def export_jsonl(steps: Iterable[Step], fp: IO[str]) -> int:
    """Write the steps as JSON Lines (one object per step, sorted keys); returns the count."""
    count = 0
    for step in steps:
        fp.write(json.dumps(step.to_json(), sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
    return count


def load_jsonl(fp: IO[str]) -> list[Step]:
    """Read steps written by :func:`export_jsonl` so an exported log can be verified offline."""
    steps: list[Step] = []
    for lineno, line in enumerate(fp, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            detail = obj["detail"]
            if not isinstance(detail, dict):
                raise ValueError("detail is not an object")
            steps.append(
                Step(
                    seq=lineno,
                    job_id=str(obj["job_id"]),
                    idx=int(obj["idx"]),
                    at=str(obj["at"]),
                    operator=str(obj["operator"]),
                    device_id=None if obj["device_id"] is None else str(obj["device_id"]),
                    action=str(obj["action"]),
                    detail_json=json.dumps(
                        detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                    ),
                    prev_hash=str(obj["prev_hash"]),
                    hash=str(obj["hash"]),
                )
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"line {lineno}: not an audit log entry ({err})") from None
    return steps
