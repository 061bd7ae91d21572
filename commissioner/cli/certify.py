"""``commissioner certify``, ``commissioner label add|list``, ``commissioner device replace``.

    commissioner certify --job ID [--json] [--timeout S] [--scan-timeout S] [--offline]
    commissioner label add --job ID (PAYLOAD | --image FILE | --stdin) [--json]
    commissioner label list --job ID [--json]
    commissioner label decode PAYLOAD [--json]
    commissioner device replace --job ID DEVICE_ID --reason TEXT

``certify`` loads the signed catalog (sync, or the verified offline cache within the grace
period), records its version in the job, scans, certifies every device of the job (the gateway
included) and records each verdict in the job's step log. Exit codes: 0 every device is
certified; 6 at least one device is blocked (``EXIT_BLOCKED``); the catalog's own codes (3
security failure, 4 platform unreachable, 5 no usable catalog / past the offline grace) when
the catalog cannot be used; 1 other errors.

A blocked device cannot be overridden: it can only be marked to be replaced
(``device replace``), which the job records with the reason.

Labels: the setup code never reaches the job store, the log or the output (see
:mod:`commissioner.trust.labels`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Final

from commissioner.app import devices, labels
from commissioner.app.certify import certify
from commissioner.cli.common import context_from_args, print_json
from commissioner.protocol.label import Label
from commissioner.trust.gate import DEFAULT_CONCURRENCY

EXIT_BLOCKED: Final = 6


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    cert = subparsers.add_parser(
        "certify",
        parents=[common],
        help="check every device against the signed catalog (certified models only)",
        description="Scan, verify each device's attestation certificate against the catalog's "
        "manufacturer roots and judge its model against the certified-model list. Exit 6 when "
        "any device is blocked.",
    )
    cert.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    cert.add_argument("--json", action="store_true", help="print a JSON array of verdicts")
    cert.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="per-device network timeout in seconds (default 5)",
    )
    cert.add_argument(
        "--scan-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds to listen for devices (default 5)",
    )
    cert.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"devices checked in parallel (default {DEFAULT_CONCURRENCY})",
    )
    cert.add_argument(
        "--offline",
        action="store_true",
        help="use the cached catalog only (within the offline grace period)",
    )
    cert.add_argument("--url", help=argparse.SUPPRESS)
    cert.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    cert.set_defaults(handler=_certify)

    label = subparsers.add_parser("label", help="scan or type device labels for a job")
    label_sub = label.add_subparsers(dest="label_command", metavar="ACTION", required=True)
    add = label_sub.add_parser("add", parents=[common], help="add a scanned or typed label")
    add.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    src = add.add_mutually_exclusive_group(required=True)
    src.add_argument("payload", nargs="?", metavar="PAYLOAD",
                     help="the label text (SHC1;..., a Matter MT:... code or manual code)")
    src.add_argument("--image", type=Path, metavar="FILE", help="a photo or scan of the label")
    src.add_argument(
        "--stdin",
        action="store_true",
        help="read labels from a USB QR scanner / stdin, one per line",
    )
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(handler=_label_add)
    lst = label_sub.add_parser("list", parents=[common], help="list the job's labels")
    lst.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=_label_list)
    dec = label_sub.add_parser("decode", parents=[common],
                               help="show what a Matter setup code holds")
    dec.add_argument("payload", metavar="PAYLOAD", help="MT:... QR text or manual pairing code")
    dec.add_argument("--json", action="store_true", help="print JSON")
    dec.set_defaults(handler=_label_decode)

    device = subparsers.add_parser("device", help="act on one device of a job")
    device_sub = device.add_subparsers(dest="device_command", metavar="ACTION", required=True)
    rep = device_sub.add_parser(
        "replace",
        parents=[common],
        help="mark a blocked device to be replaced (there is no override)",
    )
    rep.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    rep.add_argument("device_id", metavar="DEVICE_ID")
    rep.add_argument("--reason", required=True, help="why (recorded in the job)")
    rep.set_defaults(handler=_device_replace)


# --------------------------------------------------------------------------- certify


def _certify(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    outcome = asyncio.run(certify(
        ctx, args.job, online=not args.offline, scan_timeout=args.scan_timeout,
        timeout=args.timeout, concurrency=args.concurrency,
        catalog=ctx.catalog(online=not args.offline, url=args.url, root=args.root)
        if args.url or args.root else None,
    ))  # CatalogError: exit 3/4/5
    job, catalog, verdicts = outcome.job, outcome.catalog, outcome.verdicts
    gate = {g.device_id: g for g in outcome.gate}
    if args.json:
        out = []
        for v in verdicts:
            item = v.to_json()
            state = gate.get(v.device_id)
            item["label_status"] = state.label_status if state else "none"
            out.append(item)
        print_json(out)
    else:
        print(
            f"Job {job.id}: {len(verdicts)} devices checked against catalog version "
            f"{catalog.version} (refreshed {catalog.refreshed_at:%Y-%m-%d %H:%M} UTC), "
            f"service level {'★' * job.service_level}"
        )
        for v in verdicts:
            mark = "OK     " if not v.blocked else "BLOCKED"
            serial = f" sn {v.serial}" if v.serial else ""
            print(
                f"  {mark} {v.device_id:<24} {v.verdict.value:<22} {v.manufacturer} "
                f"{v.model}{serial}"
            )
            print(f"          {v.reason}")
        if outcome.blocked:
            print(
                f"{len(outcome.blocked)} device(s) blocked: they cannot be commissioned. "
                "Replace them (`commissioner device replace`); there is no override."
            )
    return EXIT_BLOCKED if outcome.blocked else 0


# --------------------------------------------------------------------------- labels


def _read_labels(args: argparse.Namespace) -> list[Label]:
    if args.image is not None:
        return labels.read_label_image(args.image)
    if args.stdin:
        return labels.parse_lines(sys.stdin)
    return [labels.parse_payload(args.payload)]


def _label_add(args: argparse.Namespace) -> int:
    read = _read_labels(args)
    results, _gate = labels.add_scanned_labels(context_from_args(args), args.job, read)
    if args.json:
        print_json([{"device_id": r.device_id, "model": r.model, "serial": r.serial,
                     "status": r.status, "reason": r.reason} for r in results])
    else:
        for r in results:
            print(f"{r.status:<9} {r.device_id:<24} {r.model} sn {r.serial}: {r.reason}")
        print("Setup codes of paired labels are kept encrypted (OS keyring) for provisioning.")
    return 1 if any(r.flagged for r in results) else 0


def _label_list(args: argparse.Namespace) -> int:
    listed = labels.list_labels(context_from_args(args), args.job)
    if args.json:
        print_json(
            [
                {
                    "device_id": lab.device_id,
                    "manufacturer": lab.manufacturer,
                    "model": lab.model,
                    "serial": lab.serial,
                    "kind": lab.kind,
                    "status": lab.status,
                    "reason": lab.reason,
                    "label_sha256": lab.label_sha256,
                    "scanned_at": lab.scanned_at,
                }
                for lab in listed.labels
            ]
            + [
                {
                    "device_id": device_id,
                    "status": "no-label",
                    "reason": "No label scanned yet; provisioning will need it.",
                }
                for device_id in listed.missing
            ]
        )
        return 0
    for lab in listed.labels:
        print(f"{lab.status:<9} {lab.device_id:<24} {lab.model} sn {lab.serial}  {lab.reason}")
    for device_id in listed.missing:
        print(f"{'no label':<9} {device_id:<24} (scan its label before provisioning)")
    return 0


def _label_decode(args: argparse.Namespace) -> int:
    payload = labels.decode_matter(args.payload)
    fields = payload.to_json()
    if args.json:
        print_json(fields)
        return 0
    for key, value in fields.items():
        print(f"{key:<20} {value}")
    return 0


# --------------------------------------------------------------------------- replace


def _device_replace(args: argparse.Namespace) -> int:
    state, _gate = devices.mark_to_replace(context_from_args(args), args.job, args.device_id,
                                           args.reason)
    print(
        f"Device {state.device_id} ({state.verdict}) marked to be replaced: {state.replace_reason}"
    )
    return 0
