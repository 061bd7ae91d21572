"""The operator store: one JSON file of accounts, MACed and anchored in the OS keyring.

Like the job store, the file is checked against what the keyring remembers (see
:mod:`commissioner.jobs.store_anchor`): the keyring item holds the store's id, its generation
(counted up on every write) and the key of the HMAC-SHA256 over the file's content. Refused:

* a file whose MAC does not verify (edited: a role added, a lockout cleared, a hash replaced);
* another store id, or a lower generation (an older copy put back to undo a lockout);
* a file the keyring knows nothing of, and a vanished file the keyring remembers.

Lockout: after :data:`FREE_FAILURES` failed sign-ins in a row, each further failure locks the
account for ``BACKOFF_BASE * 2**k`` seconds (capped at :data:`BACKOFF_CAP`); the count and the
time are kept in the file, so quitting the app does not reset them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from commissioner.atomic_file import write_atomic
from commissioner.errors import UserError
from commissioner.operators import passwords
from commissioner.operators.invalid_value import InvalidValueError
from commissioner.operators.keyring_items import Keyring, store_item
from commissioner.operators.roles import Role, parse_roles

FILE_NAME: Final = "operators.json"
FREE_FAILURES: Final = 5
BACKOFF_BASE: Final = 30.0
BACKOFF_CAP: Final = 3600.0
MAX_BYTES: Final = 1_000_000


class OperatorStoreError(UserError):
    """The operator store cannot be trusted (tampered, replaced, rolled back, vanished)."""


@dataclass(frozen=True, slots=True)
class Operator:
    username: str
    display_name: str
    roles: frozenset[Role]
    password: passwords.PasswordHash
    slot: str | None  # the release key sealed for this account (None: roles need none)
    disabled: bool = False
    must_change: bool = False
    failures: int = 0
    locked_until: str | None = None  # ISO time
    epoch: int = 0  # counted up on password change/reset/disable: older sessions end

    def to_json(self) -> dict[str, Any]:
        return {"username": self.username, "display_name": self.display_name,
                "roles": sorted(r.value for r in self.roles),
                "password": self.password.to_json(), "slot": self.slot,
                "disabled": self.disabled, "must_change": self.must_change,
                "failures": self.failures, "locked_until": self.locked_until,
                "epoch": self.epoch}

    @classmethod
    def from_json(cls, d: Any) -> Operator:
        return cls(str(d["username"]), str(d["display_name"]), parse_roles(d["roles"]),
                   passwords.PasswordHash.from_json(d["password"]),
                   None if d.get("slot") is None else str(d["slot"]),
                   bool(d["disabled"]), bool(d["must_change"]), int(d["failures"]),
                   None if d.get("locked_until") is None else str(d["locked_until"]),
                   int(d["epoch"]))

    def locked_for(self, now: datetime) -> float:
        """Seconds until the next sign-in attempt is allowed (0: now)."""
        if self.locked_until is None:
            return 0.0
        return max(0.0, (datetime.fromisoformat(self.locked_until) - now).total_seconds())


def backoff_seconds(failures: int) -> float:
    """The lock after the ``failures``-th failure in a row (0 while under the free count)."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - FREE_FAILURES)))


def clean_username(text: str) -> str:
    name = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if not (1 <= len(name) <= 32) or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidValueError(code="operator.bad-username")
    return name


@dataclass
class OperatorFile:
    store_id: str
    generation: int
    release_check: str  # sha256 of the release key: a wrong slot is noticed
    operators: dict[str, Operator] = field(default_factory=dict)


class OperatorStore:
    """Accounts in ``<data dir>/operators.json``; every read is checked, every write anchored."""

    def __init__(self, data_dir: Path, ring: Keyring) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._ring = ring

    # -- anchor ---------------------------------------------------------------------------
    def _anchor(self) -> dict[str, Any] | None:
        text = self._ring.read(store_item(self.path))
        if text is None:
            return None
        try:
            data = json.loads(text)
            return {"store_id": str(data["store_id"]), "generation": int(data["generation"]),
                    "key": base64.b64decode(str(data["key"]), validate=True)}
        except (ValueError, KeyError, TypeError):
            raise OperatorStoreError(code="operators.anchor-unreadable") from None

    def exists(self) -> bool:
        return self.path.exists() or self._anchor() is not None

    def load(self) -> OperatorFile:
        anchor = self._anchor()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            if anchor is not None:
                raise OperatorStoreError(code="operators.vanished",
                                         params={"path": self.path}) from None
            raise
        except OSError as err:
            raise OperatorStoreError(code="operators.unreadable", params={
                "path": self.path, "reason": err.strerror}) from None
        if anchor is None:
            raise OperatorStoreError(code="operators.unknown", params={"path": self.path})
        try:
            outer = json.loads(raw[:MAX_BYTES])
            body = outer["body"]
            mac = base64.b64decode(str(outer["mac"]), validate=True)
        except (ValueError, KeyError, TypeError):
            raise OperatorStoreError(code="operators.damaged",
                                     params={"path": self.path}) from None
        expected = hmac.new(anchor["key"], body.encode("utf-8"), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise OperatorStoreError(code="operators.altered", params={"path": self.path})
        data = json.loads(body)
        found = OperatorFile(str(data["store_id"]), int(data["generation"]),
                             str(data["release_check"]),
                             {d["username"]: Operator.from_json(d) for d in data["operators"]})
        if found.store_id != anchor["store_id"]:
            raise OperatorStoreError(code="operators.replaced", params={"path": self.path})
        if found.generation < anchor["generation"]:
            raise OperatorStoreError(code="operators.older-copy", params={
                "path": self.path, "found": found.generation,
                "expected": anchor["generation"]})
        return found

    def save(self, state: OperatorFile) -> None:
        anchor = self._anchor()
        key = anchor["key"] if anchor is not None else secrets.token_bytes(32)
        state.generation += 1
        body = json.dumps({"store_id": state.store_id, "generation": state.generation,
                           "release_check": state.release_check,
                           "operators": [o.to_json() for o in state.operators.values()]},
                          sort_keys=True, ensure_ascii=False)
        mac = hmac.new(key, body.encode("utf-8"), hashlib.sha256).digest()
        data = json.dumps({"body": body, "mac": base64.b64encode(mac).decode("ascii")})
        # The keyring first: a crash between the two leaves a newer anchor, which refuses the
        # older file (the safe side) instead of accepting a rolled-back one.
        self._ring.write(store_item(self.path), json.dumps({
            "store_id": state.store_id, "generation": state.generation,
            "key": base64.b64encode(key).decode("ascii"), "path": str(self.path)}))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, data.encode("utf-8"), mode=0o600)

    @staticmethod
    def new_state(release_key: bytes) -> OperatorFile:
        return OperatorFile(secrets.token_hex(16), 0,
                            hashlib.sha256(release_key).hexdigest())


def record_failure(op: Operator, now: datetime) -> Operator:
    failures = op.failures + 1
    wait = backoff_seconds(failures)
    until = (now + timedelta(seconds=wait)).isoformat() if wait else op.locked_until
    return replace(op, failures=failures, locked_until=until)


def utc_now() -> datetime:
    return datetime.now(UTC)
