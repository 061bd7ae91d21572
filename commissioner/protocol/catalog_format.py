"""The content of the signed catalog: certified models, manufacturer roots, model policies.

The catalog travels as three JSON target files inside a TUF repository (see
:mod:`commissioner.trust.catalog` and :mod:`commissioner.virtualhome.catalog_publisher`).
TUF proves the
bytes came from the platform; this module then parses them *strictly*: bounded sizes, exact
types, no unknown keys, cross-checks between files. Every problem is reported as a
:class:`CatalogDataError` naming the file and the field, never as another exception type.

Target file formats (all ``"format": 1``)::

    certified-models.json  {"format":1, "models":[{"manufacturer", "product_name",
                            "model_number", "scheme": "CCDS"|"JC-STAR"|"SERVICE",
                            "level": 2|3, "valid_from": "YYYY-MM-DD",
                            "valid_until": "YYYY-MM-DD", "revoked": bool,
                            "revoked_reason": str|null, "category"?: str,
                            "name_ja"?: str}]}
                           (``name_ja``: the product's name in Japanese, for the
                           Japanese sheet and report)
    manufacturer-roots.json {"format":1, "roots":[{"manufacturer", "certificate_pem"}]}
    model-policy.json      {"format":1, "policies":[{"model_number",
                            "owner_must_not_change":[str], "owner_may_change":[str],
                            "firmware_line": str,
                            "update_support_until"?: "YYYY-MM-DD"}]}
                           (optional: the last day the manufacturer provides software
                           updates for the model; printed on the owner's sheet)
    firmware-index.json    optional: firmware releases, images and manufacturer firmware keys
                           (see :mod:`commissioner.protocol.firmware_index`)
    equipment-codes.json   optional: ECHONET Lite manufacturer/product codes, the per-level
                           policy for unattested equipment, JC-STAR registration numbers
                           (see :mod:`commissioner.protocol.equipment_codes`)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from commissioner.protocol.equipment_codes import (
    EQUIPMENT_CODES_TARGET,
    EquipmentCodes,
    EquipmentCodesError,
    parse_equipment_codes,
)
from commissioner.protocol.firmware_index import (
    FIRMWARE_INDEX_TARGET,
    FirmwareIndex,
    FirmwareIndexError,
    parse_firmware_index,
)

FORMAT_VERSION: Final = 1

CERTIFIED_MODELS_TARGET: Final = "certified-models.json"
MANUFACTURER_ROOTS_TARGET: Final = "manufacturer-roots.json"
MODEL_POLICY_TARGET: Final = "model-policy.json"
TARGET_NAMES: Final = (CERTIFIED_MODELS_TARGET, MANUFACTURER_ROOTS_TARGET, MODEL_POLICY_TARGET)
OPTIONAL_TARGET_NAMES: Final = (FIRMWARE_INDEX_TARGET, EQUIPMENT_CODES_TARGET)
"""Targets a catalog may carry (fetched and verified when the signed metadata lists them)."""

MAX_TARGET_BYTES: Final = 2 * 1024 * 1024
"""Upper bound for one catalog target file (also enforced before TUF hashes are trusted)."""
MAX_ENTRIES: Final = 20_000
MAX_SHORT_TEXT: Final = 200
MAX_REASON_TEXT: Final = 1_000
MAX_PEM_CHARS: Final = 16_384
MAX_POLICY_ITEMS: Final = 100

Scheme = Literal["CCDS", "JC-STAR", "SERVICE"]
SCHEMES: Final[tuple[str, ...]] = ("CCDS", "JC-STAR", "SERVICE")
LEVELS: Final[tuple[int, ...]] = (2, 3)

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class CatalogDataError(Exception):
    """The catalog content is malformed; ``str(err)`` names the file and field."""


@dataclass(frozen=True, slots=True)
class CertifiedModel:
    manufacturer: str
    product_name: str
    model_number: str
    scheme: Scheme
    level: int
    valid_from: dt.date
    valid_until: dt.date
    revoked: bool
    revoked_reason: str | None
    category: str | None = None
    name_ja: str | None = None  # the product's name in Japanese (optional)

    def is_valid_on(self, day: dt.date) -> bool:
        """True when the certification is not revoked and ``day`` is inside its validity."""
        return not self.revoked and self.valid_from <= day <= self.valid_until

    def meets_level(self, level: int, day: dt.date) -> bool:
        """True when the model is certified at ``level`` (or higher) and valid on ``day``."""
        return self.is_valid_on(day) and self.level >= level


@dataclass(frozen=True, slots=True)
class ManufacturerRoot:
    manufacturer: str
    certificate_pem: str

    def certificate(self) -> x509.Certificate:
        """The parsed root CA certificate (already validated when the catalog was parsed)."""
        return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))


@dataclass(frozen=True, slots=True)
class ModelPolicy:
    model_number: str
    owner_must_not_change: tuple[str, ...]
    owner_may_change: tuple[str, ...]
    firmware_line: str
    update_support_until: dt.date | None = None  # last day updates are provided, if known


@dataclass(frozen=True, slots=True)
class Catalog:
    """A verified catalog. ``version`` is the TUF targets version; ``expires`` the targets
    metadata expiry; ``refreshed_at`` the time of the last successful online sync."""

    models: tuple[CertifiedModel, ...]
    roots: tuple[ManufacturerRoot, ...]
    policies: tuple[ModelPolicy, ...]
    version: int
    expires: dt.datetime
    refreshed_at: dt.datetime
    firmware: FirmwareIndex | None = None  # from the optional firmware-index.json target
    codes: EquipmentCodes | None = None  # from the optional equipment-codes.json target
    _by_number: dict[str, CertifiedModel] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _policy_by_number: dict[str, ModelPolicy] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._by_number.update({m.model_number: m for m in self.models})
        self._policy_by_number.update({p.model_number: p for p in self.policies})

    def find_model(self, model_number: str) -> CertifiedModel | None:
        return self._by_number.get(model_number)

    def policy_for(self, model_number: str) -> ModelPolicy | None:
        return self._policy_by_number.get(model_number)

    def roots_for(self, manufacturer: str) -> tuple[ManufacturerRoot, ...]:
        return tuple(r for r in self.roots if r.manufacturer == manufacturer)


@dataclass(frozen=True, slots=True)
class CatalogContent:
    """The three parsed target files, before TUF version/time information is attached."""

    models: tuple[CertifiedModel, ...]
    roots: tuple[ManufacturerRoot, ...]
    policies: tuple[ModelPolicy, ...]
    firmware: FirmwareIndex | None = None
    codes: EquipmentCodes | None = None

    def to_catalog(
        self, *, version: int, expires: dt.datetime, refreshed_at: dt.datetime
    ) -> Catalog:
        return Catalog(
            models=self.models,
            roots=self.roots,
            policies=self.policies,
            version=version,
            expires=expires,
            refreshed_at=refreshed_at,
            firmware=self.firmware,
            codes=self.codes,
        )


# --------------------------------------------------------------------------- helpers


def _fail(where: str, reason: str) -> CatalogDataError:
    return CatalogDataError(f"{where}: {reason}")


def _load_json(data: bytes, where: str) -> Any:
    if not isinstance(data, bytes | bytearray):
        raise _fail(where, "content is not bytes")
    if len(data) > MAX_TARGET_BYTES:
        raise _fail(where, f"file is {len(data)} bytes, limit is {MAX_TARGET_BYTES}")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as err:
        raise _fail(where, f"not UTF-8 ({err.reason} at byte {err.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except CatalogDataError as err:
        raise _fail(where, str(err)) from None
    except RecursionError:
        raise _fail(where, "JSON nested too deeply") from None
    except ValueError as err:
        raise _fail(where, f"not valid JSON ({err})") from None


def _reject_constant(name: str) -> Any:
    raise CatalogDataError(f"JSON constant {name} is not allowed")


def _obj(value: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> (
    dict[str, Any]
):
    if not isinstance(value, dict):
        raise _fail(where, f"expected an object, got {_type_name(value)}")
    keys = set(value)
    missing = required - keys
    if missing:
        raise _fail(where, f"missing field(s): {', '.join(sorted(missing))}")
    unknown = keys - required - optional
    if unknown:
        shown = ", ".join(sorted(repr(k)[:40] for k in unknown)[:5])
        raise _fail(where, f"unknown field(s): {shown}")
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


def _text(value: Any, where: str, *, limit: int = MAX_SHORT_TEXT, allow_empty: bool = False) -> (
    str
):
    if not isinstance(value, str):
        raise _fail(where, f"expected a string, got {_type_name(value)}")
    if len(value) > limit:
        raise _fail(where, f"string is {len(value)} characters, limit is {limit}")
    if not allow_empty and not value.strip():
        raise _fail(where, "must not be empty")
    if any(ord(c) < 0x20 and c not in "\n\r\t" for c in value) or "\x7f" in value:
        raise _fail(where, "contains control characters")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"expected an integer, got {_type_name(value)}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {_type_name(value)}")
    return value


def _date(value: Any, where: str) -> dt.date:
    text = _text(value, where, limit=10)
    if not _DATE_RE.fullmatch(text):
        raise _fail(where, f"expected a date YYYY-MM-DD, got {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(where, f"not a real date: {text!r}") from None


def _list(value: Any, where: str, *, limit: int = MAX_ENTRIES) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, f"expected an array, got {_type_name(value)}")
    if len(value) > limit:
        raise _fail(where, f"{len(value)} entries, limit is {limit}")
    return value


def _header(doc: Any, where: str, list_key: str) -> list[Any]:
    body = _obj(doc, where, {"format", list_key})
    fmt = _int(body["format"], f"{where}.format")
    if fmt != FORMAT_VERSION:
        raise _fail(
            f"{where}.format", f"unsupported format {fmt} (this app reads {FORMAT_VERSION})"
        )
    return _list(body[list_key], f"{where}.{list_key}")


# --------------------------------------------------------------------------- parsers

_MODEL_FIELDS: Final = {
    "manufacturer", "product_name", "model_number", "scheme", "level", "valid_from",
    "valid_until", "revoked", "revoked_reason",
}


def parse_model(value: Any, where: str) -> CertifiedModel:
    obj = _obj(value, where, _MODEL_FIELDS, frozenset({"category", "name_ja"}))
    scheme = _text(obj["scheme"], f"{where}.scheme", limit=20)
    if scheme not in SCHEMES:
        raise _fail(f"{where}.scheme", f"must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    level = _int(obj["level"], f"{where}.level")
    if level not in LEVELS:
        raise _fail(f"{where}.level", f"must be 2 or 3, got {level}")
    valid_from = _date(obj["valid_from"], f"{where}.valid_from")
    valid_until = _date(obj["valid_until"], f"{where}.valid_until")
    if valid_until < valid_from:
        raise _fail(where, "valid_until is before valid_from")
    revoked = _bool(obj["revoked"], f"{where}.revoked")
    reason_raw = obj["revoked_reason"]
    reason: str | None
    if revoked:
        reason = _text(reason_raw, f"{where}.revoked_reason", limit=MAX_REASON_TEXT)
    elif reason_raw is not None:
        raise _fail(f"{where}.revoked_reason", "must be null when revoked is false")
    else:
        reason = None
    category_raw = obj.get("category")
    category = None if category_raw is None else _text(category_raw, f"{where}.category")
    name_ja_raw = obj.get("name_ja")
    name_ja = None if name_ja_raw is None else _text(name_ja_raw, f"{where}.name_ja")
    return CertifiedModel(
        manufacturer=_text(obj["manufacturer"], f"{where}.manufacturer"),
        product_name=_text(obj["product_name"], f"{where}.product_name"),
        model_number=_text(obj["model_number"], f"{where}.model_number", limit=64),
        scheme=scheme,  # type: ignore[arg-type]  # checked against SCHEMES above
        level=level,
        valid_from=valid_from,
        valid_until=valid_until,
        revoked=revoked,
        revoked_reason=reason,
        category=category,
        name_ja=name_ja,
    )


def parse_root(value: Any, where: str) -> ManufacturerRoot:
    obj = _obj(value, where, {"manufacturer", "certificate_pem"})
    manufacturer = _text(obj["manufacturer"], f"{where}.manufacturer")
    pem = _text(obj["certificate_pem"], f"{where}.certificate_pem", limit=MAX_PEM_CHARS)
    validate_root_pem(pem, f"{where}.certificate_pem")
    return ManufacturerRoot(manufacturer=manufacturer, certificate_pem=pem)


def validate_root_pem(pem: str, where: str) -> x509.Certificate:
    """Check ``pem`` holds exactly one X.509 certificate of a CA (basicConstraints CA:TRUE)."""
    if pem.count("-----BEGIN CERTIFICATE-----") != 1:
        raise _fail(where, "must contain exactly one PEM certificate")
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as err:
        raise _fail(where, f"not a readable PEM certificate ({err})") from None
    try:
        constraints = cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
    except x509.ExtensionNotFound:
        raise _fail(where, "certificate has no basicConstraints; a root CA needs CA:TRUE") from None
    except ValueError as err:
        raise _fail(where, f"certificate extensions unreadable ({err})") from None
    if not isinstance(constraints.value, x509.BasicConstraints) or not constraints.value.ca:
        raise _fail(where, "certificate is not a CA (basicConstraints CA:FALSE)")
    return cert


def parse_policy(value: Any, where: str) -> ModelPolicy:
    obj = _obj(
        value, where,
        {"model_number", "owner_must_not_change", "owner_may_change", "firmware_line"},
        frozenset({"update_support_until"}),
    )

    def items(key: str) -> tuple[str, ...]:
        raw = _list(obj[key], f"{where}.{key}", limit=MAX_POLICY_ITEMS)
        return tuple(_text(v, f"{where}.{key}[{i}]") for i, v in enumerate(raw))

    must_not = items("owner_must_not_change")
    may = items("owner_may_change")
    both = set(must_not) & set(may)
    if both:
        raise _fail(where, f"setting(s) both forbidden and allowed: {', '.join(sorted(both))}")
    return ModelPolicy(
        model_number=_text(obj["model_number"], f"{where}.model_number", limit=64),
        owner_must_not_change=must_not,
        owner_may_change=may,
        firmware_line=_text(obj["firmware_line"], f"{where}.firmware_line", limit=64),
        update_support_until=(
            _date(obj["update_support_until"], f"{where}.update_support_until")
            if "update_support_until" in obj else None
        ),
    )


def parse_certified_models(data: bytes) -> tuple[CertifiedModel, ...]:
    where = CERTIFIED_MODELS_TARGET
    entries = _header(_load_json(data, where), where, "models")
    models = tuple(parse_model(v, f"{where}: models[{i}]") for i, v in enumerate(entries))
    seen: set[str] = set()
    for m in models:
        if m.model_number in seen:
            raise _fail(where, f"model number {m.model_number!r} listed twice")
        seen.add(m.model_number)
    return models


def parse_manufacturer_roots(data: bytes) -> tuple[ManufacturerRoot, ...]:
    where = MANUFACTURER_ROOTS_TARGET
    entries = _header(_load_json(data, where), where, "roots")
    roots = tuple(parse_root(v, f"{where}: roots[{i}]") for i, v in enumerate(entries))
    seen: set[tuple[str, str]] = set()
    for r in roots:
        key = (r.manufacturer, r.certificate_pem.strip())
        if key in seen:
            raise _fail(where, f"root for {r.manufacturer!r} listed twice")
        seen.add(key)
    return roots


def parse_model_policy(data: bytes) -> tuple[ModelPolicy, ...]:
    where = MODEL_POLICY_TARGET
    entries = _header(_load_json(data, where), where, "policies")
    policies = tuple(parse_policy(v, f"{where}: policies[{i}]") for i, v in enumerate(entries))
    seen: set[str] = set()
    for p in policies:
        if p.model_number in seen:
            raise _fail(where, f"policy for {p.model_number!r} listed twice")
        seen.add(p.model_number)
    return policies


def parse_content(files: Mapping[str, bytes]) -> CatalogContent:
    """Parse the three target files (keyed by target name) and cross-check them."""
    for name in TARGET_NAMES:
        if name not in files:
            raise CatalogDataError(f"{name}: file missing from the catalog")
    models = parse_certified_models(files[CERTIFIED_MODELS_TARGET])
    roots = parse_manufacturer_roots(files[MANUFACTURER_ROOTS_TARGET])
    policies = parse_model_policy(files[MODEL_POLICY_TARGET])
    numbers = {m.model_number for m in models}
    for p in policies:
        if p.model_number not in numbers:
            raise CatalogDataError(
                f"{MODEL_POLICY_TARGET}: policy for {p.model_number!r}, which is not a listed model"
            )
    firmware: FirmwareIndex | None = None
    if FIRMWARE_INDEX_TARGET in files:
        try:
            firmware = parse_firmware_index(files[FIRMWARE_INDEX_TARGET])
        except FirmwareIndexError as err:
            raise CatalogDataError(str(err)) from None
    codes: EquipmentCodes | None = None
    if EQUIPMENT_CODES_TARGET in files:
        try:
            codes = parse_equipment_codes(files[EQUIPMENT_CODES_TARGET])
        except EquipmentCodesError as err:
            raise CatalogDataError(str(err)) from None
    return CatalogContent(models=models, roots=roots, policies=policies, firmware=firmware,
                          codes=codes)


# --------------------------------------------------------------------------- serialisers


def model_to_json(m: CertifiedModel) -> dict[str, Any]:
    out: dict[str, Any] = {
        "manufacturer": m.manufacturer,
        "product_name": m.product_name,
        "model_number": m.model_number,
        "scheme": m.scheme,
        "level": m.level,
        "valid_from": m.valid_from.isoformat(),
        "valid_until": m.valid_until.isoformat(),
        "revoked": m.revoked,
        "revoked_reason": m.revoked_reason,
    }
    if m.category is not None:
        out["category"] = m.category
    if m.name_ja is not None:
        out["name_ja"] = m.name_ja
    return out


def policy_to_json(p: ModelPolicy) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model_number": p.model_number,
        "owner_must_not_change": list(p.owner_must_not_change),
        "owner_may_change": list(p.owner_may_change),
        "firmware_line": p.firmware_line,
    }
    if p.update_support_until is not None:
        out["update_support_until"] = p.update_support_until.isoformat()
    return out


def root_to_json(r: ManufacturerRoot) -> dict[str, Any]:
    return {"manufacturer": r.manufacturer, "certificate_pem": r.certificate_pem}


def _dump(doc: Mapping[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def content_to_files(content: CatalogContent) -> dict[str, bytes]:
    """Serialise parsed content to the three target files (deterministic bytes), plus
    ``firmware-index.json`` when the content has a firmware index."""
    files = {
        CERTIFIED_MODELS_TARGET: _dump(
            {"format": FORMAT_VERSION, "models": [model_to_json(m) for m in content.models]}
        ),
        MANUFACTURER_ROOTS_TARGET: _dump(
            {"format": FORMAT_VERSION, "roots": [root_to_json(r) for r in content.roots]}
        ),
        MODEL_POLICY_TARGET: _dump(
            {"format": FORMAT_VERSION, "policies": [policy_to_json(p) for p in content.policies]}
        ),
    }
    if content.firmware is not None:
        files[FIRMWARE_INDEX_TARGET] = content.firmware.to_bytes()
    if content.codes is not None:
        files[EQUIPMENT_CODES_TARGET] = content.codes.to_bytes()
    return files
