"""``commissioner certify``, ``commissioner label add|list``, ``commissioner device replace``.

    commissioner certify --job ID [--json] [--timeout S] [--scan-timeout S] [--offline]
    commissioner label add --job ID (PAYLOAD | --image FILE | --stdin) [--json]
    commissioner label list --job ID [--json]
    commissioner label decode PAYLOAD [--json]
    commissioner device replace --job ID DEVICE_ID [--with NEW_ID] --reason TEXT
    commissioner device remove --job ID DEVICE_ID --reason TEXT

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

from commissioner.app import device_changes, device_labels, devices, labels
from commissioner.app.certify import certify
from commissioner.cli.common import context_from_args, print_json
from commissioner.cli.wording import fix_line, local_time, say, term, verdict_lines
from commissioner.errors import UserError
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
    src = add.add_mutually_exclusive_group()
    src.add_argument("payload", nargs="?", metavar="PAYLOAD",
                     help="the label text (SHC1;..., a Matter MT:... code or manual code), or "
                     "a JC-STAR label's QR URL (with --device)")
    src.add_argument("--image", type=Path, metavar="FILE", help="a photo or scan of the label")
    src.add_argument(
        "--stdin",
        action="store_true",
        help="read labels from a USB QR scanner / stdin, one per line",
    )
    add.add_argument("--device", metavar="ID", help="the device the label belongs to (JC-STAR "
                     "labels; box labels of equipment without attestation)")
    add.add_argument("--model", metavar="MODEL", help="model on the equipment's box (--device)")
    add.add_argument("--serial", metavar="SERIAL", help="serial on the equipment's box (--device)")
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
        help="put a new genuine unit in a device's place (--with NEW_ID), or mark it to be "
        "replaced (there is no override)",
        description="With --with NEW_ID: the old device must be gone from the network, the new "
        "unit is found, certified and takes its place. Without: the blocked device is only "
        "marked to be replaced.",
    )
    rep.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    rep.add_argument("device_id", metavar="DEVICE_ID")
    rep.add_argument("--with", dest="new_device_id", metavar="NEW_ID",
                     help="the new unit's device id (from its box label or a scan)")
    rep.add_argument("--reason", required=True, help="why (recorded in the job)")
    rep.add_argument("--scan-timeout", type=float, default=3.0, metavar="S",
                     help="seconds to listen for the devices (default 3)")
    rep.set_defaults(handler=_device_replace)
    rem = device_sub.add_parser(
        "remove", parents=[common],
        help="record that a device was taken out of the home (checked on the network)")
    rem.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    rem.add_argument("device_id", metavar="DEVICE_ID")
    rem.add_argument("--reason", required=True, help="why (recorded in the job)")
    rem.add_argument("--scan-timeout", type=float, default=3.0, metavar="S",
                     help="seconds to listen for the device (default 3)")
    rem.set_defaults(handler=_device_remove)


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
        for a in outcome.spoofing:  # stdout holds the verdicts only
            print(f"commissioner: warning: spoofing attempt: {a.source} at {a.endpoint} claims "
                  f"device id {a.device_id} but cannot prove it", file=sys.stderr)
    else:
        print(say("cli.certify.header", job_id=job.id, count=len(verdicts),
                  version=catalog.version, stars="★" * job.service_level,
                  refreshed=local_time(catalog.refreshed_at, ctx.settings.time_zone)))
        for v in verdicts:
            mark = say("cli.certify.blocked" if v.blocked else "cli.certify.ok")
            serial = " " + say("cli.certify.serial", serial=v.serial) if v.serial else ""
            print(f"  {mark:<7} {v.device_id:<24} {term('verdict', v.verdict.value):<22} "
                  f"{v.manufacturer} {v.model}{serial}")
            for line in verdict_lines(v):
                print(f"          {line}")
        for a in outcome.spoofing:
            spoof = {"source": a.source, "endpoint": a.endpoint, "device_id": a.device_id,
                     "reason": a.reason_code, "genuine": a.genuine_source}
            print("  " + say("cli.certify.spoofing", **spoof))
            print("          " + (fix_line("cli.certify.spoofing", **spoof) or ""))
        if outcome.blocked:
            print(say("cli.certify.blocked-summary", count=len(outcome.blocked)))
            print(say("cli.next", text=fix_line("cli.certify.blocked-summary")))
        basis = outcome.level
        if basis is not None and basis.needs_reason:
            params: dict[str, object] = {
                "level": "★" * basis.level, "suggested": "★" * basis.suggested_level,
                "kinds": ", ".join(term("kind", k) for k in basis.suggested_by),
                "job_id": job.id, "level_number": basis.level}
            print(say("cli.certify.level-below", **params))
            print(say("cli.next", text=fix_line("cli.certify.level-below", **params)))
    return EXIT_BLOCKED if outcome.blocked else 0


# --------------------------------------------------------------------------- labels


def _read_labels(args: argparse.Namespace) -> list[Label]:
    if args.image is not None:
        return labels.read_label_image(args.image)
    if args.stdin:
        return labels.parse_lines(sys.stdin)
    return [labels.parse_payload(args.payload)]


def _device_label(args: argparse.Namespace) -> int:
    if args.image is not None or args.stdin:
        raise UserError(code="cli.device-label-form")
    boxed = args.model is not None or args.serial is not None
    if boxed and (args.model is None or args.serial is None or args.payload is not None):
        raise UserError(code="cli.box-label-needs-both")
    r = asyncio.run(device_labels.add_device_label(
        context_from_args(args), args.job, args.device,
        qr=None if boxed else args.payload, model=args.model, serial=args.serial))
    if args.json:
        print_json({"device_id": r.device_id, "kind": r.kind, "model": r.model,
                    "serial": r.serial, "registration_number": r.registration_number,
                    "url": r.url, "catalog_registration_number": r.catalog_number,
                    "finding": r.finding})
    elif r.kind == "jcstar":
        print(f"JC-STAR {r.registration_number} recorded as evidence for {r.device_id} "
              f"({r.model}); not fetched, and not proof of certification on its own.")
        if r.finding:
            print(f"finding: {r.finding}")
    else:
        print(f"box label {r.model} sn {r.serial} recorded for {r.device_id}; run certify "
              "again to compare it with what the equipment reports.")
    return 1 if r.finding else 0


def _label_add(args: argparse.Namespace) -> int:
    if args.device is not None:
        return _device_label(args)
    if args.payload is None and args.image is None and not args.stdin:
        raise UserError(code="cli.label-source")
    if args.payload is not None and device_labels.is_jcstar(args.payload):
        raise UserError(code="cli.jcstar-needs-device")
    read = _read_labels(args)
    source: labels.LabelSource = (
        "image" if args.image is not None else "scanned" if args.stdin else "typed")
    results, _gate = labels.add_scanned_labels(context_from_args(args), args.job, read,
                                               source=source)
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


def _device_remove(args: argparse.Namespace) -> int:
    done = asyncio.run(device_changes.remove_device(
        context_from_args(args), args.job, args.device_id, args.reason,
        scan_timeout=args.scan_timeout))
    print(f"Device {done.device_id} removed from the job: it is no longer on the network "
          f"(not advertised, not answering). Reason: {done.reason}")
    return 0


def _device_replace(args: argparse.Namespace) -> int:
    if args.new_device_id is not None:
        done = asyncio.run(device_changes.replace_device(
            context_from_args(args), args.job, args.device_id, args.new_device_id, args.reason,
            scan_timeout=args.scan_timeout))
        v = done.verdict
        print(f"Device {done.old_device_id} replaced by {done.new_device_id} ({v.manufacturer} "
              f"{v.model}, {v.verdict.value}). Reason: {done.reason}")
        return 0
    state, _gate = devices.mark_to_replace(context_from_args(args), args.job, args.device_id,
                                           args.reason)
    print(
        f"Device {state.device_id} ({state.verdict}) marked to be replaced: {state.replace_reason}"
    )
    return 0
