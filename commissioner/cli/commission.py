"""``commissioner commission`` and ``commissioner owner reissue``.

    commissioner commission --job ID [--concurrency N] [--json] [--labels-dir DIR] [--timeout S]
                            [--skip-blocked]
    commissioner owner reissue --job ID [--json]

``commission`` provisions every certified device of the job and its gateway (see
:mod:`commissioner.provisioning.run`) and prints one line per progress event, then a summary.
Run it again after a crash or a failure: it resumes where the job left off. Setup codes come
from labels scanned earlier (``commissioner label add``) or from label files: ``--labels-dir
DIR`` (with ``--virtual-home`` the home's ``labels`` folder is the default). With ``--json``
the progress lines go to stderr and stdout holds the JSON summary only.

Exit codes (the whole table: :mod:`commissioner.cli.exit_codes`): 0 every device of the job
is provisioned; 6 blocked devices were left out (``EXIT_BLOCKED``; pass ``--skip-blocked`` to
accept that and exit 0 - the summary says which way it went); 7 at least one device failed, or
none could be provisioned (``EXIT_FAILED``); 1 the run could not start (keyring refused, job
missing...).

Nothing secret is ever printed: not the admin credentials, keys, setup codes or the owner
invitation token (the guidance sheet prints the invitation's QR code).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final, TextIO

from commissioner.app.commission import commission, reissue_owner
from commissioner.app.events import Event
from commissioner.cli import exit_codes
from commissioner.cli.common import context_from_args
from commissioner.cli.wording import say
from commissioner.provisioning.run import ProgressEvent, RunSummary

EXIT_FAILED: Final = exit_codes.FAILED
EXIT_BLOCKED: Final = exit_codes.BLOCKED


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    com = subparsers.add_parser(
        "commission", parents=[common],
        help="provision every certified device of a job (resumable)",
        description="Give every certified device of the job a unique admin credential, its own "
        "operational certificate from the job's home CA and an access control list; disable "
        "factory default logins; read everything back; set up the gateway (allow-list, owner "
        "invitation) and let it authenticate each device. Run again to resume. Exit 7 when a "
        "device failed; exit 6 when blocked devices were left out, unless --skip-blocked.",
    )
    com.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    com.add_argument("--concurrency", type=int, metavar="N",
                     help="devices provisioned in parallel (default: settings, 8)")
    com.add_argument("--json", action="store_true", help="print the summary as JSON")
    com.add_argument("--labels-dir", type=Path, metavar="DIR",
                     help="read device label files (<device id>.json) from DIR")
    com.add_argument("--timeout", type=float, default=5.0, metavar="S",
                     help="per-request network timeout in seconds (default 5)")
    com.add_argument("--skip-blocked", action="store_true",
                     help="accept that blocked devices are left out: exit 0 when every other "
                     "device is provisioned (default: exit 6 while any device is blocked)")
    com.add_argument("--url", help=argparse.SUPPRESS)
    com.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    com.set_defaults(handler=_commission)

    owner = subparsers.add_parser("owner", help="owner credentials of a commissioned home")
    owner_sub = owner.add_subparsers(dest="owner_command", metavar="ACTION", required=True)
    re = owner_sub.add_parser(
        "reissue", parents=[common],
        help="revoke the current owner and issue a new owner invitation (resale)",
    )
    re.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    re.add_argument("--json", action="store_true", help="print JSON")
    re.add_argument("--timeout", type=float, default=5.0, metavar="S",
                    help="per-request network timeout in seconds (default 5)")
    re.add_argument("--url", help=argparse.SUPPRESS)
    re.add_argument("--root", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    re.set_defaults(handler=_owner_reissue)


def _printer(stream: TextIO) -> Callable[[Event], None]:
    def show(event: Event) -> None:
        if event.stage == "note" and event.code == "labels-remembered":
            print(say("cli.commission.labels-read", count=event.params["count"],
                      source=event.params["source"]), file=stream, flush=True)
        elif isinstance(event.detail, ProgressEvent):
            e = event.detail
            text = f"[{e.finished}/{e.total}] {e.device_id:<24} {e.step:<18} " \
                   f"{e.status:<11} {e.message}".rstrip()
            print(text, file=stream, flush=True)

    return show


def exit_code_of(summary: RunSummary, *, skip_blocked: bool) -> int:
    """7 when a device failed or nothing could be provisioned; 6 when blocked devices were left
    out and the operator did not accept that (``--skip-blocked``); else 0."""
    if not summary.ok:
        return EXIT_FAILED
    if summary.count("blocked") and not skip_blocked:
        return EXIT_BLOCKED
    return exit_codes.OK


def blocked_note(summary: RunSummary, *, skip_blocked: bool) -> str | None:
    """The summary's sentence on blocked devices (None when there are none)."""
    blocked = summary.count("blocked")
    if not blocked:
        return None
    if skip_blocked:
        return (f"{blocked} blocked device(s) were left out and not commissioned, as asked "
                "(--skip-blocked); take them out of the home or replace them before handover.")
    return (f"{blocked} blocked device(s) were left out and not commissioned, so the exit code "
            f"is {EXIT_BLOCKED}. Take them out or replace them (`commissioner device remove|"
            "replace`), or run again with --skip-blocked to accept leaving them out.")


def _print_summary(summary: RunSummary) -> None:
    print(say("cli.commission.summary", job_id=summary.job_id,
              provisioned=summary.count("provisioned"), failed=summary.count("failed"),
              blocked=summary.count("blocked"), seconds=f"{summary.elapsed_s:.1f}",
              concurrency=summary.concurrency, ca=summary.home_ca_fingerprint[:16],
              epoch=summary.owner_epoch))
    for o in summary.outcomes:
        auth = {True: "gateway-auth ok", False: "gateway-auth REFUSED", None: ""}[
            o.gateway_authenticated
        ]
        print(f"  {o.status.upper():<11} {o.role:<7} {o.device_id:<24} {auth}".rstrip())
        if o.status != "provisioned" and o.reason:
            print(f"              {o.reason}")
            if o.action:
                print(f"              → {o.action}")
    if summary.owner_invitation_id:
        print(say("cli.commission.invitation", invitation_id=summary.owner_invitation_id))


def _commission(args: argparse.Namespace) -> int:
    stream = sys.stderr if args.json else sys.stdout
    summary = asyncio.run(commission(
        context_from_args(args), args.job, sink=_printer(stream), labels_dir=args.labels_dir,
        concurrency=args.concurrency, timeout=args.timeout, catalog_url=args.url,
        catalog_root=args.root,
    ))
    code = exit_code_of(summary, skip_blocked=args.skip_blocked)
    note = blocked_note(summary, skip_blocked=args.skip_blocked)
    if args.json:
        body = summary.to_json()
        body.update({"skip_blocked": args.skip_blocked, "exit_code": code,
                     "blocked_note": note})
        print(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        _print_summary(summary)
        if note is not None:
            print(note)
    return code


def _owner_reissue(args: argparse.Namespace) -> int:
    done = asyncio.run(reissue_owner(context_from_args(args), args.job, timeout=args.timeout,
                             catalog_url=args.url, catalog_root=args.root))
    inv = done.invitation
    if args.json:
        print(json.dumps({"job_id": done.job_id, "invitation_id": inv.invitation_id,
                          "epoch": inv.epoch, "expires_at": inv.expires_at}, indent=2))
    else:
        print(f"Job {done.job_id}: the previous owner is revoked (owner epoch {inv.epoch}); new "
              f"owner invitation {inv.invitation_id}. Print the guidance sheet again for the new "
              "owner.")
    return 0
