"""Which backend serves a device: chosen by device family or by the discovery transport that
found it, with an explicit ``override`` (tests, and callers that already hold a backend).

Families register a factory that builds the backend from the attestation roots of the signed
catalog. Today only this project's protocol (``shc``) is registered; Matter (``matter``,
transport ``matter``) and ECHONET Lite (``echonet-lite``, transport ``echonet``) add theirs
with :func:`register` without changing any caller.
"""

from __future__ import annotations

from collections.abc import Callable

from commissioner.backends.base import FAMILY_SHC, DeviceBackend
from commissioner.backends.echonet import EchonetBackend
from commissioner.backends.errors import UnknownFamilyError
from commissioner.backends.shc import ShcBackend
from commissioner.protocol.client import TrustStore

__all__ = ["BackendFactory", "backend_for", "families", "family_for_transport", "register"]

BackendFactory = Callable[[TrustStore], DeviceBackend]

_FACTORIES: dict[str, BackendFactory] = {}
_TRANSPORTS: dict[str, str] = {}


def register(family: str, factory: BackendFactory, *, transports: tuple[str, ...] = ()) -> None:
    """Make ``family`` available (and the families of devices found over ``transports``)."""
    _FACTORIES[family] = factory
    for transport in transports:
        _TRANSPORTS[transport] = family


def families() -> tuple[str, ...]:
    return tuple(sorted(_FACTORIES))


def family_for_transport(transport: str) -> str:
    """The device family a discovery transport finds (``mdns`` -> ``shc``)."""
    family = _TRANSPORTS.get(transport)
    if family is None:
        raise UnknownFamilyError(
            "unknown-transport", f"no device backend serves devices found over {transport!r}"
        )
    return family


def backend_for(
    trust: TrustStore,
    *,
    family: str | None = None,
    transport: str | None = None,
    override: DeviceBackend | None = None,
) -> DeviceBackend:
    """The backend for a device of ``family`` (or found over ``transport``; default: this
    project's protocol). ``override`` wins when given, and must be of that family."""
    if family is None:
        family = family_for_transport(transport) if transport is not None else FAMILY_SHC
    if override is not None:
        if override.family != family:
            raise UnknownFamilyError(
                "family-mismatch",
                f"the {override.family} backend cannot serve a {family} device",
            )
        return override
    factory = _FACTORIES.get(family)
    if factory is None:
        raise UnknownFamilyError(
            "unknown-family", f"no device backend is registered for the {family!r} family"
        )
    return factory(trust)


register(FAMILY_SHC, ShcBackend, transports=tuple(sorted(ShcBackend.transports)))
register(EchonetBackend.family, EchonetBackend,
         transports=tuple(sorted(EchonetBackend.transports)))
