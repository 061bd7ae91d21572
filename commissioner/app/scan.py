"""Scan: what is on the home network (mDNS: this project's devices and Matter nodes; ECHONET
Lite on the site's IPv4 interfaces; BLE on request), optionally recorded in a job."""

from __future__ import annotations

from collections.abc import Sequence

from commissioner.app.context import AppContext, open_job
from commissioner.discovery.echonet import EchonetTransport
from commissioner.discovery.manager import Transport
from commissioner.discovery.matter import MatterTransport
from commissioner.discovery.recording import record_devices
from commissioner.discovery.scan import ScanResult, malformed_to_json, scan
from commissioner.errors import UserError
from commissioner.protocol.errors import DeviceProtocolError


def echonet_transports(ctx: AppContext) -> list[Transport]:
    """The ECHONET Lite transport on the site's interfaces (none when the site has none)."""
    interfaces = ctx.site.echonet_interfaces(ctx.settings, ctx.mdns_interfaces)
    return [EchonetTransport(interfaces)] if interfaces else []


async def site_scan(ctx: AppContext, timeout: float, *,  # noqa: ASYNC109 - the scan's duration
                    expect: int | None = None, extra: Sequence[Transport] = ()) -> ScanResult:
    """mDNS and ECHONET Lite (and ``extra``) on the site's interfaces, results merged."""
    try:
        return await scan(ctx.mdns_interfaces, timeout, expect=expect,
                          extra_transports=[*echonet_transports(ctx), *extra])
    except DeviceProtocolError as err:
        raise UserError(code="scan.echonet-unavailable", params={"detail": err.message}) from None


async def scan_site(
    ctx: AppContext,
    *,
    timeout: float,  # noqa: ASYNC109 - the scan's duration
    expect: int | None = None,
    ble: bool = False,
    ble_transport: str | None = None,
) -> ScanResult:
    """Browse the site's interfaces for ``timeout`` seconds (stop early at ``expect``)."""
    if not 0 < timeout <= 600:
        raise UserError(
            code="value.out-of-range", params={"option": "--timeout", "low": 0, "high": 600})
    if not ble:
        return await site_scan(ctx, timeout, expect=expect,
                               extra=[MatterTransport(ctx.mdns_interfaces)])
    from commissioner.ble.config import make_adapter, scan_with_ble

    adapter = make_adapter(ble_transport or ctx.site.ble_transport())
    return await scan_with_ble(adapter, ctx.mdns_interfaces, timeout, expect=expect)


def record_scan(ctx: AppContext, job_ref: str, result: ScanResult) -> int:
    """Record what a scan saw in the job; how many devices were new to it."""
    with ctx.store() as store:
        job = open_job(store, job_ref)
        return record_devices(store, job.id, result.devices,
                              [malformed_to_json(m) for m in result.malformed])
