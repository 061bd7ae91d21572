"""The certified-model gate (R2-2 / R3-3): only genuine devices of certified models pass.

For every discovered device (the gateway included) the gate

1. builds the trust store from the manufacturer roots in the *signed* catalog;
2. identifies it through its family's backend (:mod:`commissioner.backends`; for this
   project's protocol a TLS handshake that proves the device holds the private key of its
   attestation certificate), and the chain must lead to a catalog root of the same
   manufacturer; an identity that is not attested is never certified;
3. reads model number and serial from the certificate - never from what the device merely
   advertises - and checks the advertisement and ``/v1/identity`` against it;
4. judges the attested model against the certified-model list (:func:`judge_model`): listed for
   that manufacturer, not revoked, within its validity, at a level at least the home's;
5. if the installer scanned the device's label, checks the label against the certificate.

Each device gets exactly one :class:`DeviceVerdict`. Every verdict except ``certified`` blocks
the device; that includes ``unreachable`` - a device that cannot be checked is not let through.
There is no override: a blocked device can only be marked "to be replaced" in the job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final, Protocol

from cryptography import x509

from commissioner.backends import (
    DEFAULT_TIMEOUT,
    FAMILY_SHC,
    DeviceAddress,
    DeviceBackend,
    TrustStore,
    backend_for,
)
from commissioner.backends.errors import (
    AttestationError,
    DeviceProtocolError,
    DeviceUnreachableError,
    IdentityMismatchError,
    MalformedReplyError,
    NotSupportedByFamilyError,
    UnknownFamilyError,
    UntrustedDeviceError,
    WeakTlsError,
)
from commissioner.discovery.events import DeviceRecord, Sighting
from commissioner.protocol.attestation import cert_der, check_root, sha256_hex
from commissioner.protocol.catalog_format import Catalog, ManufacturerRoot
from commissioner.protocol.spec import DeviceKind, Role
from commissioner.trust.unattested import judge_unattested

__all__ = [
    "BLOCKING_VERDICTS",
    "DEFAULT_CONCURRENCY",
    "DeviceVerdict",
    "GateTarget",
    "LabelFacts",
    "Verdict",
    "certify_device",
    "certify_home",
    "check_label",
    "judge_model",
    "trust_store_for",
]

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY: Final = 16


class Verdict(StrEnum):
    CERTIFIED = "certified"
    NOT_CERTIFIED = "not-certified"
    LEVEL_TOO_LOW = "level-too-low"
    CERTIFICATION_EXPIRED = "certification-expired"
    REVOKED = "revoked"
    UNKNOWN_MANUFACTURER = "unknown-manufacturer"
    COUNTERFEIT = "counterfeit"
    IDENTITY_MISMATCH = "identity-mismatch"
    MODEL_MATCHED_NOT_ATTESTED = "model-matched-not-attested"  # identify-only; policy decides
    UNREACHABLE = "unreachable"  # could not be checked (offline, timeout, no usable TLS)

    @property
    def blocks(self) -> bool:
        return self is not Verdict.CERTIFIED


BLOCKING_VERDICTS: Final = frozenset(v for v in Verdict if v.blocks)


@dataclass(frozen=True, slots=True)
class GateTarget:
    """What the gate needs to reach one device: its endpoint and what it advertised."""

    device_id: str
    host: str | None
    port: int | None
    role: str = Role.DEVICE.value
    kind: str = ""
    advertised_manufacturer: str = ""
    advertised_model: str = ""
    family: str = FAMILY_SHC  # which device backend speaks to it

    @classmethod
    def from_sighting(cls, sighting: Sighting) -> GateTarget:
        if sighting.transport == "echonet":  # identify-only equipment, UDP 3610
            return cls(device_id=sighting.device_id, host=sighting.address, port=3610,
                       kind=sighting.kind, advertised_manufacturer=sighting.manufacturer,
                       advertised_model=sighting.model, family="echonet-lite")
        return cls(
            device_id=sighting.device_id,
            host=sighting.address if sighting.transport == "mdns" else None,
            port=sighting.port,
            role=str(sighting.role),
            kind=sighting.kind,
            advertised_manufacturer=sighting.manufacturer,
            advertised_model=sighting.model,
        )

    @classmethod
    def from_record(cls, record: DeviceRecord) -> GateTarget:
        """From a discovery record; a device seen only over BLE has no TLS endpoint (yet)."""
        if record.network is not None:
            return cls.from_sighting(record.network)
        if "echonet" in record.sightings:
            return cls.from_sighting(record.sightings["echonet"])
        latest = record.latest
        return cls(
            device_id=record.device_id, host=None, port=None, role=str(latest.role),
            kind=latest.kind, advertised_manufacturer=latest.manufacturer,
            advertised_model=latest.model,
        )


@dataclass(frozen=True, slots=True)
class LabelFacts:
    """The non-secret fields of a scanned label (never the setup code)."""

    device_id: str
    manufacturer: str
    model: str
    serial: str
    kind: str


@dataclass(frozen=True)
class DeviceVerdict:
    device_id: str
    verdict: Verdict
    reason: str  # one English sentence for the installer
    blocked: bool
    manufacturer: str  # attested when known, else advertised
    model: str  # attested when known, else advertised
    serial: str | None  # attested serial (None when the certificate could not be trusted)
    advertised_model: str
    chain: list[str] | None  # subjects leaf, intermediate, root
    cert_fingerprint: str | None  # SHA-256 of the device certificate (DER), hex
    catalog_version: int
    checked_at: dt.datetime
    role: str = Role.DEVICE.value
    kind: str = ""
    reason_code: str = ""  # machine code: e.g. untrusted-chain, model-mismatch, revoked
    attested: bool = False  # True when manufacturer/model/serial come from a verified chain
    product_name: str | None = None
    level: int | None = None  # the catalog's certified level for the model, if listed
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "role": self.role,
            "kind": self.kind,
            "verdict": self.verdict.value,
            "blocked": self.blocked,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "advertised_model": self.advertised_model,
            "serial": self.serial,
            "attested": self.attested,
            "product_name": self.product_name,
            "certified_level": self.level,
            "chain": self.chain,
            "cert_fingerprint": self.cert_fingerprint,
            "catalog_version": self.catalog_version,
            "checked_at": self.checked_at.isoformat(),
        }


# --------------------------------------------------------------------------- model judgement


def _stars(level: int) -> str:
    return "★" * level


class IdentityFacts(Protocol):
    """What the gate judges: an attested identity (AttestedIdentity, Identification...)."""

    @property
    def device_id(self) -> str: ...

    @property
    def manufacturer(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def serial(self) -> str: ...

    @property
    def kind(self) -> str: ...


def judge_model(
    identity: IdentityFacts, catalog: Catalog, service_level: int, today: dt.date
) -> tuple[Verdict, str]:
    """Judge an *attested* identity against the certified-model list (pure, no I/O)."""
    model = catalog.find_model(identity.model)
    if model is None:
        return Verdict.NOT_CERTIFIED, (
            f"Model {identity.model} of {identity.manufacturer} is not on the certified-model "
            f"list (catalog version {catalog.version})."
        )
    if model.manufacturer != identity.manufacturer:
        return Verdict.NOT_CERTIFIED, (
            f"Model number {identity.model} is certified for {model.manufacturer}, not for "
            f"{identity.manufacturer}."
        )
    if model.revoked:
        why = (model.revoked_reason or "no reason given").rstrip(".")
        return Verdict.REVOKED, (
            f"The certification of {identity.model} was revoked: {why}."
        )
    if today > model.valid_until:
        return Verdict.CERTIFICATION_EXPIRED, (
            f"The certification of {identity.model} expired on {model.valid_until.isoformat()}."
        )
    if today < model.valid_from:
        return Verdict.NOT_CERTIFIED, (
            f"The certification of {identity.model} is valid only from "
            f"{model.valid_from.isoformat()}."
        )
    if model.level < service_level:
        return Verdict.LEVEL_TOO_LOW, (
            f"{identity.model} is certified {_stars(model.level)} ({model.scheme}) but this home "
            f"requires {_stars(service_level)}."
        )
    return Verdict.CERTIFIED, (
        f"{identity.model} ({model.product_name}) is certified {_stars(model.level)} "
        f"({model.scheme}) until {model.valid_until.isoformat()}; the attestation chain leads "
        f"to the catalog root of {identity.manufacturer}."
    )


def check_label(identity: IdentityFacts, label: LabelFacts) -> str | None:
    """None if the label belongs to this attested device, else a one-sentence reason."""
    for what, on_label, attested in (
        ("serial", label.serial, identity.serial),
        ("device id", label.device_id, identity.device_id),
        ("manufacturer", label.manufacturer, identity.manufacturer),
        ("model", label.model, identity.model),
        ("kind", label.kind, identity.kind),
    ):
        if on_label != attested:
            return (
                f"The label says {what} {on_label} but the device's certificate says "
                f"{attested}."
            )
    return None


# --------------------------------------------------------------------------- trust store


def _usable_roots(roots: Iterable[ManufacturerRoot]) -> list[tuple[str, x509.Certificate]]:
    """(catalog manufacturer, root) for every catalog root that passes the profile check and
    whose O matches the catalog's manufacturer; others are skipped (and logged)."""
    usable: list[tuple[str, x509.Certificate]] = []
    for r in roots:
        try:
            cert = r.certificate()
            org = check_root(cert)
        except (DeviceProtocolError, ValueError) as err:
            log.warning("skipping catalog root of %r: %s", r.manufacturer, err)
            continue
        if org != r.manufacturer:
            log.warning("skipping catalog root listed for %r: its O is %r", r.manufacturer, org)
            continue
        usable.append((r.manufacturer, cert))
    return usable


