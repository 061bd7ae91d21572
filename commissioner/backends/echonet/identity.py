"""Reading who an ECHONET Lite object says it is: node profile, then each device object.

Per object one Get asks for the manufacturer code (0x8A), product code (0x8C), serial (0x8D),
identification number (0x83), release (0x82) and the three property maps. What a hostile or
broken node answers is checked here and refused with a reason
(:class:`~commissioner.protocol.errors.MalformedReplyError`); nothing it says is proof.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Final

from commissioner.backends.echonet.client import EchonetEndpoint
from commissioner.protocol.echonet import (
    CLASS_NAMES,
    EPC_GET_MAP,
    EPC_IDENTIFICATION,
    EPC_INF_MAP,
    EPC_MANUFACTURER,
    EPC_PRODUCT_CODE,
    EPC_RELEASE,
    EPC_SELF_INSTANCE_LIST,
    EPC_SERIAL,
    EPC_SET_MAP,
    NODE_PROFILE_EOJ,
    Eoj,
    Frame,
    MalformedFrameError,
    ascii_field,
    decode_instance_list,
    decode_property_map,
    release_text,
)
from commissioner.protocol.errors import DeviceUnreachableError, MalformedReplyError

__all__ = ["IDENTITY_EPCS", "EchonetObject", "device_id_for", "parse_device_id", "read_node",
           "read_object"]

IDENTITY_EPCS: Final = (EPC_MANUFACTURER, EPC_PRODUCT_CODE, EPC_SERIAL, EPC_IDENTIFICATION,
                        EPC_RELEASE, EPC_INF_MAP, EPC_SET_MAP, EPC_GET_MAP)
NODE_EPCS: Final = (EPC_SELF_INSTANCE_LIST, EPC_IDENTIFICATION, EPC_MANUFACTURER, EPC_RELEASE)
_DEVICE_ID_RE: Final = re.compile(r"el-([0-9a-f]{6,32})-([0-9a-f]{6})")
NODE_CONCURRENCY: Final = 8


@dataclass(frozen=True, slots=True)
class EchonetObject:
    """One device object as it described itself (unproven)."""

    host: str
    eoj: Eoj
    node_id: str  # hex of the node profile's identification number (without 0xFE)
    manufacturer_code: str  # six upper-case hex digits
    product_code: str
    serial: str
    identification: str  # hex of the object's own 0x83, "" when it has none
    release: str
    node_version: str
    get_map: frozenset[int]
    set_map: frozenset[int]
    inf_map: frozenset[int]

    @property
    def device_id(self) -> str:
        return device_id_for(self.node_id, self.eoj)

    @property
    def kind(self) -> str:
        return CLASS_NAMES.get(self.eoj.class_code, f"class-{self.eoj.class_code:04x}")


def device_id_for(node_id: str, eoj: Eoj) -> str:
    return f"el-{node_id.lower()}-{str(eoj).lower()}"


def parse_device_id(device_id: str) -> tuple[str, Eoj] | None:
    """(node id, object) of an ECHONET Lite device id, or None for another family's id."""
    match = _DEVICE_ID_RE.fullmatch(device_id)
    if match is None:
        return None
    return match.group(1), Eoj.parse(match.group(2))


def _bad(host: str, what: str) -> MalformedReplyError:
    return MalformedReplyError("malformed-echonet", f"{host}: {what}")


def _manufacturer(host: str, edt: bytes | None) -> str:
    if edt is None:
        raise _bad(host, "no manufacturer code (0x8A)")
    if len(edt) != 3:
        raise _bad(host, f"a manufacturer code has 3 bytes, not {len(edt)}")
    return edt.hex().upper()


def _fixed_ascii(host: str, edt: bytes | None, what: str) -> str:
    if edt is not None and len(edt) > 12:
        raise _bad(host, f"the {what} has {len(edt)} bytes, at most 12")
    return ascii_field(edt)


def _identification(host: str, edt: bytes | None) -> str:
    """0x83: 0xFE, then the manufacturer code (3) and 13 unique bytes."""
    if edt is None:
        return ""
    if len(edt) != 17 or edt[0] != 0xFE:
        raise _bad(host, "an identification number is 0xFE and 16 bytes")
    return edt[1:].hex()


def _map(host: str, edt: bytes | None, what: str) -> frozenset[int]:
    if edt is None:
        return frozenset()
    try:
        return decode_property_map(edt)
    except MalformedFrameError as err:
        raise _bad(host, f"{what}: {err.message}") from None


@dataclass(frozen=True, slots=True)
class NodeFacts:
    host: str
    node_id: str
    version: str
    instances: tuple[Eoj, ...]


def node_facts(host: str, frame: Frame) -> NodeFacts:
    listed = frame.value(EPC_SELF_INSTANCE_LIST)
    if listed is None:
        raise _bad(host, "the node profile gave no instance list (0xD6)")
    try:
        instances = decode_instance_list(listed)
    except MalformedFrameError as err:
        raise _bad(host, err.message) from None
    node_id = _identification(host, frame.value(EPC_IDENTIFICATION))
    if not node_id:
        raise _bad(host, "the node profile gave no identification number (0x83)")
    if len(set(instances)) != len(instances) or NODE_PROFILE_EOJ in instances:
        raise _bad(host, "the instance list repeats an object or lists the node profile")
    return NodeFacts(host, node_id, release_text(frame.value(EPC_RELEASE)), instances)


async def read_node(endpoint: EchonetEndpoint, host: str, *, timeout: float  # noqa: ASYNC109
                    ) -> NodeFacts:
    frame = await endpoint.get(host, NODE_PROFILE_EOJ, NODE_EPCS, timeout=timeout)
    return node_facts(host, frame)


def object_facts(node: NodeFacts, eoj: Eoj, frame: Frame) -> EchonetObject:
    host = node.host
    return EchonetObject(
        host=host, eoj=eoj, node_id=node.node_id,
        manufacturer_code=_manufacturer(host, frame.value(EPC_MANUFACTURER)),
        product_code=_fixed_ascii(host, frame.value(EPC_PRODUCT_CODE), "product code"),
        serial=_fixed_ascii(host, frame.value(EPC_SERIAL), "serial number"),
        identification=_identification(host, frame.value(EPC_IDENTIFICATION)),
        release=release_text(frame.value(EPC_RELEASE)), node_version=node.version,
        get_map=_map(host, frame.value(EPC_GET_MAP), "Get property map"),
        set_map=_map(host, frame.value(EPC_SET_MAP), "Set property map"),
        inf_map=_map(host, frame.value(EPC_INF_MAP), "status announcement map"),
    )


async def read_object(endpoint: EchonetEndpoint, node: NodeFacts, eoj: Eoj, *,
                      timeout: float) -> EchonetObject:  # noqa: ASYNC109
    frame = await endpoint.get(node.host, eoj, IDENTITY_EPCS, timeout=timeout)
    return object_facts(node, eoj, frame)


async def read_objects(endpoint: EchonetEndpoint, node: NodeFacts, *, timeout: float  # noqa: ASYNC109
                       ) -> list[EchonetObject | MalformedReplyError | DeviceUnreachableError]:
    """Every object of ``node``, a few at a time; a failing object is returned as its error."""
    limit = asyncio.Semaphore(NODE_CONCURRENCY)

    async def one(eoj: Eoj) -> EchonetObject | MalformedReplyError | DeviceUnreachableError:
        async with limit:
            try:
                return await read_object(endpoint, node, eoj, timeout=timeout)
            except (MalformedReplyError, DeviceUnreachableError) as err:
                return err

    return list(await asyncio.gather(*(one(e) for e in node.instances)))
