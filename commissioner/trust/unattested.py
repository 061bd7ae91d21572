"""The honest judgement of equipment identified without attestation (ECHONET Lite).

Such equipment reports a manufacturer code and a product code; nothing proves them. The
catalog's ``equipment-codes.json`` maps the codes to a certified model, and its per-level
policy decides whether a model match without attestation may be handed over:

* ``allow-behind-controller`` - allowed, and the verdict says it must stay behind the HEMS
  controller;
* ``require-matched-label`` - blocked unless a scanned box label matched what the equipment
  reports (model and serial);
* ``block`` (and any level the policy does not name) - blocked.

A model that is not listed, revoked, expired or below the home's level gets the same verdict
an attested device would; the reason always says the identity was not attested.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from commissioner.backends import Identification
from commissioner.protocol.catalog_format import Catalog

__all__ = ["MODEL_MATCHED_NOT_ATTESTED", "UnattestedJudgement", "judge_unattested"]

MODEL_MATCHED_NOT_ATTESTED: Final = "model-matched-not-attested"


@dataclass(frozen=True, slots=True)
class UnattestedJudgement:
    verdict: str  # a Verdict value
    reason: str
    code: str
    blocked: bool
    manufacturer: str
    model: str
    product_name: str | None = None
    level: int | None = None


def _stars(level: int) -> str:
    return "★" * level


def judge_unattested(
    result: Identification, catalog: Catalog, service_level: int, today: dt.date, *,
    label_model: str | None = None, label_serial: str | None = None,
) -> UnattestedJudgement:
    """Judge what an identify-only backend reported (pure, no I/O)."""
    codes = catalog.codes
    raw = f"manufacturer code {result.manufacturer}, product code {result.model or '(none)'}"
    maker = None if codes is None else codes.echonet_manufacturers.get(result.manufacturer)
    if codes is None or maker is None:
        return UnattestedJudgement(
            "unknown-manufacturer",
            f"The equipment reports {raw}; the catalog (version {catalog.version}) knows no "
            "manufacturer with that code. Its identity is not attested either",
            "unknown-echonet-manufacturer", True, result.manufacturer, result.model)
    number = codes.echonet_model(result.manufacturer, result.model)
    model = None if number is None else catalog.find_model(number)
    if number is None or model is None or model.manufacturer != maker:
        return UnattestedJudgement(
            "not-certified",
            f"{maker} product code {result.model} is not on the certified-model list (catalog "
            f"version {catalog.version}); identity not attested",
            "echonet-model-not-listed", True, maker, result.model)
    listed = model

    def judged(v: str, reason: str, code: str, blocked: bool) -> UnattestedJudgement:
        return UnattestedJudgement(v, reason, code, blocked, listed.manufacturer,
                                   listed.model_number, listed.product_name, listed.level)

    if model.revoked:
        why = (model.revoked_reason or "no reason given").rstrip(".")
        return judged("revoked", f"The certification of {number} was revoked: "
                                   f"{why}; identity not attested", "revoked", True)
    if not model.valid_from <= today <= model.valid_until:
        return judged(
            "certification-expired" if today > model.valid_until else "not-certified",
            f"The certification of {number} is valid {model.valid_from.isoformat()} to "
            f"{model.valid_until.isoformat()}; identity not attested", "not-valid-today", True)
    if model.level < service_level:
        return judged(
            "level-too-low", f"{number} is certified {_stars(model.level)} but this home "
            f"requires {_stars(service_level)}; identity not attested", "level-too-low", True)
    decision = codes.decision_for(service_level)
    matched = (f"Model matched, identity not attested: {maker} {number} "
               f"({model.product_name}) is certified {_stars(model.level)}, but ECHONET Lite "
               "cannot prove the equipment is genuine")
    if decision == "allow-behind-controller":
        return judged(
            MODEL_MATCHED_NOT_ATTESTED, f"{matched}; allowed at {_stars(service_level)} "
            "behind the HEMS controller only", "allowed-behind-controller", False)
    if decision == "require-matched-label":
        if label_model is None:
            return judged(
                MODEL_MATCHED_NOT_ATTESTED, f"{matched}; at {_stars(service_level)} it is "
                "blocked until its box label is scanned and matches", "label-required", True,
                )
        if label_model != number or label_serial != result.serial:
            return judged(
                "identity-mismatch", f"The box label says {label_model} serial {label_serial} "
                f"but the equipment reports {number} serial {result.serial}", "label-mismatch",
                True)
        return judged(
            MODEL_MATCHED_NOT_ATTESTED, f"{matched}; the scanned box label matches model and "
            f"serial, so it is allowed at {_stars(service_level)}", "label-matched", False)
    return judged(
        MODEL_MATCHED_NOT_ATTESTED, f"{matched}; the catalog blocks such equipment at "
        f"{_stars(service_level)}", "policy-blocks", True)