def trust_store_for(catalog: Catalog) -> TrustStore | None:
    """A trust store of the catalog's usable manufacturer roots (None if there are none)."""
    usable = _usable_roots(catalog.roots)
    if not usable:
        return None
    return TrustStore([c for _, c in usable])


def _known_manufacturers(catalog: Catalog) -> frozenset[str]:
    return frozenset(r.manufacturer for r in catalog.roots)


# --------------------------------------------------------------------------- one device


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith(".") else text + "."


async def certify_device(
    target: GateTarget | Sighting | DeviceRecord,
    catalog: Catalog,
    service_level: int,
    *,
    now: dt.datetime | None = None,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step, passed to identify
    trust: TrustStore | None = None,
    label: LabelFacts | None = None,
    backend: DeviceBackend | None = None,
) -> DeviceVerdict:
    """Check one device and return its verdict. Never raises for anything the device does."""
    if isinstance(target, DeviceRecord):
        target = GateTarget.from_record(target)
    elif isinstance(target, Sighting):
        target = GateTarget.from_sighting(target)
    checked_at = now if now is not None else _utcnow()
    if checked_at.tzinfo is None:
        checked_at = checked_at.replace(tzinfo=dt.UTC)
    if trust is None:
        trust = trust_store_for(catalog)

    def verdict(v: Verdict, reason: str, code: str, **kw: Any) -> DeviceVerdict:
        base: dict[str, Any] = {
            "manufacturer": target.advertised_manufacturer,
            "model": target.advertised_model,
            "serial": None,
            "chain": None,
            "cert_fingerprint": None,
            "kind": target.kind,
        }
        base.update(kw)
        return DeviceVerdict(
            device_id=target.device_id, verdict=v, reason=_sentence(reason), blocked=v.blocks,
            advertised_model=target.advertised_model, catalog_version=catalog.version,
            checked_at=checked_at, role=target.role, reason_code=code, **base,
        )

    known = target.advertised_manufacturer in _known_manufacturers(catalog)
    if target.host is None or target.port is None:
        return verdict(
            Verdict.UNREACHABLE,
            "The device has no network endpoint yet (seen over Bluetooth only), so its "
            "certificate cannot be checked; connect it to the network and certify again",
            "no-endpoint",
        )
    if trust is None:
        return verdict(
            Verdict.UNKNOWN_MANUFACTURER,
            f"The catalog (version {catalog.version}) lists no usable manufacturer root, so no "
            "device can be verified",
            "no-trusted-roots",
        )
    try:
        device_backend = backend_for(trust, family=target.family, override=backend)
        result = await device_backend.identify(
            DeviceAddress(target.device_id, target.host, target.port, target.family),
            advertised_model=target.advertised_model or None,
            timeout=timeout,
        )
    except (UnknownFamilyError, NotSupportedByFamilyError) as err:
        return verdict(Verdict.UNREACHABLE, f"The device could not be checked: {err.message}",
                       err.reason)
    except UntrustedDeviceError as err:
        if known or err.reason == "manufacturer-mismatch":
            return verdict(
                Verdict.COUNTERFEIT,
                f"The device claims to be made by {target.advertised_manufacturer} but cannot "
                f"prove it: {err.message}",
                err.reason,
            )
        return verdict(
            Verdict.UNKNOWN_MANUFACTURER,
            f"Manufacturer {target.advertised_manufacturer or '(none advertised)'} has no "
            f"attestation root in the catalog, so the device cannot be trusted ({err.message})",
            err.reason,
        )
    except IdentityMismatchError as err:
        return verdict(Verdict.IDENTITY_MISMATCH, err.message, err.reason)
    except AttestationError as err:
        return verdict(
            Verdict.COUNTERFEIT,
            f"The device's attestation certificate is not acceptable: {err.message}",
            err.reason,
        )
    except WeakTlsError as err:
        return verdict(
            Verdict.UNREACHABLE,
            f"The device could not be checked: {err.message}",
            err.reason,
        )
    except (DeviceUnreachableError, MalformedReplyError) as err:
        return verdict(
            Verdict.UNREACHABLE,
            f"The device could not be checked ({err.message}); make sure it is powered and on "
            "the network, then certify again",
            err.reason,
        )
    except DeviceProtocolError as err:  # any other protocol failure: cannot be checked
        return verdict(Verdict.UNREACHABLE, f"The device could not be checked: {err.message}",
                       err.reason)
    except (OSError, ValueError) as err:
        return verdict(Verdict.UNREACHABLE, f"The device could not be checked: {err}",
                       "unreachable")

    identity = result
    if not result.attested:
        # An identify-only family: the model is known, the identity is not proven. Such
        # equipment is never certified; the catalog's per-level policy decides (unattested.py).
        if catalog.codes is not None and result.family == "echonet-lite":
            j = judge_unattested(result, catalog, service_level, checked_at.date(),
                                 label_model=None if label is None else label.model,
                                 label_serial=None if label is None else label.serial)
            judged = verdict(Verdict(j.verdict), j.reason, j.code, manufacturer=j.manufacturer,
                             model=j.model, serial=result.serial, kind=result.kind,
                             product_name=j.product_name, level=j.level)
            return replace(judged, blocked=j.blocked)
        return verdict(
            Verdict.NOT_CERTIFIED,
            f"{result.manufacturer} {result.model} was identified but its identity is not "
            "attested, so it cannot be certified",
            "not-attested", manufacturer=result.manufacturer, model=result.model,
            serial=result.serial, kind=result.kind,
        )
    attested: dict[str, Any] = {
        "manufacturer": identity.manufacturer,
        "model": identity.model,
        "serial": identity.serial,
        "chain": list(result.chain_subjects),
        "cert_fingerprint": identity.fingerprint,
        "attested": True,
        "kind": identity.kind,
    }
    # Defence in depth: the root the chain leads to must be listed for this manufacturer.
    listed = {
        _fingerprint(c) for m, c in _usable_roots(catalog.roots_for(identity.manufacturer))
        if m == identity.manufacturer
    }
    if result.root_fingerprint not in listed:
        return verdict(
            Verdict.COUNTERFEIT,
            f"The certificate chain does not lead to the catalog root of "
            f"{identity.manufacturer}",
            "wrong-root", **attested,
        )
    model = catalog.find_model(identity.model)
    if model is not None and model.manufacturer == identity.manufacturer:
        attested["product_name"] = model.product_name
        attested["level"] = model.level
    if label is not None:
        problem = check_label(identity, label)
        if problem is not None:
            return verdict(Verdict.IDENTITY_MISMATCH, problem, "label-mismatch", **attested)
    v, reason = judge_model(identity, catalog, service_level, checked_at.date())
    return verdict(v, reason, v.value, **attested)


