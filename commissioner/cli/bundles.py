"""``commissioner job receive-key|export|import`` and ``audit verify --bundle``: job bundles.

    commissioner job receive-key --out CARD          this laptop's installation card
    commissioner job export --job ID --to CARD --out F   with the home's credentials for CARD
    commissioner job export --job ID --no-secrets --out F  for the customer's files
    commissioner job import F --from SENDER_CARD     check everything, then store
    commissioner audit verify --bundle F [--from SENDER_CARD] [--report R]   no job store needed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commissioner.app import bundles
from commissioner.cli.common import context_from_args, print_json
from commissioner.errors import UserError


def add_job_actions(job_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                    common: argparse.ArgumentParser) -> None:
    card = job_sub.add_parser("receive-key", parents=[common],
                              help="write this laptop's installation card (to receive bundles)")
    card.add_argument("--out", required=True, type=Path, metavar="CARD")
    card.set_defaults(handler=_receive_key)

    exp = job_sub.add_parser("export", parents=[common], help="export a sealed job as a bundle")
    exp.add_argument("--job", required=True, metavar="ID")
    who = exp.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", type=Path, metavar="CARD",
                     help="the receiving installation's card: the home's credentials are "
                     "encrypted to it")
    who.add_argument("--no-secrets", action="store_true",
                     help="a bundle without any credentials (for the customer's files)")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE")
    exp.add_argument("--json", action="store_true")
    exp.set_defaults(handler=_export)

    imp = job_sub.add_parser("import", parents=[common], help="import a job bundle")
    imp.add_argument("bundle", type=Path, metavar="FILE")
    imp.add_argument("--from", dest="sender", required=True, type=Path, metavar="CARD",
                     help="the sending installation's card (only bundles it signed are taken)")
    imp.add_argument("--operator", default="support", help="your name (recorded)")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=_import)


def add_bundle_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bundle", type=Path, metavar="FILE",
                        help="check a job bundle instead (no job store needed)")
    parser.add_argument("--from", dest="sender", type=Path, metavar="CARD",
                        help="with --bundle: the installation that must have signed it")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="with --bundle: a handover report whose seal must match")


def _receive_key(args: argparse.Namespace) -> int:
    card = bundles.write_card(args.out)
    print(f"Wrote this installation's card to {args.out}\n"
          f"  signer    {card.signer_id}\n  recipient {card.recipient_id}\n"
          "Give it to the sender; the private keys stay in this laptop's keyring.")
    return 0


def _export(args: argparse.Namespace) -> int:
    out = bundles.export_job(context_from_args(args), args.job, out=args.out,
                             to=None if args.no_secrets else args.to)
    if args.json:
        print_json({"job_id": out.job_id, "path": str(out.path), "sha256": out.sha256,
                    "with_secrets": out.with_secrets, "secrets": out.secrets,
                    "recipient": out.recipient})
    else:
        what = f"{out.secrets} secrets for {out.recipient}" if out.with_secrets else \
            "no secrets"
        print(f"Exported job {out.job_id} to {out.path} ({what}); sha256 {out.sha256}")
    return 0


def _import(args: argparse.Namespace) -> int:
    out = bundles.import_bundle(context_from_args(args), args.bundle, sender=args.sender,
                                operator=args.operator)
    if args.json:
        print_json({"job_id": out.job_id, "job_number": out.job_number,
                    "sealed_hash": out.sealed_hash, "secrets": out.secrets,
                    "signer": out.signer})
    else:
        print(f"Imported job {out.job_id} ({out.job_number}), sealed {out.sealed_hash}, "
              f"{out.secrets} secrets; it is read-only: verify it with "
              f"`commissioner verify --job {out.job_id}`")
    return 0


def audit_verify_bundle(args: argparse.Namespace) -> int:
    if args.bundle is None:
        raise UserError(code="cli.check-what")
    found = bundles.check_bundle_file(args.bundle, sender=args.sender, report=args.report)
    signer = "checked" if found["signer_checked"] else "not checked (pass --from CARD)"
    print(f"Bundle of job {found['job_id']} ({found['job_number']}) intact: signature valid, "
          f"{found['entries']} audit entries, {found['followup_entries']} follow-up entries "
          f"linked to the seal, sealed hash {found['sealed_hash']}; signer "
          f"{found['signer'][:16]}… {signer}"
          + ("; the report's seal matches" if found.get("report_seal_matches") else ""))
    sys.stdout.flush()
    return 0
