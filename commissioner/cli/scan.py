"""``commissioner scan``: list the devices on the configured interfaces."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from commissioner.app.scan import record_scan, scan_site
from commissioner.cli.common import context_from_args
from commissioner.cli.wording import say, term
from commissioner.discovery.scan import ScanResult, sighting_to_json


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
    ctx = context_from_args(args)
    result = asyncio.run(scan_site(ctx, timeout=args.timeout, expect=args.expect, ble=args.ble,
                                   ble_transport=args.ble_transport))
    for entry in result.malformed:
        print("commissioner: " + say("cli.scan.malformed", source=entry.source,
                                     transport=entry.transport, reason=entry.reason),
              file=sys.stderr)
    if args.job:
        record_scan(ctx, args.job, result)
    if args.json:
        print(
            json.dumps([sighting_to_json(r) for r in result.devices], ensure_ascii=False, indent=2)
        )
    else:
        _print_table(result)
    return 0


def _print_table(result: ScanResult) -> None:
    rows = [sighting_to_json(r) for r in result.devices]
    print(say("cli.scan.summary", count=len(rows), malformed=len(result.malformed),
              seconds=f"{result.elapsed:.2f}"))
    for row in rows:
        print(
            f"{row['id']:<28} {term('kind', str(row['kind'])):<16} {row['manufacturer']:<22} "
            f"{row['model']:<14} {row['firmware']:<9} {term('state', str(row['state'])):<13} "
            f"{row['address']}"
            + (f":{row['port']}" if row["port"] is not None else "")
            + (f" [{row['transport']} rssi {row['rssi']}]" if row["rssi"] is not None else "")
        )
