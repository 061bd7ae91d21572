"""Persistent provisioning state of a virtual device (the ``provisioning`` and
``injected_faults`` members of ``state.json``; see docs/device-protocol.md sections 13-17).

Private keys are not in here: the operational key is ``operational-key.pem`` and the gateway's
issuing-CA key ``issuing-ca-key.pem`` in the device directory (both 0600). The admin
credential is never stored, only its HKDF verifier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    INVITATION_ID_RE,
    SHA256_HEX_RE,
    CertRole,
)
from commissioner.virtualhome.lies import LIES

OPERATIONAL_KEY_FILE: Final = "operational-key.pem"
ISSUING_CA_KEY_FILE: Final = "issuing-ca-key.pem"

# Fault hooks for the app's tests (set with ``virtual-home ctl DIR fault DEVICE_ID NAME``).
FAULT_DROP: Final = "drop-during-provisioning"
FAULT_MALFORMED_CSR: Final = "malformed-csr"
FAULT_FOREIGN_CSR: Final = "foreign-csr"
FAULT_WEAK_CSR: Final = "weak-csr"
FAULT_CLEAR: Final = "clear"
INJECTABLE_FAULTS: Final = frozenset(
    {FAULT_DROP, FAULT_MALFORMED_CSR, FAULT_FOREIGN_CSR, FAULT_WEAK_CSR} | LIES
)
DROP_VARIANTS: Final = ("before", "after")  # drop before handling the request, or after it
WEAK_CSR_VARIANTS: Final = ("rsa-2048", "p-384")


@dataclass(slots=True)
class Invitation:
    token_sha256: str
    expires_at: int
    epoch: int
    redeemed_at: float | None = None
    code_verifier: str | None = None  # of the typed takeover code (protocol.takeover_code)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "token_sha256": self.token_sha256,
            "expires_at": self.expires_at,
            "epoch": self.epoch,
            "redeemed_at": self.redeemed_at,
        }
        if self.code_verifier is not None:
            out["code_verifier"] = self.code_verifier
        return out


@dataclass(slots=True)
class Provisioning:
    admin_verifier: str | None = None  # base64 of the 32-byte HKDF verifier
    csr_pem: str | None = None  # CSR of the key in operational-key.pem
    operational_cert_pem: str | None = None
    cert_chain_pems: list[str] = field(default_factory=list)  # as given, home CA last
    acl_home_ca_pem: str | None = None
    acl_entries: list[dict[str, Any]] = field(default_factory=list)
    issuing_ca_pem: str | None = None  # gateway only
    allow_list: list[dict[str, str]] = field(default_factory=list)  # gateway only
    invitations: dict[str, Invitation] = field(default_factory=dict)  # gateway only

    @property
    def owner_epoch(self) -> int | None:
        for entry in self.acl_entries:
            if entry.get("role") == CertRole.OWNER.value:
                epoch = entry.get("epoch")
                return epoch if isinstance(epoch, int) else None
        return None

    def acl_roles(self) -> frozenset[str]:
        return frozenset(str(e.get("role")) for e in self.acl_entries)

    def to_json(self) -> dict[str, Any]:
        return {
            "admin_verifier": self.admin_verifier,
            "csr_pem": self.csr_pem,
            "operational_cert_pem": self.operational_cert_pem,
            "cert_chain_pems": list(self.cert_chain_pems),
            "acl_home_ca_pem": self.acl_home_ca_pem,
            "acl_entries": [dict(e) for e in self.acl_entries],
            "issuing_ca_pem": self.issuing_ca_pem,
            "allow_list": [dict(e) for e in self.allow_list],
            "invitations": {k: v.to_json() for k, v in self.invitations.items()},
        }

    @classmethod
    def from_json(cls, raw: object) -> Provisioning:
        """Parse; ValueError naming the first problem."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ValueError("provisioning is not an object")

        def opt_str(key: str) -> str | None:
            v = raw.get(key)
            if v is not None and not isinstance(v, str):
                raise ValueError(f"provisioning.{key} must be a string or null")
            return v

        chain = raw.get("cert_chain_pems", [])
        if not isinstance(chain, list) or not all(isinstance(c, str) for c in chain):
            raise ValueError("provisioning.cert_chain_pems must be a list of strings")
        entries = raw.get("acl_entries", [])
        if not isinstance(entries, list) or not all(
            isinstance(e, dict)
            and e.get("role") in {r.value for r in CertRole}
            and (
                "epoch" not in e
                or (isinstance(e["epoch"], int) and not isinstance(e["epoch"], bool))
            )
            for e in entries
        ):
            raise ValueError("provisioning.acl_entries is malformed")
        allow = raw.get("allow_list", [])
        if not isinstance(allow, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("device_id"), str)
            and DEVICE_ID_RE.fullmatch(e["device_id"])
            and isinstance(e.get("fingerprint"), str)
            and SHA256_HEX_RE.fullmatch(e["fingerprint"])
            for e in allow
        ):
            raise ValueError("provisioning.allow_list is malformed")
        invitations_raw = raw.get("invitations", {})
        if not isinstance(invitations_raw, dict):
            raise ValueError("provisioning.invitations must be an object")
        invitations: dict[str, Invitation] = {}
        for key, inv in invitations_raw.items():
            if not INVITATION_ID_RE.fullmatch(key) or not isinstance(inv, dict):
                raise ValueError("provisioning.invitations is malformed")
            token, expires, epoch, redeemed = (
                inv.get("token_sha256"),
                inv.get("expires_at"),
                inv.get("epoch"),
                inv.get("redeemed_at"),
            )
            if (
                not isinstance(token, str)
                or not SHA256_HEX_RE.fullmatch(token)
                or isinstance(expires, bool)
                or not isinstance(expires, int)
                or isinstance(epoch, bool)
                or not isinstance(epoch, int)
                or not (
                    redeemed is None
                    or (
                        isinstance(redeemed, int | float)
                        and not isinstance(redeemed, bool)
                        and math.isfinite(redeemed)
                    )
                )
            ):
                raise ValueError(f"provisioning.invitations[{key!r}] is malformed")
            verifier = inv.get("code_verifier")
            if verifier is not None and (
                not isinstance(verifier, str) or not SHA256_HEX_RE.fullmatch(verifier)
            ):
                raise ValueError(f"provisioning.invitations[{key!r}] is malformed")
            invitations[key] = Invitation(
                token, expires, epoch, None if redeemed is None else float(redeemed), verifier
            )
        return cls(
            admin_verifier=opt_str("admin_verifier"),
            csr_pem=opt_str("csr_pem"),
            operational_cert_pem=opt_str("operational_cert_pem"),
            cert_chain_pems=list(chain),
            acl_home_ca_pem=opt_str("acl_home_ca_pem"),
            acl_entries=[dict(e) for e in entries],
            issuing_ca_pem=opt_str("issuing_ca_pem"),
            allow_list=[
                {"device_id": e["device_id"], "fingerprint": e["fingerprint"]} for e in allow
            ],
            invitations=invitations,
        )


def parse_injected_faults(raw: object) -> dict[str, dict[str, Any]]:
    """``{"<fault name>": {"remaining": int | None, "variant": str | None}}``; ValueError."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("injected_faults is not an object")
    out: dict[str, dict[str, Any]] = {}
    for name, spec in raw.items():
        if name not in INJECTABLE_FAULTS or not isinstance(spec, dict):
            raise ValueError(f"injected_faults has an unknown entry {str(name)[:40]!r}")
        remaining, variant = spec.get("remaining"), spec.get("variant")
        if remaining is not None and (
            isinstance(remaining, bool) or not isinstance(remaining, int) or remaining < 0
        ):
            raise ValueError(f"injected_faults[{name!r}].remaining is malformed")
        if variant is not None and not isinstance(variant, str):
            raise ValueError(f"injected_faults[{name!r}].variant is malformed")
        out[name] = {"remaining": remaining, "variant": variant}
    return out
