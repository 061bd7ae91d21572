"""``commissioner report`` (core) and the helpers the ``sheet`` command plugin shares.

    commissioner report --job ID --json FILE        the handover report as JSON ("-" = stdout)
    commissioner report --job ID --pdf FILE [--lang en]
                                                    the same report drawn by Qt (GUI extra)

``--json`` is pure core. ``--pdf`` needs the PDF renderer that the ``documents`` CLI plugin
(``ui.documents_cli``, GUI extra) installs; without it the command says how to get it. The
guidance sheet is the plugin's ``commissioner sheet --job ID --out FILE.pdf [--lang en]``.

Exporting from an open job logs a ``document.export`` step (kind, format, SHA-256 of what was
written); a closed job's sealed log does not change.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from commissioner.app.documents import guidance_sheet_pdf, report_json, report_pdf
from commissioner.app.events import Event
from commissioner.app.handover import hand_over, offline_catalog
from commissioner.cli.common import context_from_args
from commissioner.cli.wording import blocker_lines, language, say
from commissioner.documents.strings import DEFAULT_LANGUAGE, LANGUAGES
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import Catalog

__all__ = ["EXIT_NOT_READY", "add_job_and_lang", "load_catalog", "register"]

EXIT_NOT_READY = 8


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    rep = subparsers.add_parser(
        "report", parents=[common], help="write the handover report as JSON and/or PDF",
        description="Write the job's handover report: per-device results and a summary per "
        "guideline requirement. JSON follows docs/report-schema.json; the PDF is drawn by Qt "
        "(GUI extra).",
    )
    add_job_and_lang(rep)
    rep.add_argument("--json", type=Path, metavar="FILE", dest="json_out",
                     help='write the JSON report to FILE ("-" for standard output)')
    rep.add_argument("--pdf", type=Path, metavar="FILE", dest="pdf_out",
                     help="write the report as PDF to FILE")
    rep.set_defaults(handler=_report)

    close = subparsers.add_parser(
        "handover", parents=[common], help="close the job and hand the home over",
        description="Close the job if every device is certified, provisioned and on the latest "
        "firmware; otherwise change nothing and list why not. Closing seals the audit log and "
        "writes the handover report; then print the sheet with `commissioner sheet`.",
    )
    add_job_and_lang(close)
    close.add_argument("--report", type=Path, metavar="FILE", required=True,
                       help="where to write the sealed handover report (JSON)")
    close.set_defaults(handler=_handover)

    sheet = subparsers.add_parser(
        "sheet", parents=[common], help="write the owner's guidance sheet as PDF (GUI extra)",
        description="Write the user guidance sheet (guideline R2-6) for the owner: A4, Japanese "
        "unless --lang en, with the owner invitation QR code. Uses the verified cached catalog "
        "for the settings the owner must not change. The PDF is drawn by Qt (GUI extra).",
    )
    add_job_and_lang(sheet)
    sheet.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                       help="the PDF file to write")
    sheet.set_defaults(handler=_sheet)


def add_job_and_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                        help="language of the printed document (default ja)")
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)


def _warn(event: Event) -> None:
    if event.code == "catalog-not-used":
        print(f"commissioner: warning: catalog not used ({event.params.get('message')}); "
              "product names and certified levels are left out", file=sys.stderr)


def load_catalog(args: argparse.Namespace, *, required: bool) -> Catalog | None:
    """The verified cached catalog of the options' site (no network; ``--url``/``--root``).
    When it cannot be used: the error if ``required``, else a warning on stderr and None."""
    return offline_catalog(context_from_args(args), required=required, url=args.url,
                           root=args.root, sink=_warn)


def _report(args: argparse.Namespace) -> int:
    if args.json_out is None and args.pdf_out is None:
        raise UserError(code="cli.write-what")
    ctx = context_from_args(args)
    catalog = load_catalog(args, required=False)
    if args.json_out is not None:
        to_stdout = str(args.json_out) == "-"
        done = report_json(ctx, args.job, None if to_stdout else args.json_out, catalog=catalog)
        if to_stdout:
            sys.stdout.write(done.text)
        else:
            print(f"Wrote the handover report of job {done.job_id} to {args.json_out}",
                  file=sys.stderr)
    if args.pdf_out is not None:
        pdf = report_pdf(ctx, args.job, args.pdf_out, catalog=catalog, language=args.lang)
        print(f"Wrote the handover report of job {pdf.job_id} to {args.pdf_out} "
              f"({pdf.stats.pages} pages)", file=sys.stderr)
    return 0


def _handover(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    catalog = load_catalog(args, required=True)
    outcome = asyncio.run(hand_over(ctx, args.job, catalog=catalog, language=args.lang,
                            report_path=args.report))
    job = outcome.job
    if not outcome.closed:
        print(f"commissioner: {say('cli.handover.not-ready', job_id=job.id)}", file=sys.stderr)
        for blocker in outcome.blockers:
            where = f"{blocker.device_id}: " if blocker.device_id else ""
            first, *rest = blocker_lines(blocker.code, blocker.message, blocker.params)
            print(f"  - {where if language() == 'en' else ''}{first}", file=sys.stderr)
            for line in rest:
                print(f"    {line}", file=sys.stderr)
        return EXIT_NOT_READY
    print(f"Job {job.id} is closed; audit log sealed with {outcome.sealed_hash}.")
    print(f"Handover report: {args.report}")
    print(f"Print the owner's sheet: commissioner sheet --job {job.id} --out sheet.pdf")
    return 0


def _sheet(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    catalog = load_catalog(args, required=True)
    done = guidance_sheet_pdf(ctx, args.job, args.out, catalog=catalog, language=args.lang)
    if not done.has_invitation:
        print("commissioner: warning: no owner invitation has been issued for this job; "
              "the sheet has no takeover QR code", file=sys.stderr)
    print(f"Wrote the guidance sheet of job {done.job_id} to {args.out} "
          f"({done.stats.pages} pages, font {done.stats.font_family})", file=sys.stderr)
    return 0
