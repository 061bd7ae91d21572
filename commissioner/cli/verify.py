"""``commissioner verify --job ID [--json] [--report-json F] [--report-pdf F] [--lang ja|en]``:
read-only verification of a handed-over home against its sealed record."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from commissioner.app import verify as verify_app
from commissioner.app.verify_report import summary_line, write_reports
from commissioner.cli.common import context_from_args, print_json


def register(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
             common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("verify", parents=[common],
                              help="check a handed-over home against its sealed record "
                              "(read-only)")
    p.add_argument("--job", required=True, metavar="ID")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("--report-json", type=Path, metavar="FILE")
    p.add_argument("--report-pdf", type=Path, metavar="FILE")
    p.add_argument("--lang", choices=("ja", "en"), default="ja")
    p.add_argument("--scan-timeout", type=float, default=verify_app.DEFAULT_SCAN_TIMEOUT)
    p.add_argument("--timeout", type=float, default=verify_app.DEFAULT_TIMEOUT)
    p.add_argument("--offline", action="store_true", help="use the cached catalog only")
    p.add_argument("--operator", help="your name (recorded in the follow-up log)")
    p.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    result = asyncio.run(verify_app.verify_job(
        ctx, args.job, online=not args.offline, scan_timeout=args.scan_timeout,
        timeout=args.timeout, operator=args.operator))
    write_reports(result, json_out=args.report_json, pdf_out=args.report_pdf, lang=args.lang)
    if args.json:
        print_json(result.to_json())
    else:
        print(summary_line(result, args.lang))
        for f in result.findings:
            print(f"  [{f.severity}] {','.join(f.requirements)} {f.code}: {f.message}")
    return 0 if result.matches else 3
