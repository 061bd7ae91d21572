"""``commissioner update`` and ``commissioner firmware preload|status``.

    commissioner update --job ID [--json] [--concurrency N] [--timeout S]
                        [--reboot-timeout S] [--device ID ...] [--offline]
    commissioner firmware preload (--all | --model M ...) [--offline]
    commissioner firmware status --job ID [--json]

``update`` loads the signed catalog (online, or the verified offline cache), plans every
certified device of the job (running version read over its attested TLS connection), updates
the ones behind the latest firmware (at most ``--concurrency`` at once, default 8) and records
every attempt in the job (history + ``firmware.*`` steps). Exit codes: 0 every certified
device runs the latest firmware; 7 at least one does not (``EXIT_NOT_LATEST``; the job cannot
be closed; run again to resume); catalog codes 3/4/5 as for ``certify``; 1 other errors.

Credentials: a factory-state device is authenticated with the setup code of its label. In
training mode (``--virtual-home DIR``) the labels come from ``DIR/labels``.

A device that rebooted into its new firmware is looked up again by its device id over mDNS on
the configured interfaces (``--mdns-interface`` / settings; in training mode ``home.json``
first), since it may come back on another address or port; the update is confirmed by the
attested identity and the version read over TLS, never by the advertisement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Final

from commissioner.cli.catalog import config_from_args
from commissioner.cli.job_support import open_job, opened_store
from commissioner.cli.legacy_context import AppContext, resolve
from commissioner.errors import UserError
from commissioner.firmware.cache import FirmwareCache, FirmwareImageError, ImageProvider, preload
from commissioner.firmware.history import firmware_blockers, reconcile, record_plan, record_result
from commissioner.firmware.locate import MdnsResolver, chain, home_file_resolver
from commissioner.firmware.plan import DeviceEndpoint, PlanItem, plan_home
from commissioner.firmware.push import (
    DEFAULT_CONCURRENCY,
    Phase,
    UpdateOptions,
    UpdateProgress,
    UpdateResult,
    update_home,
)
from commissioner.protocol.label import Label
from commissioner.provisioning.management import JobAccess
from commissioner.secrets.job_vault import open_vault
from commissioner.trust.catalog import get_catalog
from commissioner.trust.gate import trust_store_for
from commissioner.virtualhome.labels import read_label_file

EXIT_NOT_LATEST: Final = 7


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    up = subparsers.add_parser(
        "update", parents=[common],
        help="install the latest signed firmware on every certified device of a job",
        description="Plan and push the catalog's latest firmware to every certified device "
        "(resumable; exit 7 while any certified device is not on the latest firmware).",
    )
    up.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    up.add_argument("--json", action="store_true", help="print JSON")
    up.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                    help=f"devices updated in parallel (default {DEFAULT_CONCURRENCY})")
    up.add_argument("--timeout", type=float, default=5.0, metavar="S",
                    help="per network step timeout in seconds (default 5)")
    up.add_argument("--reboot-timeout", type=float, default=180.0, metavar="S",
                    help="how long a device may take to come back after rebooting (default 180)")
    up.add_argument("--device", action="append", metavar="ID", help="only this device "
                    "(repeatable)")
    up.add_argument("--offline", action="store_true",
                    help="use the cached catalog and preloaded images only")
    up.add_argument("--url", help=argparse.SUPPRESS)
    up.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    up.set_defaults(handler=_update)

    fw = subparsers.add_parser("firmware", help="firmware images and history")
    fw_sub = fw.add_subparsers(dest="firmware_command", metavar="ACTION", required=True)
    pre = fw_sub.add_parser("preload", parents=[common],
                            help="download and verify images now (for sites without internet)")
    which = pre.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every model in the catalog")
    which.add_argument("--model", action="append", metavar="M", help="this model (repeatable)")
    pre.add_argument("--offline", action="store_true", help=argparse.SUPPRESS)
    pre.add_argument("--url", help=argparse.SUPPRESS)
    pre.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    pre.set_defaults(handler=_preload)
    st = fw_sub.add_parser("status", parents=[common],
                           help="a job's firmware history and what blocks closing it")
    st.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument("--offline", action="store_true", help="use the cached catalog only")
    st.add_argument("--url", help=argparse.SUPPRESS)
    st.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    st.set_defaults(handler=_status)


def _cache(ctx: AppContext) -> FirmwareCache:
    return FirmwareCache(ctx.data_dir / "firmware-cache")


def _training_labels(ctx: AppContext, device_ids: list[str]) -> dict[str, Label]:
    """In training mode, the virtual home's box labels (for devices not yet provisioned whose
    labels were not scanned into the job)."""
    if ctx.home is None:
        return {}
    out: dict[str, Label] = {}
    for device_id in device_ids:
        try:
            out[device_id] = read_label_file(ctx.home.label_path(device_id))
        except (KeyError, ValueError):
            continue
    return out


def _progress_printer(enabled: bool) -> Any:
    last: dict[str, Phase] = {}

    def show(p: UpdateProgress) -> None:
        if not enabled or last.get(p.device_id) is p.phase:
            return
        last[p.device_id] = p.phase
        print(f"  {p.device_id:<24} {p.phase.value:<9} {p.message}", file=sys.stderr, flush=True)

    return show


def _update(args: argparse.Namespace) -> int:
    if not 1 <= args.concurrency <= 64:
        raise UserError("--concurrency must be between 1 and 64")
    if not 0 < args.timeout <= 120 or not 0 < args.reboot_timeout <= 3600:
        raise UserError("--timeout must be 0..120 s and --reboot-timeout 0..3600 s")
    ctx = resolve(args)
    with opened_store(args) as store:
        job = open_job(store, args.job)
        config = config_from_args(args)
        catalog = get_catalog(config, online=not args.offline)
        index = catalog.firmware
        if index is None:
            raise UserError(f"catalog version {catalog.version} carries no firmware index",
                            hint="sync the catalog from a platform that publishes firmware")
        trust = trust_store_for(catalog)
        if trust is None:
            raise UserError("the catalog lists no usable manufacturer root")
        gate = {g.device_id: g for g in store.gate_states(job.id)}
        devices = [d for d in store.devices(job.id)
                   if gate.get(d.device_id) is not None and gate[d.device_id].verdict == "certified"
                   and not gate[d.device_id].replace_flag]
        if args.device:
            devices = [d for d in devices if d.device_id in set(args.device)]
        if not devices:
            raise UserError("no certified device to update in this job",
                            hint="run `commissioner certify --job ID` first")
        home = ctx.home
        endpoints = []
        for d in devices:
            host, port = d.address, d.port
            if home is not None:
                try:
                    entry = home.device(d.device_id)
                    host, port = entry.host, entry.port
                except KeyError:
                    if d.device_id == home.gateway.device_id:
                        host, port = home.gateway.host, home.gateway.port
            if host is not None and port is not None:
                endpoints.append(DeviceEndpoint(d.device_id, host, port))
        access = JobAccess(
            store, open_vault(store), job.id,
            fallback_labels=_training_labels(ctx, [e.device_id for e in endpoints]),
        )
        provider = ImageProvider(_cache(ctx), index, None if args.offline else config)
        options = UpdateOptions(timeout=args.timeout, reboot_timeout=args.reboot_timeout)

        def record(result: UpdateResult) -> None:
            record_result(store, job.id, result, catalog.version)

        async def run() -> tuple[list[PlanItem], list[UpdateResult]]:
            items = await plan_home(endpoints, index, trust, timeout=args.timeout)
            record_plan(store, job.id, items)
            reconcile(store, job.id, items, catalog.version)
            # A rebooted device may come back on another address or port: look it up by its
            # device id over mDNS on the configured interfaces (training mode: home.json
            # first). Only where to connect comes from there; the attested identity confirms.
            async with MdnsResolver(ctx.mdns_interfaces) as mdns:
                resolver = (chain(home_file_resolver(home.directory), mdns)
                            if home is not None else mdns)
                results = await update_home(
                    items, provider, trust, access, concurrency=args.concurrency,
                    options=options, on_progress=_progress_printer(not args.json),
                    on_result=record, resolver=resolver,
                )
            return items, results

        with store.job_lock(job.id, "firmware-update"):
            items, results = asyncio.run(run())
        blockers = firmware_blockers(store, job.id, index)
    by_id = {i.device_id: i for i in items}
    if args.json:
        print(json.dumps({
            "job": job.id, "catalog_version": catalog.version,
            "devices": [{**r.to_json(), "plan": by_id[r.device_id].to_json()} for r in results],
            "blockers": [{"device_id": d, "reason": why} for d, why in blockers],
        }, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print(f"Job {job.id}: firmware against catalog version {catalog.version}")
        for r in results:
            vuln = " [was known vulnerable]" if r.vulnerable_before else ""
            print(f"  {r.outcome.value.upper():<9} {r.device_id:<24} {r.reason}{vuln}")
        if blockers:
            print(f"{len(blockers)} certified device(s) not on the latest firmware; the job "
                  "cannot be closed:")
            for device_id, why in blockers:
                print(f"  {device_id}: {why}")
    return EXIT_NOT_LATEST if blockers else 0


def _preload(args: argparse.Namespace) -> int:
    ctx = resolve(args)
    config = config_from_args(args)
    catalog = get_catalog(config, online=not args.offline)
    if catalog.firmware is None:
        raise UserError(f"catalog version {catalog.version} carries no firmware index")
    try:
        images = preload(_cache(ctx), config, catalog.firmware, None if args.all else args.model)
    except FirmwareImageError as err:
        raise UserError(err.message) from None
    for image in images:
        print(f"cached {image.manifest.model} {image.manifest.version} ({image.size} bytes, "
              f"sha256 {image.sha256[:16]}…) - verified")
    return 0


def _status(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    catalog = get_catalog(config, online=not args.offline)
    with opened_store(args) as store:
        job = store.find_job(args.job)
        history = store.firmware_history(job.id)
        statuses = store.firmware_statuses(job.id)
        blockers = firmware_blockers(store, job.id, catalog.firmware)
    if args.json:
        print(json.dumps({
            "job": job.id, "history": [h.to_json() for h in history],
            "running": [{"device_id": s.device_id, "model": s.model, "version": s.version,
                         "latest": s.latest, "vulnerable": s.vulnerable,
                         "verified_at": s.verified_at} for s in statuses],
            "blockers": [{"device_id": d, "reason": why} for d, why in blockers],
        }, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for h in history:
            print(f"{h.at} {h.device_id:<24} {h.from_version} → {h.to_version} {h.result} "
                  f"(catalog {h.catalog_version}, {h.operator})")
        for device_id, why in blockers:
            print(f"BLOCKS CLOSE {device_id}: {why}")
    return EXIT_NOT_LATEST if blockers else 0
