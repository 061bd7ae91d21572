"""The virtual home's emulated BLE radio: Bumble controllers on one in-process link.

Every virtual BLE peripheral gets its own ``bumble.controller.Controller`` (with a Bumble host in
this process). The app reaches the radio as a separate process, as in the field: each TCP client
of :attr:`BleRadio.transport_spec` (``tcp-client:127.0.0.1:PORT``) gets a fresh controller on the
same link and speaks HCI H4 over the socket — an in-process equivalent of
``python -m bumble.apps.controllers``, which supports only two fixed transports. The server
binds 127.0.0.1 only. No radio and no kernel Bluetooth are involved.

Two deviations of Bumble 0.0.236's emulated controller from the Core specification are fixed
in :class:`SpecController`: LE Create Connection Cancel now ends the pending connection with an
LE Connection Complete event (status Unknown Connection Identifier), so a connect to an absent
device times out cleanly instead of hanging; and :meth:`BleRadio.detach` tells connected peers
about a controller that goes away (supervision timeout), as a real link would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import Any, Final

from bumble import hci, ll
from bumble.controller import Controller
from bumble.device import Device
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink, PacketParser

log = logging.getLogger(__name__)

HOST: Final = "127.0.0.1"


class SpecController(Controller):
    """Bumble's emulated controller with a spec-conformant LE Create Connection Cancel."""

    def on_hci_le_create_connection_cancel_command(self, command: Any) -> Any:
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        event = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=0,
            role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address.address_type,
            peer_address=pending.peer_address,
            connection_interval=0,
            peripheral_latency=0,
            supervision_timeout=0,
            central_clock_accuracy=0,
        )
        # After the Command Complete that the caller sends for this command.
        asyncio.get_running_loop().call_soon(self.send_hci_packet, event)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


class _WriterSink:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def on_packet(self, packet: bytes) -> None:
        if not self._writer.is_closing():
            self._writer.write(packet)


def address_for(device_id: str) -> str:
    """A stable random static BLE address derived from the device id."""
    raw = bytearray(hashlib.sha256(b"shcommission-ble-address:" + device_id.encode()).digest()[:6])
    raw[0] |= 0xC0
    return ":".join(f"{b:02X}" for b in raw)


class BleRadio:
    """One emulated LE link, its peripherals' controllers, and the TCP relay for apps."""

    def __init__(self) -> None:
        self.link = LocalLink()  # type: ignore[no-untyped-call]
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._count = 0
        self.port = 0

    @property
    def transport_spec(self) -> str:
        return f"tcp-client:{HOST}:{self.port}"

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, host=HOST, port=0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()  # the handler sees EOF and detaches its controller
        if self._clients:
            await asyncio.wait(list(self._clients), timeout=2)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        self._writers.add(writer)
        self._count += 1
        controller = SpecController(
            f"app-{self._count}", host_sink=_WriterSink(writer), link=self.link
        )
        parser = PacketParser(controller)
        try:
            while data := await reader.read(65536):
                try:
                    parser.feed_data(data)
                except Exception:
                    log.warning("BLE relay: bad HCI data from the app; closing", exc_info=True)
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.detach(controller)
            writer.close()
            self._writers.discard(writer)
            self._clients.discard(task)

    def new_host(self, name: str, address: str) -> tuple[Device, Controller]:
        """A Bumble device (host) on a new controller of this link."""
        controller = SpecController(name, link=self.link)
        device = Device(
            name=name,
            address=hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS),
            host=Host(controller, AsyncPipeSink(controller)),
        )
        return device, controller

    def detach(self, controller: Controller) -> None:
        """Remove a controller from the link; its peers see a supervision timeout."""
        for peer, connection in list(controller.le_connections.items()):
            with contextlib.suppress(Exception):
                connection.send_ll_control_pdu(
                    ll.TerminateInd(hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR)
                )
            controller.le_connections.pop(peer, None)
        controller.pending_le_connection = None
        with contextlib.suppress(KeyError):
            self.link.remove_controller(controller)
