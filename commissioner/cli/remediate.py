"""``commissioner remediate --job ID FINDING-CODE DEVICE_ID [--new-device ID] [--labels DIR]``:
the action a verification finding calls for (firmware update, re-provision one device, remove
an unknown device from the gateway, replace a device), recorded in the job's follow-up log
and followed by a new verification."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from commissioner.app import remediate as remediate_app
from commissioner.app import verify as verify_app
from commissioner.app.verify_report import summary_line
from commissioner.cli.common import context_from_args, print_json


def register(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
             common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "remediate", parents=[common],
        help="fix a verification finding on a handed-over home (recorded, then verified "
        "again)",
        description="FINDING is a finding code printed by `commissioner verify` (or one of: "
        + ", ".join(remediate_app.ACTIONS) + ").")
    p.add_argument("--job", required=True, metavar="ID")
    p.add_argument("finding", metavar="FINDING")
    p.add_argument("device", metavar="DEVICE_ID", help="the device the finding names")
    p.add_argument("--new-device", metavar="ID",
                   help="replace: the new unit's device id (default: the same id)")
    p.add_argument("--labels", type=Path, metavar="DIR",
                   help="folder of box-label files for a unit in factory state")
    p.add_argument("--timeout", type=float, default=verify_app.DEFAULT_TIMEOUT)
    p.add_argument("--offline", action="store_true", help="use the cached catalog only")
    p.add_argument("--operator", help="your name (recorded in the follow-up log)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_remediate)


def _remediate(args: argparse.Namespace) -> int:
    result = asyncio.run(remediate_app.remediate(
        context_from_args(args), args.job, args.finding, args.device,
        new_device_id=args.new_device, labels_dir=args.labels, online=not args.offline,
        timeout=args.timeout, operator=args.operator))
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"{result.action} on {result.device_id}: done (follow-up entry {result.followup_idx})")
    v = result.verification
    if v is not None:
        print(summary_line(v, "en"))
        for f in v.differences:
            print(f"  [{f.severity}] {','.join(f.requirements)} {f.code}: {f.message}")
    return 0
