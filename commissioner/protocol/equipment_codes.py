"""The catalog's optional ``equipment-codes.json`` target: codes that name certified models on
other wires, and the policy for equipment whose identity cannot be attested.

Format (``"format": 1``)::

    {"format": 1,
     "echonet_manufacturers": [{"code": "7F0001", "manufacturer": "Fujimi Electric"}],
     "echonet_products": [{"manufacturer_code": "7F0001", "product_code": "FE-RAS22",
                           "model_number": "FE-RAS22"}],
     "unattested_policy": [{"level": 2, "decision": "allow-behind-controller"},
                           {"level": 3, "decision": "require-matched-label"}],
     "jcstar_registrations": [{"model_number": "FE-RAS22", "registration_number": "..."}]}

``decision`` per home service level, for equipment identified without attestation whose model
is certified at that level: ``allow-behind-controller`` (handed over, reachable only through the
HEMS controller), ``require-matched-label`` (blocked unless a scanned box label matched what the
equipment reports) or ``block``. A level the policy does not name blocks. JC-STAR registration
numbers are kept as text: their syntax is not published in a form this app can verify.
Parsing is strict like the rest of the catalog; problems raise ``ValueError`` naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "DECISIONS",
    "EQUIPMENT_CODES_TARGET",
    "EchonetProduct",
    "EquipmentCodes",
    "EquipmentCodesError",
    "parse_equipment_codes",
]

EQUIPMENT_CODES_TARGET: Final = "equipment-codes.json"
MAX_ITEMS: Final = 20_000
Decision = Literal["allow-behind-controller", "require-matched-label", "block"]
DECISIONS: Final = ("allow-behind-controller", "require-matched-label", "block")
_CODE_RE: Final = re.compile(r"[0-9A-F]{6}")
_TEXT_RE: Final = re.compile(r"[\x20-\x7e]{1,64}")
_REGISTRATION_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")


class EquipmentCodesError(ValueError):
    """equipment-codes.json is malformed; the message names the field."""


@dataclass(frozen=True, slots=True)
class EchonetProduct:
    manufacturer_code: str
    product_code: str
    model_number: str


@dataclass(frozen=True, slots=True)
class EquipmentCodes:
    echonet_manufacturers: Mapping[str, str] = field(default_factory=dict)  # code -> name
    echonet_products: tuple[EchonetProduct, ...] = ()
    unattested_policy: Mapping[int, Decision] = field(default_factory=dict)
    jcstar_registrations: Mapping[str, str] = field(default_factory=dict)  # model -> number

    def echonet_model(self, manufacturer_code: str, product_code: str) -> str | None:
        for p in self.echonet_products:
            if p.manufacturer_code == manufacturer_code and p.product_code == product_code:
                return p.model_number
        return None

    def decision_for(self, level: int) -> Decision:
        return self.unattested_policy.get(level, "block")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": 1,
            "echonet_manufacturers": [{"code": c, "manufacturer": n}
                                      for c, n in sorted(self.echonet_manufacturers.items())],
            "echonet_products": [{"manufacturer_code": p.manufacturer_code,
                                  "product_code": p.product_code,
                                  "model_number": p.model_number}
                                 for p in self.echonet_products],
            "unattested_policy": [{"level": k, "decision": v}
                                  for k, v in sorted(self.unattested_policy.items())],
            "jcstar_registrations": [{"model_number": m, "registration_number": r}
                                     for m, r in sorted(self.jcstar_registrations.items())],
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n").encode("utf-8")


def _fail(where: str, why: str) -> EquipmentCodesError:
    return EquipmentCodesError(f"{EQUIPMENT_CODES_TARGET}: {where}: {why}")


def _entries(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise _fail(key, "expected an array")
    if len(value) > MAX_ITEMS:
        raise _fail(key, f"{len(value)} entries, limit is {MAX_ITEMS}")
    return value


def _obj(value: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise _fail(where, f"expected an object with exactly {', '.join(sorted(keys))}")
    return value


def _match(value: Any, pattern: re.Pattern[str], where: str, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _fail(where, f"not a valid {what}: {str(value)[:40]!r}")
    return value


def parse_equipment_codes_json(doc: Any) -> EquipmentCodes:
    allowed = {"format", "echonet_manufacturers", "echonet_products", "unattested_policy",
               "jcstar_registrations"}
    if not isinstance(doc, dict) or doc.get("format") != 1:
        raise _fail("format", "expected an object with format 1")
    unknown = set(doc) - allowed
    if unknown:
        raise _fail("top level", f"unknown field(s) {', '.join(sorted(unknown))[:80]}")
    makers: dict[str, str] = {}
    for i, raw in enumerate(_entries(doc, "echonet_manufacturers")):
        where = f"echonet_manufacturers[{i}]"
        obj = _obj(raw, where, {"code", "manufacturer"})
        code = _match(obj["code"], _CODE_RE, where, "manufacturer code (six hex digits)")
        if code in makers:
            raise _fail(where, f"code {code} listed twice")
        makers[code] = _match(obj["manufacturer"], _TEXT_RE, where, "manufacturer")
    products: list[EchonetProduct] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(_entries(doc, "echonet_products")):
        where = f"echonet_products[{i}]"
        obj = _obj(raw, where, {"manufacturer_code", "product_code", "model_number"})
        code = _match(obj["manufacturer_code"], _CODE_RE, where, "manufacturer code")
        if code not in makers:
            raise _fail(where, f"manufacturer code {code} is not listed")
        product = _match(obj["product_code"], re.compile(r"[\x20-\x7e]{1,12}"), where,
                         "product code (up to 12 ASCII characters)")
        if (code, product) in seen:
            raise _fail(where, f"product {code}/{product} listed twice")
        seen.add((code, product))
        products.append(EchonetProduct(code, product,
                                       _match(obj["model_number"], _TEXT_RE, where, "model")))
    policy: dict[int, Decision] = {}
    for i, raw in enumerate(_entries(doc, "unattested_policy")):
        where = f"unattested_policy[{i}]"
        obj = _obj(raw, where, {"level", "decision"})
        level, decision = obj["level"], obj["decision"]
        if level not in (2, 3) or isinstance(level, bool) or level in policy:
            raise _fail(where, "level must be 2 or 3, once each")
        if decision not in DECISIONS:
            raise _fail(where, f"decision must be one of {', '.join(DECISIONS)}")
        policy[level] = decision
    registrations: dict[str, str] = {}
    for i, raw in enumerate(_entries(doc, "jcstar_registrations")):
        where = f"jcstar_registrations[{i}]"
        obj = _obj(raw, where, {"model_number", "registration_number"})
        model = _match(obj["model_number"], _TEXT_RE, where, "model number")
        if model in registrations:
            raise _fail(where, f"model {model} listed twice")
        registrations[model] = _match(obj["registration_number"], _REGISTRATION_RE, where,
                                      "registration number")
    return EquipmentCodes(makers, tuple(products), policy, registrations)


def parse_equipment_codes(data: bytes) -> EquipmentCodes:
    if len(data) > 2 * 1024 * 1024:
        raise _fail("file", "too large")
    try:
        doc = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _fail("file", f"not valid UTF-8 JSON ({err})") from None
    return parse_equipment_codes_json(doc)
