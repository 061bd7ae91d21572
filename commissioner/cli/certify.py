"""``commissioner certify``, ``commissioner label add|list``, ``commissioner device replace``.

    commissioner certify --job ID [--json] [--timeout S] [--scan-timeout S] [--offline]
    commissioner label add --job ID (PAYLOAD | --image FILE | --stdin) [--json]
    commissioner label list --job ID [--json]
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
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from commissioner.cli.catalog import config_from_args
from commissioner.cli.job_support import open_job, opened_store
from commissioner.cli.legacy_context import resolve
from commissioner.errors import UserError
from commissioner.jobs.models import Job, JobDevice
from commissioner.jobs.store import (
    DeviceNotBlockedError,
    DeviceNotInJobError,
    JobNotFoundError,
    JobStore,
)
from commissioner.protocol.catalog_format import Catalog
from commissioner.protocol.label import Label
from commissioner.protocol.spec import MAX_LABEL_CHARS
from commissioner.secrets.job_vault import open_vault
from commissioner.trust.catalog import get_catalog
from commissioner.trust.gate import (
    DEFAULT_CONCURRENCY,
    DeviceVerdict,
    GateTarget,
    LabelFacts,
    certify_home,
)
from commissioner.trust.label_records import add_labels, refresh_labels
from commissioner.trust.labels import (
    LabelInputError,
    parse_payload,
    read_label_image,
)
from commissioner.virtualhome.homefile import HomeFile

EXIT_BLOCKED: Final = 6
NOT_ADVERTISED: Final = "(not advertised)"
MAX_STDIN_LABELS: Final = 500


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
    src.add_argument("payload", nargs="?", metavar="PAYLOAD", help="the label text (SHC1;...)")
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


# --------------------------------------------------------------------------- store helpers


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


# --------------------------------------------------------------------------- certify


def _target(device: JobDevice) -> GateTarget:
    return GateTarget(
        device_id=device.device_id,
        host=device.address if device.port is not None else None,
        port=device.port,
        role=device.role,
        kind=device.kind,
        # A device listed by the home file but not heard advertised has no advertised
        # identity to compare with its certificate.
        advertised_manufacturer=""
        if device.manufacturer == NOT_ADVERTISED
        else device.manufacturer,
        advertised_model="" if device.model == NOT_ADVERTISED else device.model,
    )


def _label_facts(store: JobStore, job_id: str) -> dict[str, LabelFacts]:
    return {
        lab.device_id: LabelFacts(lab.device_id, lab.manufacturer, lab.model, lab.serial, lab.kind)
        for lab in store.labels(job_id)
    }


def run_certify(
    store: JobStore,
    job: Job,
    catalog: Catalog,
    interfaces: Sequence[str],
    *,
    scan_timeout: float,
    timeout: float,
    concurrency: int = DEFAULT_CONCURRENCY,
    expect: int | None = None,
    home: HomeFile | None = None,
) -> list[DeviceVerdict]:
    """Scan, record the devices, certify every device of the job and record the verdicts.

    The job's devices from earlier scans that were not seen now are checked at their last
    known address (and blocked as unreachable if they do not answer)."""
    from commissioner.discovery.scan import malformed_to_json, scan
    from commissioner.jobs.recording import record_scan

    store.set_job_catalog(job.id, catalog.version, catalog.refreshed_at)
    result = asyncio.run(scan(interfaces, scan_timeout, expect=expect))
    found = result.devices
    if home is not None:
        # Training mode: loopback mDNS is shared with any other virtual home on this computer;
        # keep to this home's devices, and check any not heard in time at their home.json port.
        ours = {home.gateway.device_id, *(d.device_id for d in home.devices)}
        found = [r for r in found if r.device_id in ours]
    record_scan(store.path, job.id, found, [malformed_to_json(m) for m in result.malformed])
    if home is not None:
        _add_unheard_home_devices(store, job.id, home, {r.device_id for r in found})
    devices = store.devices(job.id)
    if not devices:
        raise UserError(
            "no devices were found for this job",
            hint="check that the devices are powered and on this network (--mdns-interface)",
        )
    labels = _label_facts(store, job.id)
    verdicts = asyncio.run(
        certify_home(
            [_target(d) for d in devices],
            catalog,
            job.service_level,
            concurrency=concurrency,
            labels=labels,
            timeout=timeout,
        )
    )
    for v in verdicts:
        store.record_verdict(job.id, v)
    refresh_labels(store, job.id)
    return verdicts


def _add_unheard_home_devices(
    store: JobStore, job_id: str, home: HomeFile, heard: set[str]
) -> None:
    known = {d.device_id for d in store.devices(job_id)}
    at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    entries = [
        (home.gateway.device_id, "gateway", "gateway", home.gateway.host, home.gateway.port, "", "")
    ]
    entries += [
        (d.device_id, "device", d.kind, d.host, d.port, d.manufacturer, d.model)
        for d in home.devices
    ]
    for device_id, role, kind, host, port, mf, mn in entries:
        if device_id in heard or device_id in known:
            continue
        store.upsert_device(
            job_id,
            JobDevice(
                device_id=device_id,
                role=role,
                kind=kind,
                manufacturer=mf or NOT_ADVERTISED,
                model=mn or NOT_ADVERTISED,
                firmware="0.0.0",
                state="unknown",
                transports=("home-file",),
                address=host,
                port=port,
                first_seen=at,
                last_seen=at,
                status="listed",
            ),
        )


def _certify(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 120:
        raise UserError("--timeout must be between 0 and 120 seconds")
    if not 0 < args.scan_timeout <= 600:
        raise UserError("--scan-timeout must be between 0 and 600 seconds")
    if not 1 <= args.concurrency <= 256:
        raise UserError("--concurrency must be between 1 and 256")
    ctx = resolve(args)
    with opened_store(args) as store:
        job = open_job(store, args.job)
        config = config_from_args(args)
        catalog = get_catalog(config, online=not args.offline)  # CatalogError: exit 3/4/5
        expect = 1 + len(ctx.home.devices) if ctx.home is not None else None
        verdicts = run_certify(
            store,
            job,
            catalog,
            ctx.mdns_interfaces,
            scan_timeout=args.scan_timeout,
            timeout=args.timeout,
            concurrency=args.concurrency,
            expect=expect,
            home=ctx.home,
        )
        gate = {g.device_id: g for g in store.gate_states(job.id)}
    blocked = [v for v in verdicts if v.blocked]
    if args.json:
        out = []
        for v in verdicts:
            item = v.to_json()
            state = gate.get(v.device_id)
            item["label_status"] = state.label_status if state else "none"
            out.append(item)
        _print_json(out)
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
        if blocked:
            print(
                f"{len(blocked)} device(s) blocked: they cannot be commissioned. Replace them "
                "(`commissioner device replace`); there is no override."
            )
    return EXIT_BLOCKED if blocked else 0


# --------------------------------------------------------------------------- labels


def _read_labels(args: argparse.Namespace) -> list[Label]:
    if args.image is not None:
        return read_label_image(args.image)
    if args.stdin:
        out: list[Label] = []
        for n, line in enumerate(sys.stdin, start=1):
            if n > MAX_STDIN_LABELS:
                raise LabelInputError(f"more than {MAX_STDIN_LABELS} labels on stdin")
            if not line.strip():
                continue
            if len(line) > MAX_LABEL_CHARS + 64:
                raise LabelInputError(f"line {n} is too long for a device label")
            try:
                out.append(parse_payload(line))
            except LabelInputError as err:
                raise LabelInputError(f"line {n}: {err}", hint=err.hint) from None
        if not out:
            raise LabelInputError("no label was read from stdin")
        return out
    return [parse_payload(args.payload)]


def _label_add(args: argparse.Namespace) -> int:
    labels = _read_labels(args)
    with opened_store(args) as store:
        job = open_job(store, args.job)
        results = add_labels(store, job, labels, vault=open_vault(store))
    flagged = [r for r in results if r["status"] in ("mismatch", "unmatched")]
    if args.json:
        _print_json(results)
    else:
        for r in results:
            print(
                f"{r['status']:<9} {r['device_id']:<24} {r['model']} sn {r['serial']}: "
                f"{r['reason']}"
            )
        print("Setup codes of paired labels are kept encrypted (OS keyring) for provisioning.")
    return 1 if flagged else 0


def _label_list(args: argparse.Namespace) -> int:
    with opened_store(args) as store:
        try:
            job = store.find_job(args.job)
        except JobNotFoundError as err:
            raise UserError(str(err)) from None
        labels = store.labels(job.id)
        gate = {g.device_id: g for g in store.gate_states(job.id)}
    if args.json:
        _print_json(
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
                for lab in labels
            ]
            + [
                {
                    "device_id": g.device_id,
                    "status": "no-label",
                    "reason": "No label scanned yet; provisioning will need it.",
                }
                for g in gate.values()
                if g.label_status == "none"
            ]
        )
        return 0
    for lab in labels:
        print(f"{lab.status:<9} {lab.device_id:<24} {lab.model} sn {lab.serial}  {lab.reason}")
    for g in gate.values():
        if g.label_status == "none":
            print(f"{'no label':<9} {g.device_id:<24} (scan its label before provisioning)")
    return 0


# --------------------------------------------------------------------------- replace


def _device_replace(args: argparse.Namespace) -> int:
    with opened_store(args) as store:
        job = open_job(store, args.job)
        try:
            state = store.mark_to_replace(job.id, args.device_id, args.reason)
        except DeviceNotInJobError as err:
            raise UserError(str(err), hint="see `commissioner job show`") from None
        except DeviceNotBlockedError as err:
            raise UserError(
                str(err),
                hint="only devices the gate blocked can be replaced; "
                "a certified device needs no replacement",
            ) from None
        except ValueError as err:
            raise UserError(str(err)) from None
    print(
        f"Device {state.device_id} ({state.verdict}) marked to be replaced: {state.replace_reason}"
    )
    return 0
