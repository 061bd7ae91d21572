"""Simulated ECHONET Lite nodes, written from the specification (node profile 0x0EF001 plus
device objects), for the virtual home and the tests.

Every node owns one unicast address on UDP 3610 (loopback addresses 127.0.0.2, .3, ... or
addresses inside a test's network namespace); one shared socket joined to 224.0.23.0 on the
chosen interface hands multicast requests to every node. A node answers Get (0x62) for its
objects with Get_Res, or Get_SNA when a property is missing, from its own address to the
sender; it announces its instance list (INF 0xD5) at start. A node may be made *hostile*
(its replies malformed on purpose) to test the app's rejection of bad frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

from commissioner.protocol.echonet import (
    ECHONET_PORT,
    GET,
    GET_RES,
    GET_SNA,
    INF,
    MULTICAST_GROUP,
    NODE_PROFILE_EOJ,
    Eoj,
    Frame,
    MalformedFrameError,
    Property,
    decode_frame,
    encode_frame,
    encode_instance_list,
    encode_property_map,
)

__all__ = ["EchonetHome", "NodeSpec", "ObjectSpec", "nodes_from_json"]

HOSTILE_MODES: Final = ("truncated", "wrong-ehd", "absurd-count", "oversize")

_CLASS_EXTRA: Final[dict[int, dict[int, bytes]]] = {
    0x0130: {0xB0: b"\x42", 0xB3: b"\x1a", 0xBB: b"\x18"},  # mode cool, 26 C set, 24 C room
    0x026B: {0xB0: b"\x41", 0xE1: b"\x00\xc8"},  # automatic heating, 200 L remaining
    0x027D: {0xDA: b"\x42", 0xE4: b"\x50"},  # charging, 80 % remaining
    0x0279: {0xE0: b"\x00\x00\x03\xe8", 0xE1: b"\x00\x00\x30\x39"},  # 1000 W now, 12345 kWh
    0x0288: {0xD7: b"\x06", 0xE0: b"\x00\x01\x86\xa0", 0xE1: b"\x02"},  # meter, x0.1 kWh
}


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    eoj: Eoj
    product_code: str
    serial: str
    manufacturer_code: str | None = None  # defaults to the node's
    release: str = "J"


@dataclass(frozen=True, slots=True)
class NodeSpec:
    host: str
    manufacturer_code: str  # six hex digits
    unique: str  # 26 hex digits: the node's own part of its identification number
    objects: tuple[ObjectSpec, ...]
    hostile: str | None = None

    @property
    def node_id(self) -> str:
        return (self.manufacturer_code + self.unique).lower()


def _ident(manufacturer_code: str, unique: str) -> bytes:
    return b"\xfe" + bytes.fromhex(manufacturer_code) + bytes.fromhex(unique)


def _ascii12(text: str) -> bytes:
    return text.encode("ascii")[:12].ljust(12, b" ")


@dataclass
class _Node:
    spec: NodeSpec
    objects: dict[Eoj, dict[int, bytes]] = field(default_factory=dict)
    transport: asyncio.DatagramTransport | None = None

    def build(self) -> None:
        spec = self.spec
        eojs = [o.eoj for o in spec.objects]
        classes = sorted({(e.group, e.cls) for e in eojs})
        node_props: dict[int, bytes] = {
            0x80: b"\x30", 0x82: b"\x01\x0d\x01\x00",
            0x83: _ident(spec.manufacturer_code, spec.unique),
            0x8A: bytes.fromhex(spec.manufacturer_code),
            0xD3: len(eojs).to_bytes(3, "big"), 0xD4: (len(classes) + 1).to_bytes(2, "big"),
            0xD5: encode_instance_list(eojs), 0xD6: encode_instance_list(eojs),
            0xD7: bytes([len(classes)]) + b"".join(bytes(c) for c in classes),
        }
        self.objects[NODE_PROFILE_EOJ] = _with_maps(node_props, inf=(0x80, 0xD5))
        for index, obj in enumerate(spec.objects):
            maker = obj.manufacturer_code or spec.manufacturer_code
            unique = f"{int(spec.unique, 16) + index + 1:026x}"[-26:]
            props: dict[int, bytes] = {
                0x80: b"\x30", 0x81: b"\x00", 0x82: b"\x00\x00" + obj.release.encode() + b"\x00",
                0x83: _ident(maker, unique), 0x88: b"\x42", 0x8A: bytes.fromhex(maker),
                0x8C: _ascii12(obj.product_code), 0x8D: _ascii12(obj.serial),
            }
            props.update(_CLASS_EXTRA.get(obj.eoj.class_code, {}))
            self.objects[obj.eoj] = _with_maps(props, inf=(0x80, 0x81, 0x88))

    def answer(self, frame: Frame) -> bytes | None:
        props = self.objects.get(frame.deoj)
        if props is None or frame.esv != GET or not frame.properties:
            return None  # the specification says: discard what this node does not serve
        out: list[Property] = []
        missing = False
        for p in frame.properties:
            value = props.get(p.epc)
            missing = missing or value is None
            out.append(Property(p.epc, value or b""))
        reply = Frame(frame.tid, frame.deoj, frame.seoj, GET_SNA if missing else GET_RES,
                      tuple(out))
        return _spoil(encode_frame(reply), self.spec.hostile)

    def announce(self) -> bytes:
        return encode_frame(Frame(0, NODE_PROFILE_EOJ, NODE_PROFILE_EOJ, INF,
                                  (Property(0xD5, self.objects[NODE_PROFILE_EOJ][0xD5]),)))


def _with_maps(props: dict[int, bytes], *, inf: Sequence[int]) -> dict[int, bytes]:
    get = set(props) | {0x9D, 0x9E, 0x9F}
    props[0x9D] = encode_property_map(inf)
    props[0x9E] = encode_property_map([0x80, 0x81] if 0x81 in props else [0x80])
    props[0x9F] = encode_property_map(get)
    return props


def _spoil(data: bytes, mode: str | None) -> bytes:
    if mode is None:
        return data
    if mode == "truncated":
        return data[: len(data) - 3]
    if mode == "wrong-ehd":
        return b"\x10\x82" + data[2:]
    if mode == "absurd-count":
        return data[:11] + b"\xff" + data[12:]
    if mode == "oversize":
        return data + b"\x00" * 1600
    return data


class _Unicast(asyncio.DatagramProtocol):
    def __init__(self, node: _Node) -> None:
        self.node = node

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.node.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        _serve(self.node, data, addr)


def _serve(node: _Node, data: bytes, addr: tuple[Any, ...]) -> None:
    try:
        frame = decode_frame(data)
    except MalformedFrameError:
        return
    reply = node.answer(frame)
    if reply is not None and node.transport is not None:
        node.transport.sendto(reply, (addr[0], addr[1]))


class _Multicast(asyncio.DatagramProtocol):
    def __init__(self, nodes: Sequence[_Node]) -> None:
        self.nodes = nodes

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        own = {n.spec.host for n in self.nodes}
        if addr[0] in own:
            return
        for node in self.nodes:
            _serve(node, data, addr)


class EchonetHome:
    """Runs ``nodes`` on the current event loop: ``await start()``, ``await stop()``."""

    def __init__(self, nodes: Sequence[NodeSpec], *, interface: str = "127.0.0.1") -> None:
        self.specs = tuple(nodes)
        self.interface = interface
        self._nodes: list[_Node] = []
        self._group: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            for spec in self.specs:
                node = _Node(spec)
                node.build()
                await loop.create_datagram_endpoint(lambda n=node: _Unicast(n),  # type: ignore[misc]
                                                    local_addr=(spec.host, ECHONET_PORT))
                self._nodes.append(node)
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((MULTICAST_GROUP, ECHONET_PORT))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack(
                "4s4s", socket.inet_aton(MULTICAST_GROUP), socket.inet_aton(self.interface)))
            sock.setblocking(False)
            self._group, _ = await loop.create_datagram_endpoint(
                lambda: _Multicast(self._nodes), sock=sock)
        except BaseException:
            await self.stop()
            raise
        for node in self._nodes:
            if node.transport is not None:
                node.transport.sendto(node.announce(), (MULTICAST_GROUP, ECHONET_PORT))

    async def stop(self) -> None:
        if self._group is not None:
            self._group.close()
            self._group = None
        for node in self._nodes:
            if node.transport is not None:
                node.transport.close()
        self._nodes.clear()
        await asyncio.sleep(0)

    async def __aenter__(self) -> EchonetHome:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.stop()


def nodes_from_json(raw: Sequence[Mapping[str, Any]]) -> list[NodeSpec]:
    """Nodes from scenario data: ``[{"host", "manufacturer_code", "unique", "hostile"?,
    "objects": [{"eoj", "product_code", "serial", "manufacturer_code"?}]}]``."""
    out: list[NodeSpec] = []
    for item in raw:
        objects = tuple(
            ObjectSpec(Eoj.parse(str(o["eoj"])), str(o["product_code"]), str(o["serial"]),
                       None if o.get("manufacturer_code") is None
                       else str(o["manufacturer_code"]))
            for o in item["objects"])
        hostile = item.get("hostile")
        if hostile is not None and hostile not in HOSTILE_MODES:
            raise ValueError(f"unknown hostile mode {hostile!r}")
        out.append(NodeSpec(str(item["host"]), str(item["manufacturer_code"]),
                            str(item["unique"]), objects, hostile))
    return out


def standard_nodes(prefix: str = "127.0.0.", first: int = 20) -> list[NodeSpec]:
    """The training home's ECHONET Lite equipment: four nodes, five device objects.

    Certified: the air conditioner and the water heater (Fujimi, ★★★), the storage battery
    (Tsubame, ★★). Not certified: the PV inverter (Tsubame, product code not listed). Unknown
    manufacturer: the smart meter (code 7F00EE is in no catalog)."""
    def host(i: int) -> str:
        return f"{prefix}{first + i}"
    return [
        NodeSpec(host(0), "7F0001", "0000000000000000000000a001", (
            ObjectSpec(Eoj(0x01, 0x30, 0x01), "FE-RAS22", "RAS22-000123"),)),
        NodeSpec(host(1), "7F0001", "0000000000000000000000b001", (
            ObjectSpec(Eoj(0x02, 0x6B, 0x01), "FE-WH37", "WH37-0000456"),)),
        NodeSpec(host(2), "7F0002", "0000000000000000000000c001", (
            ObjectSpec(Eoj(0x02, 0x7D, 0x01), "TE-BT50", "BT50-0000789"),
            ObjectSpec(Eoj(0x02, 0x79, 0x01), "TE-PV55", "PV55-0000790"))),
        NodeSpec(host(3), "7F00EE", "0000000000000000000000d001", (
            ObjectSpec(Eoj(0x02, 0x88, 0x01), "SM-X1", "SMX1-0000001"),)),
    ]
