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
from collections.abc import Callable
from pathlib import Path
from typing import Final

from commissioner.app.events import Event
from commissioner.app.firmware import (
    DEFAULT_CONCURRENCY,
    firmware_status,
    preload_firmware,
    update_firmware,
)
from commissioner.cli.common import context_from_args
from commissioner.firmware.push import Phase, UpdateProgress

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


def _progress_printer(enabled: bool) -> Callable[[Event], None]:
    last: dict[str, Phase] = {}

    def show(event: Event) -> None:
        p = event.detail
        if not enabled or not isinstance(p, UpdateProgress) or last.get(p.device_id) is p.phase:
            return
        last[p.device_id] = p.phase
        print(f"  {p.device_id:<24} {p.phase.value:<9} {p.message}", file=sys.stderr, flush=True)

    return show


def _update(args: argparse.Namespace) -> int:
    outcome = asyncio.run(update_firmware(
        context_from_args(args), args.job, sink=_progress_printer(not args.json),
        device_ids=args.device, offline=args.offline, concurrency=args.concurrency,
        timeout=args.timeout, reboot_timeout=args.reboot_timeout, catalog_url=args.url,
        catalog_root=args.root,
    ))
    by_id = {i.device_id: i for i in outcome.plan}
    if args.json:
        print(json.dumps({
            "job": outcome.job_id, "catalog_version": outcome.catalog_version,
            "devices": [{**r.to_json(), "plan": by_id[r.device_id].to_json()}
                        for r in outcome.results],
            "blockers": [{"device_id": d, "reason": why} for d, why in outcome.blockers],
        }, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print(f"Job {outcome.job_id}: firmware against catalog version "
              f"{outcome.catalog_version}")
        for r in outcome.results:
            vuln = " [was known vulnerable]" if r.vulnerable_before else ""
            print(f"  {r.outcome.value.upper():<9} {r.device_id:<24} {r.reason}{vuln}")
        for device_id, why in outcome.failures:
            print(f"  SKIPPED   {device_id:<24} {why}")
        if outcome.blockers:
            print(f"{len(outcome.blockers)} certified device(s) not on the latest firmware; "
                  "the job cannot be closed:")
            for device_id, why in outcome.blockers:
                print(f"  {device_id}: {why}")
    return EXIT_NOT_LATEST if outcome.blockers else 0


def _preload(args: argparse.Namespace) -> int:
    images = asyncio.run(preload_firmware(
        context_from_args(args), models=None if args.all else args.model,
        offline=args.offline, catalog_url=args.url, catalog_root=args.root,
    ))
    for image in images:
        print(f"cached {image.manifest.model} {image.manifest.version} ({image.size} bytes, "
              f"sha256 {image.sha256[:16]}…) - verified")
    return 0


def _status(args: argparse.Namespace) -> int:
    report = asyncio.run(firmware_status(context_from_args(args), args.job, offline=args.offline,
                                 catalog_url=args.url, catalog_root=args.root))
    if args.json:
        print(json.dumps({
            "job": report.job_id, "history": [h.to_json() for h in report.history],
            "running": [{"device_id": s.device_id, "model": s.model, "version": s.version,
                         "latest": s.latest, "vulnerable": s.vulnerable,
                         "verified_at": s.verified_at} for s in report.running],
            "blockers": [{"device_id": d, "reason": why} for d, why in report.blockers],
        }, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for h in report.history:
            print(f"{h.at} {h.device_id:<24} {h.from_version} → {h.to_version} {h.result} "
                  f"(catalog {h.catalog_version}, {h.operator})")
        for device_id, why in report.blockers:
            print(f"BLOCKS CLOSE {device_id}: {why}")
    return EXIT_NOT_LATEST if report.blockers else 0
