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
import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

from commissioner.cli.job_support import find_job, opened_store
from commissioner.documents.facts import collect_facts
from commissioner.documents.handover import (
    close_and_hand_over,
    record_document_action,
    write_report,
)
from commissioner.documents.render import RenderStats, render_pdf
from commissioner.documents.report import build_report, report_document, report_json_text
from commissioner.documents.strings import DEFAULT_LANGUAGE, LANGUAGES
from commissioner.errors import UserError
from commissioner.jobs.models import Job
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.catalog import CatalogError, load_offline

__all__ = ["add_job_and_lang", "job_store", "load_catalog", "register"]


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


def add_job_and_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                        help="language of the printed document (default ja)")
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)


@contextlib.contextmanager
def job_store(args: argparse.Namespace) -> Iterator[tuple[JobStore, Job]]:
    """The store (must exist) and the job named by ``--job``, with the CLI's error messages."""
    with opened_store(args) as store:
        yield store, find_job(store, args.job)


def load_catalog(args: argparse.Namespace, *, required: bool) -> Catalog | None:
    """The verified cached catalog (no network). When it cannot be used: a UserError if
    ``required``, else a warning on stderr and None."""
    from commissioner.cli.catalog import config_from_args

    try:
        return load_offline(config_from_args(args))
    except CatalogError as err:
        if required:
            raise
        print(f"commissioner: warning: catalog not used ({err.message}); product names and "
              "certified levels are left out", file=sys.stderr)
        return None
    except UserError as err:
        if required:
            raise
        print(f"commissioner: warning: catalog not used ({err})", file=sys.stderr)
        return None


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _report(args: argparse.Namespace) -> int:
    if args.json_out is None and args.pdf_out is None:
        raise UserError("say what to write", hint="add --json FILE and/or --pdf FILE")
    catalog = load_catalog(args, required=False)
    with job_store(args) as (store, job):
        facts = collect_facts(store, job.id, catalog=catalog)
        report = build_report(facts)
        if args.json_out is not None:
            text = report_json_text(report)
            if str(args.json_out) == "-":
                sys.stdout.write(text)
            else:
                try:
                    write_report(report, args.json_out)
                except OSError as err:
                    why = err.strerror or err
                    raise UserError(f"cannot write {args.json_out}: {why}") from None
                print(f"Wrote the handover report of job {job.id} to {args.json_out}",
                      file=sys.stderr)
            record_document_action(
                store, job.id, "export", kind="report", file_format="json",
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                file_name=None if str(args.json_out) == "-" else str(args.json_out),
            )
        if args.pdf_out is not None:
            document = report_document(report, language=args.lang)
            stats = _render(document, args.pdf_out)
            record_document_action(
                store, job.id, "export", kind="report", file_format="pdf",
                sha256=_sha256_file(args.pdf_out), language=args.lang,
                file_name=str(args.pdf_out), pages=stats.pages,
            )
            print(f"Wrote the handover report of job {job.id} to {args.pdf_out} "
                  f"({stats.pages} pages)", file=sys.stderr)
    return 0


def _render(document: object, out: Path) -> RenderStats:
    from commissioner.documents.render import RenderableDocument

    assert isinstance(document, RenderableDocument)
    try:
        return render_pdf(document, out)
    except OSError as err:
        raise UserError(f"cannot write {out}: {err.strerror or err}") from None


EXIT_NOT_READY = 8


def _read_personal_data(args: argparse.Namespace) -> None:
    """Ask every device of an open job for its personal-data inventory (R2-5)."""
    import asyncio

    from commissioner.app.context import JobNotOpenError
    from commissioner.app.personal_data import read_inventories
    from commissioner.cli.common import context_from_args

    try:
        asyncio.run(read_inventories(context_from_args(args), args.job))
    except JobNotOpenError:
        return  # closed: close_and_hand_over says so


def _handover(args: argparse.Namespace) -> int:
    catalog = load_catalog(args, required=True)
    _read_personal_data(args)
    with job_store(args) as (store, job):
        outcome = close_and_hand_over(
            store, job.id, catalog=catalog, language=args.lang, report_path=args.report
        )
    if not outcome.closed:
        print(f"commissioner: job {job.id} cannot be handed over yet:", file=sys.stderr)
        for blocker in outcome.blockers:
            where = f"{blocker.device_id}: " if blocker.device_id else ""
            print(f"  - {where}{blocker.message}", file=sys.stderr)
        return EXIT_NOT_READY
    print(f"Job {job.id} is closed; audit log sealed with {outcome.sealed_hash}.")
    print(f"Handover report: {args.report}")
    print(f"Print the owner's sheet: commissioner sheet --job {job.id} --out sheet.pdf")
    return 0
