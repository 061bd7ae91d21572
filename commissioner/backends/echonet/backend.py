"""The ECHONET Lite family: identify only (docs/device-backends.md).

ECHONET Lite has no device attestation: the manufacturer code, product code and serial an
object reports are claims. :meth:`EchonetBackend.identify` reads them from the node at the
address (checking that the node there is the one discovery found) and returns them with
``attested=False``; the gate applies the catalog's policy for such equipment. Sessions,
provisioning and firmware are not part of this family (the base class refuses them).
"""

from __future__ import annotations

from typing import ClassVar, Final

from commissioner.backends.base import DeviceAddress, DeviceBackend, Identification
from commissioner.backends.echonet.identity import (
    EchonetObject,
    parse_device_id,
    read_node,
    read_object,
)
from commissioner.backends.echonet.pool import interface_towards, shared_endpoint
from commissioner.backends.errors import IdentityMismatchError, MalformedReplyError
from commissioner.protocol.client import TrustStore
from commissioner.protocol.echonet import ECHONET_PORT

__all__ = ["FAMILY_ECHONET", "TRANSPORT_ECHONET", "EchonetBackend", "identification_of"]

FAMILY_ECHONET: Final = "echonet-lite"
TRANSPORT_ECHONET: Final = "echonet"


def identification_of(obj: EchonetObject) -> Identification:
    return Identification(
        device_id=obj.device_id, family=FAMILY_ECHONET, attested=False,
        manufacturer=obj.manufacturer_code, model=obj.product_code, serial=obj.serial,
        kind=obj.kind, role="device", firmware_version=obj.release, host=obj.host,
        port=ECHONET_PORT,
    )


class EchonetBackend(DeviceBackend):
    family: ClassVar[str] = FAMILY_ECHONET
    transports: ClassVar[frozenset[str]] = frozenset({TRANSPORT_ECHONET})
    attests_identity: ClassVar[bool] = False

    def __init__(self, trust: TrustStore | None = None) -> None:
        self._trust = trust  # unused: nothing in ECHONET Lite chains to a root

    async def identify(
        self,
        address: DeviceAddress,
        *,
        advertised_model: str | None = None,
        timeout: float,  # noqa: ASYNC109 - per request
    ) -> Identification:
        parsed = parse_device_id(address.device_id)
        if parsed is None:
            raise MalformedReplyError("not-echonet",
                                      f"{address.device_id} is not an ECHONET Lite object id")
        node_id, eoj = parsed
        interface = interface_towards(address.host)
        async with shared_endpoint(interface) as endpoint:
            node = await read_node(endpoint, address.host, timeout=timeout)
            if node.node_id != node_id:
                raise IdentityMismatchError(
                    "node-mismatch",
                    f"the ECHONET Lite node at {address.host} is {node.node_id}, not {node_id}")
            if eoj not in node.instances:
                raise IdentityMismatchError(
                    "object-missing", f"the node at {address.host} no longer lists {eoj}")
            obj = await read_object(endpoint, node, eoj, timeout=timeout)
        if advertised_model and obj.product_code != advertised_model:
            raise IdentityMismatchError(
                "model-mismatch",
                f"discovery heard product code {advertised_model}, the object now says "
                f"{obj.product_code}")
        return identification_of(obj)
