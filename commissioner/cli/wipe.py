"""``commissioner wipe`` and ``commissioner wipe-certificate``: resale (R2-4, R2-5, R2-9).

    commissioner wipe --job ID [--json] [--reset-timeout S] [--device DEVICE_ID ...]
    commissioner wipe-certificate --job ID [--json FILE] [--pdf FILE] [--lang ja|en]

``wipe`` exits 0 when every device is verified wiped, 9 when any is unverified (run it again
once the device is back; the job cannot be closed meanwhile).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from commissioner.app.events import Event
from commissioner.app.wipe import DEFAULT_RESET_TIMEOUT, wipe_job
from commissioner.cli.common import context_from_args, print_json
from commissioner.errors import UserError

EXIT_UNVERIFIED = 9


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("wipe", parents=[common],
                       help="wipe and verify every device of a resale job")
    p.add_argument("--job", required=True, metavar="ID", help="the resale job")
    p.add_argument("--device", action="append", metavar="DEVICE_ID",
                   help="only this device (repeatable)")
    p.add_argument("--reset-timeout", type=float, default=DEFAULT_RESET_TIMEOUT, metavar="S",
                   help="how long to wait for a device to be reset by hand (default "
                   f"{DEFAULT_RESET_TIMEOUT:g} s)")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the evidence as JSON")
    p.set_defaults(handler=_wipe)

    c = sub.add_parser("wipe-certificate", parents=[common],
                       help="write the wipe certificate of a resale job (JSON and/or PDF)")
    c.add_argument("--job", required=True, metavar="ID")
    c.add_argument("--json", type=Path, metavar="FILE", dest="json_out")
    c.add_argument("--pdf", type=Path, metavar="FILE", dest="pdf_out")
    c.add_argument("--lang", choices=("ja", "en"), default="ja")
    c.set_defaults(handler=_certificate)


def _say(event: Event) -> None:
    if event.code == "wipe.press-reset":
        p = event.params
        print(f"Press the factory-reset button of {event.device_id} ({p.get('manufacturer')} "
              f"{p.get('model')}, {p.get('kind')}); waiting until it reports factory state...",
              file=sys.stderr, flush=True)
    elif event.code == "wipe.session-refused":
        print(f"{event.device_id}: refused the previous home's credentials "
              f"({event.params.get('reason')}); falling back to its reset button",
              file=sys.stderr, flush=True)


def _wipe(args: argparse.Namespace) -> int:
    if not 0 < args.reset_timeout <= 3600:
        raise UserError(
            code="value.out-of-range",
            params={"option": "--reset-timeout", "low": 0, "high": 3600})
    ctx = context_from_args(args)
    outcome = asyncio.run(wipe_job(ctx, args.job, sink=_say, timeout=args.timeout,
                                   reset_timeout=args.reset_timeout, device_ids=args.device))
    if args.json:
        print_json({"job": outcome.job_id, "devices": [d.to_json() for d in outcome.devices],
                    "unverified": [d.device_id for d in outcome.unverified]})
    else:
        for d in outcome.devices:
            mark = "verified" if d.verified else "UNVERIFIED"
            print(f"{d.device_id:<24} {d.method or '-':<28} {mark}")
            for problem in d.problems:
                print(f"    {problem}")
    if outcome.unverified:
        print(f"commissioner: {len(outcome.unverified)} device(s) unverified; the job cannot be "
              f"closed. Run `commissioner wipe --job {outcome.job_id}` again once they are "
              "back.", file=sys.stderr)
        return EXIT_UNVERIFIED
    return 0


def _certificate(args: argparse.Namespace) -> int:
    from commissioner.app.wipe_certificate import certificate_pdf, wipe_certificate

    cert = wipe_certificate(context_from_args(args), args.job, json_out=args.json_out)
    if args.pdf_out is not None:
        stats = certificate_pdf(cert, args.pdf_out, language=args.lang)
        print(f"Wrote the wipe certificate to {args.pdf_out} ({stats.pages} pages)",
              file=sys.stderr)
    if args.json_out is None and args.pdf_out is None:
        sys.stdout.write(cert.text)
    return 0 if cert.all_verified else EXIT_UNVERIFIED