def _fingerprint(cert: x509.Certificate) -> str:
    return sha256_hex(cert_der(cert))


# --------------------------------------------------------------------------- the whole home


async def certify_home(
    devices: Sequence[GateTarget | Sighting | DeviceRecord],
    catalog: Catalog,
    service_level: int,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    labels: Mapping[str, LabelFacts] | None = None,
    now: dt.datetime | None = None,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per device and network step
    on_verdict: Callable[[DeviceVerdict], None] | None = None,
    backend: DeviceBackend | None = None,
) -> list[DeviceVerdict]:
    """Certify every device (gateway included) with at most ``concurrency`` connections open
    at once; verdicts come back in the order of ``devices``."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if service_level not in (2, 3):
        raise ValueError(f"service level must be 2 or 3, not {service_level!r}")
    labels = labels or {}
    trust = trust_store_for(catalog)
    semaphore = asyncio.Semaphore(concurrency)
    when = now if now is not None else _utcnow()

    async def one(target: GateTarget | Sighting | DeviceRecord) -> DeviceVerdict:
        device_id = target.device_id
        async with semaphore:
            result = await certify_device(
                target, catalog, service_level, now=when, timeout=timeout, trust=trust,
                label=labels.get(device_id), backend=backend,
            )
        if on_verdict is not None:
            on_verdict(result)
        return result

    return list(await asyncio.gather(*(one(d) for d in devices)))


def is_gateway(result: DeviceVerdict) -> bool:
    return result.role == Role.GATEWAY.value or result.kind == DeviceKind.GATEWAY.value
