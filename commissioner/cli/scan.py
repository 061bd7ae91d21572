"""``commissioner scan``: list the devices on the configured interfaces."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from commissioner.cli.legacy_context import resolve
from commissioner.discovery.scan import ScanResult, malformed_to_json, scan, sighting_to_json
from commissioner.errors import UserError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("scan", parents=[common], help="discover devices and the home gateway")
    p.add_argument("--timeout", type=float, default=3.0, metavar="S", help="seconds to listen")
    p.add_argument("--expect", type=int, metavar="N", help="stop early once N devices are seen")
    p.add_argument("--json", action="store_true", help="print a JSON array of devices")
    p.add_argument("--job", metavar="ID", help="record the devices seen in this job")
    p.add_argument("--ble", action="store_true", help="also scan Bluetooth LE (merged by id)")
    p.add_argument("--ble-transport", metavar="SPEC", help=argparse.SUPPRESS)
    p.set_defaults(handler=_scan)


def _scan(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 600:
        raise UserError("--timeout must be between 0 and 600 seconds")
    ctx = resolve(args)
    if args.ble:
        from commissioner.app.onboard import ble_transport_spec
        from commissioner.app.site import make_site
        from commissioner.ble.config import make_adapter, scan_with_ble

        site = make_site(args.virtual_home)
        adapter = make_adapter(ble_transport_spec(site, args.ble_transport))
        result = asyncio.run(
            scan_with_ble(adapter, ctx.mdns_interfaces, args.timeout, expect=args.expect)
        )
    else:
        result = asyncio.run(scan(ctx.mdns_interfaces, args.timeout, expect=args.expect))
    for entry in result.malformed:
        print(
            f"commissioner: malformed advertisement from {entry.source} ({entry.transport}): "
            f"{entry.reason}",
            file=sys.stderr,
        )
    if args.job:
        _record(ctx.store_path, args.job, result)
    if args.json:
        print(
            json.dumps([sighting_to_json(r) for r in result.devices], ensure_ascii=False, indent=2)
        )
    else:
        _print_table(result)
    return 0


def _record(store_path: object, job_ref: str, result: ScanResult) -> None:
    from commissioner.jobs.recording import record_scan

    record_scan(
        store_path, job_ref, result.devices, [malformed_to_json(m) for m in result.malformed]
    )


def _print_table(result: ScanResult) -> None:
    rows = [sighting_to_json(r) for r in result.devices]
    print(f"{len(rows)} device(s), {len(result.malformed)} malformed, {result.elapsed:.2f} s")
    for row in rows:
        print(
            f"{row['id']:<28} {row['kind']:<16} {row['manufacturer']:<22} {row['model']:<14} "
            f"{row['firmware']:<9} {row['state']:<13} {row['address']}"
            + (f":{row['port']}" if row["port"] is not None else "")
            + (f" [{row['transport']} rssi {row['rssi']}]" if row["rssi"] is not None else "")
        )
