"""What a commissioned Matter device reports about itself (the worker's ``read_back`` reply),
parsed strictly: the ACL, BasicInformation, the commissioning window, its NOC and trusted root
on the reading fabric, and its DAC and PAI."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from commissioner.backends.errors import MalformedReplyError

__all__ = ["AclEntry", "FabricEntry", "MatterReadback"]

ADMINISTER = 5
AUTH_CASE = 2


def _b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedReplyError("malformed-reply", f"{where} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedReplyError("malformed-reply", f"{where} is not base64") from None


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedReplyError("malformed-reply", f"{where} is not a number")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MalformedReplyError("malformed-reply", f"{where} is not text")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedReplyError("malformed-reply", f"{where} is not a list")
    return value


@dataclass(frozen=True, slots=True)
class AclEntry:
    privilege: int
    auth_mode: int
    subjects: tuple[int, ...] | None
    targets: int | None  # how many targets; None: all of the node
    fabric_index: int

    def to_json(self) -> dict[str, Any]:
        return {"privilege": self.privilege, "auth_mode": self.auth_mode,
                "subjects": None if self.subjects is None else list(self.subjects),
                "targets": self.targets, "fabric_index": self.fabric_index}


@dataclass(frozen=True, slots=True)
class FabricEntry:
    fabric_id: int
    node_id: int
    vendor_id: int
    fabric_index: int
    root_public_key: bytes


@dataclass(frozen=True, slots=True)
class MatterReadback:
    acl: tuple[AclEntry, ...]
    vendor_id: int
    product_id: int
    vendor_name: str
    product_name: str
    serial: str
    software_version: int
    software_version_string: str
    window_status: int
    nocs: tuple[bytes, ...]  # Matter TLV certificates, this fabric only
    trusted_roots: tuple[bytes, ...]
    fabrics: tuple[FabricEntry, ...]
    current_fabric_index: int
    dac: bytes
    pai: bytes

    @classmethod
    def from_json(cls, doc: Any) -> MatterReadback:
        if not isinstance(doc, dict):
            raise MalformedReplyError("malformed-reply", "the device read-back is not an object")
        acl = []
        for i, e in enumerate(_list(doc.get("acl"), "acl")):
            if not isinstance(e, dict):
                raise MalformedReplyError("malformed-reply", f"acl[{i}] is not an object")
            subjects = e.get("subjects")
            targets = e.get("targets")
            acl.append(AclEntry(
                _int(e.get("privilege"), "privilege"), _int(e.get("auth_mode"), "auth_mode"),
                None if subjects is None else tuple(_int(s, "subject")
                                                    for s in _list(subjects, "subjects")),
                None if targets is None else _int(targets, "targets"),
                _int(e.get("fabric_index"), "fabric_index")))
        fabrics = []
        for f in _list(doc.get("fabrics"), "fabrics"):
            if not isinstance(f, dict):
                raise MalformedReplyError("malformed-reply", "a fabric is not an object")
            fabrics.append(FabricEntry(
                _int(f.get("fabric_id"), "fabric_id"), _int(f.get("node_id"), "node_id"),
                _int(f.get("vendor_id"), "vendor_id"), _int(f.get("fabric_index"), "index"),
                _b64(f.get("root_public_key"), "root_public_key")))
        return cls(
            acl=tuple(acl),
            vendor_id=_int(doc.get("vendor_id"), "vendor_id"),
            product_id=_int(doc.get("product_id"), "product_id"),
            vendor_name=_str(doc.get("vendor_name"), "vendor_name"),
            product_name=_str(doc.get("product_name"), "product_name"),
            serial=_str(doc.get("serial"), "serial"),
            software_version=_int(doc.get("software_version"), "software_version"),
            software_version_string=_str(doc.get("software_version_string"), "version"),
            window_status=_int(doc.get("window_status"), "window_status"),
            nocs=tuple(_b64(n, "noc") for n in _list(doc.get("nocs"), "nocs")),
            trusted_roots=tuple(_b64(r, "root") for r in _list(doc.get("trusted_roots"),
                                                                 "trusted_roots")),
            fabrics=tuple(fabrics),
            current_fabric_index=_int(doc.get("current_fabric_index"), "current_fabric_index"),
            dac=_b64(doc.get("dac"), "dac"), pai=_b64(doc.get("pai"), "pai"))

    def current_fabric(self) -> FabricEntry | None:
        return next((f for f in self.fabrics if f.fabric_index == self.current_fabric_index),
                    None)

    def commissioner_only(self, controller_node_id: int) -> bool:
        """Exactly one ACL entry on this fabric: Administer over CASE for the commissioner's
        node, on the whole node."""
        return self.acl == (AclEntry(ADMINISTER, AUTH_CASE, (controller_node_id,), None,
                                     self.current_fabric_index),)
