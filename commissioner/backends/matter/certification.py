"""The catalog's word on a Matter device: its attested vendor/product ids mapped to a certified
model. The catalog lists a Matter model under the model number ``MATTER-VVVV-PPPP`` (vendor and
product id in upper-case hex), so the same verdicts apply as to every other device: certified,
not certified, level too low, revoked. Only ids from a verified attestation chain count
(:class:`~commissioner.backends.matter.attestation.AttestedChain`), never what a device says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from commissioner.backends.errors import UntrustedDeviceError
from commissioner.backends.matter.attestation import AttestedChain
from commissioner.protocol.catalog_format import Catalog, CertifiedModel

__all__ = ["MatterVerdict", "catalog_admission", "matter_model_number", "matter_verdict"]

Verdict = Literal["certified", "not-certified", "level-too-low", "revoked", "expired"]


def matter_model_number(vendor_id: int, product_id: int) -> str:
    return f"MATTER-{vendor_id:04X}-{product_id:04X}"


@dataclass(frozen=True, slots=True)
class MatterVerdict:
    verdict: Verdict
    model_number: str
    model: CertifiedModel | None

    @property
    def allowed(self) -> bool:
        return self.verdict == "certified"


def matter_verdict(chain: AttestedChain, catalog: Catalog, *, required_level: int,
                   today: dt.date | None = None) -> MatterVerdict:
    today = today or dt.datetime.now(dt.UTC).date()
    number = matter_model_number(chain.vendor_id, chain.product_id)
    model = catalog.find_model(number)
    if model is None:
        return MatterVerdict("not-certified", number, None)
    if model.revoked:
        return MatterVerdict("revoked", number, model)
    if not model.is_valid_on(today):
        return MatterVerdict("expired", number, model)
    if not model.meets_level(required_level, today):
        return MatterVerdict("level-too-low", number, model)
    return MatterVerdict("certified", number, model)


def catalog_admission(catalog: Catalog, *, required_level: int,
                      today: dt.date | None = None) -> Callable[[AttestedChain], None]:
    """An admission for :class:`~commissioner.backends.matter.backend.MatterBackend`: a
    device whose attested model the catalog does not certify is refused before it gets an
    operational certificate."""

    def admit(chain: AttestedChain) -> None:
        verdict = matter_verdict(chain, catalog, required_level=required_level, today=today)
        if not verdict.allowed:
            raise UntrustedDeviceError(
                verdict.verdict, f"{verdict.model_number} is {verdict.verdict.replace('-', ' ')}"
                " in the catalog: not commissioned")

    return admit
