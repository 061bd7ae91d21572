"""Open the BLE backend a command uses, and run a BLE-enabled scan.

Which backend: ``--ble-transport SPEC`` > the site's (training: the virtual home's emulated
controller) > bleak's platform backend - see
:func:`commissioner.app.onboard.ble_transport_spec`.
"""

from __future__ import annotations

from collections.abc import Sequence

from commissioner.ble.adapter import BleAdapter
from commissioner.discovery.scan import ScanResult, scan
from commissioner.errors import UserError

__all__ = ["make_adapter", "scan_with_ble"]


def make_adapter(transport: str | None) -> BleAdapter:
    try:
        return BleAdapter(transport)
    except ValueError as exc:
        raise UserError(code="ble.transport-invalid", params={"detail": exc}) from None


async def scan_with_ble(
    adapter: BleAdapter,
    interfaces: Sequence[str],
    timeout: float,  # noqa: ASYNC109 - the scan's duration
    *,
    expect: int | None = None,
    settle: float = 0.3,
) -> ScanResult:
    """mDNS and BLE together (one row per device id); opens and closes ``adapter``."""
    from bleak.exc import BleakError

    from commissioner.ble.discovery_transport import BleTransport

    try:
        await adapter.open()
    except (BleakError, OSError) as exc:
        raise UserError(code="ble.unavailable-training", params={"detail": exc}) from None
    try:
        return await scan(
            interfaces, timeout, expect=expect, settle=settle,
            extra_transports=[BleTransport(adapter)],
        )
    finally:
        await adapter.close()
