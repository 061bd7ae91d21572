"""Two advertisements, one device id: ask each endpoint to prove it (issue: spoofed discovery).

An advertisement is not proof: anyone on the home network can copy a device's TXT record under
another service instance name. Which copy discovery heard first is a race, so it must not decide
which endpoint the gate judges - or a genuine device is judged counterfeit because an impostor
answered first. :func:`resolve_claims` checks every claimant's endpoint the way the gate does
(:func:`commissioner.trust.gate.certify_device`: a TLS handshake proving the attestation key, a
chain to the catalog root of the manufacturer, the device id in the certificate) and

* keeps the one claimant whose attestation verifies; every other claimant is a
  :class:`SpoofingAttempt`, reported with its address (the genuine device is not blamed);
* keeps none when no claimant or more than one verifies: nothing is decided here, and the
  device is judged as discovery saw it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commissioner.backends import DEFAULT_TIMEOUT, DeviceBackend, TrustStore
from commissioner.discovery.events import Sighting
from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.gate import (
    DeviceVerdict,
    GateTarget,
    Verdict,
    certify_device,
    trust_store_for,
)

__all__ = ["ClaimResolution", "SpoofingAttempt", "proves_identity", "resolve_claims",
           "resolve_contested"]

# Verdicts reached only after the chain verified for this device id: the endpoint proved it
# is the device (whether its model is certified is another question, for the gate).
_PROVEN = frozenset(Verdict) - {
    Verdict.COUNTERFEIT, Verdict.IDENTITY_MISMATCH, Verdict.UNREACHABLE,
    Verdict.UNKNOWN_MANUFACTURER, Verdict.MODEL_MATCHED_NOT_ATTESTED,
}


@dataclass(frozen=True, slots=True)
class SpoofingAttempt:
    """An advertisement that claimed a device id its endpoint could not prove."""

    device_id: str
    source: str  # the mDNS service instance name
    address: str | None
    port: int | None
    reason: str  # why its proof failed (the gate's sentence)
    reason_code: str
    genuine_source: str  # the instance whose endpoint proved the id

    @property
    def endpoint(self) -> str:
        return f"{self.address}:{self.port}" if self.port is not None else str(self.address)

    def to_json(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "source": self.source, "address": self.address,
                "port": self.port, "reason": self.reason, "reason_code": self.reason_code,
                "genuine_source": self.genuine_source}


@dataclass(frozen=True, slots=True)
class ClaimResolution:
    device_id: str
    kept: tuple[str, Sighting] | None  # the claimant that proved the id, if exactly one did
    attempts: tuple[SpoofingAttempt, ...] = ()


def proves_identity(verdict: DeviceVerdict) -> bool:
    """True when the endpoint proved it holds the attestation of this device id."""
    return verdict.attested and verdict.verdict in _PROVEN


async def resolve_claims(
    device_id: str,
    claims: Sequence[tuple[str, Sighting]],
    catalog: Catalog,
    service_level: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per endpoint and network step
    trust: TrustStore | None = None,
    backend: DeviceBackend | None = None,
) -> ClaimResolution:
    """Check every claimant of ``device_id`` (all at once) and keep the one that proves it."""
    verdicts = await asyncio.gather(*(
        certify_device(GateTarget.from_sighting(s), catalog, service_level, timeout=timeout,
                       trust=trust, backend=backend)
        for _, s in claims
    ))
    proven = [i for i, v in enumerate(verdicts) if proves_identity(v)]
    if len(proven) != 1:
        return ClaimResolution(device_id, None)
    kept = claims[proven[0]]
    attempts = tuple(
        SpoofingAttempt(device_id, source, sighting.address, sighting.port, v.reason,
                        v.reason_code, kept[0])
        for (source, sighting), v in zip(claims, verdicts, strict=True)
        if (source, sighting) != kept
    )
    return ClaimResolution(device_id, kept, attempts)


async def resolve_contested(
    contested: Mapping[str, Sequence[tuple[str, Sighting]]],
    catalog: Catalog,
    service_level: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per endpoint and network step
    backend: DeviceBackend | None = None,
) -> list[ClaimResolution]:
    """:func:`resolve_claims` for every contested id (by id)."""
    trust = trust_store_for(catalog)
    return list(await asyncio.gather(*(
        resolve_claims(i, contested[i], catalog, service_level, timeout=timeout, trust=trust,
                       backend=backend)
        for i in sorted(contested)
    )))
