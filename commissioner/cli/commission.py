"""``commissioner commission`` and ``commissioner owner reissue``.

    commissioner commission --job ID [--concurrency N] [--json] [--labels-dir DIR] [--timeout S]
    commissioner owner reissue --job ID [--json]

``commission`` provisions every certified device of the job and its gateway (see
:mod:`commissioner.provisioning.run`) and prints one line per progress event, then a summary.
Run it again after a crash or a failure: it resumes where the job left off. Setup codes come
from labels scanned earlier (``commissioner label add``) or from label files: ``--labels-dir
DIR`` (with ``--virtual-home`` the home's ``labels`` folder is the default). With ``--json``
the progress lines go to stderr and stdout holds the JSON summary only.

Exit codes: 0 every eligible device is provisioned; 7 at least one device failed
(``EXIT_FAILED``); 1 the run could not start (keyring refused, job missing...).

Nothing secret is ever printed: not the admin credentials, keys, setup codes or the owner
invitation token (the guidance sheet prints the invitation's QR code).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Final, TextIO

from commissioner.backends import TrustStore
from commissioner.cli.job_support import opened_store
from commissioner.cli.legacy_context import AppContext, resolve
from commissioner.errors import UserError
from commissioner.jobs.store import (
    JobNotFoundError,
)
from commissioner.provisioning.run import (
    ProgressCallback,
    ProgressEvent,
    RunOptions,
    RunSummary,
    commission_home,
    open_vault,
    revoke_and_reissue_owner,
)
from commissioner.provisioning.setup_codes import read_label_files, remember_labels

EXIT_FAILED: Final = 7


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
        "device failed.",
    )
    com.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    com.add_argument("--concurrency", type=int, metavar="N",
                     help="devices provisioned in parallel (default: settings, 8)")
    com.add_argument("--json", action="store_true", help="print the summary as JSON")
    com.add_argument("--labels-dir", type=Path, metavar="DIR",
                     help="read device label files (<device id>.json) from DIR")
    com.add_argument("--timeout", type=float, default=5.0, metavar="S",
                     help="per-request network timeout in seconds (default 5)")
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


def _trust(ctx: AppContext, args: argparse.Namespace) -> TrustStore:
    """Manufacturer roots: the virtual home's, or those of the verified catalog cache."""
    if ctx.home is not None:
        return TrustStore.from_pem(ctx.manufacturer_roots_pem)
    from commissioner.cli.catalog import config_from_args
    from commissioner.trust.catalog import get_catalog
    from commissioner.trust.gate import trust_store_for

    catalog = get_catalog(config_from_args(args), online=False)
    trust = trust_store_for(catalog)
    if trust is None:
        raise UserError("the catalog lists no usable manufacturer root",
                        hint="run `commissioner catalog sync`")
    return trust


def _addresses(ctx: AppContext) -> dict[str, tuple[str, int]]:
    if ctx.home is None:
        return {}
    out = {d.device_id: (d.host, d.port) for d in ctx.home.devices}
    out[ctx.home.gateway.device_id] = (ctx.home.gateway.host, ctx.home.gateway.port)
    return out


def _printer(stream: TextIO) -> ProgressCallback:
    def show(event: ProgressEvent) -> None:
        text = f"[{event.finished}/{event.total}] {event.device_id:<24} {event.step:<18} " \
               f"{event.status:<11} {event.message}".rstrip()
        print(text, file=stream, flush=True)

    return show


def _print_summary(summary: RunSummary) -> None:
    print(f"Job {summary.job_id}: {summary.count('provisioned')} provisioned, "
          f"{summary.count('failed')} failed, {summary.count('blocked')} blocked "
          f"({summary.elapsed_s:.1f} s, concurrency {summary.concurrency}); home CA "
          f"{summary.home_ca_fingerprint[:16]}…, owner epoch {summary.owner_epoch}")
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
        print(f"Owner invitation {summary.owner_invitation_id} is ready for the guidance sheet.")


def _commission(args: argparse.Namespace) -> int:
    ctx = resolve(args)
    concurrency = args.concurrency or ctx.settings.provisioning_concurrency
    if not 1 <= concurrency <= 64:
        raise UserError("--concurrency must be from 1 to 64")
    if not 0 < args.timeout <= 120:
        raise UserError("--timeout must be between 0 and 120 seconds")
    stream = sys.stderr if args.json else sys.stdout
    with opened_store(args) as store:
        try:
            job = store.find_job(args.job)
        except JobNotFoundError as err:
            raise UserError(str(err), hint="list the jobs with `commissioner job list`") from None
        if job.is_closed:
            raise UserError(f"job {job.id} is closed", hint="open a new job for new work")
        store.acquire_job_lock(job.id, "commission")  # given back when the store closes
        vault = open_vault(store)  # refuses plaintext / fail / locked keyrings
        trust = _trust(ctx, args)
        labels_dir: Path | None = args.labels_dir
        if labels_dir is None and ctx.home is not None:
            labels_dir = ctx.home.labels_path
        if labels_dir is not None:
            ids = [d.device_id for d in store.devices(job.id)]
            statuses = remember_labels(store, vault, job.id, read_label_files(labels_dir, ids))
            print(f"{len(statuses)} label(s) read from {labels_dir}", file=stream, flush=True)
        show = _printer(stream)
        options = RunOptions(
            concurrency=concurrency, timeout=args.timeout,
            progress=show,
            addresses=_addresses(ctx),
        )
        summary = asyncio.run(commission_home(store, vault, job.id, trust, options))
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        _print_summary(summary)
    return 0 if summary.ok else EXIT_FAILED


def _owner_reissue(args: argparse.Namespace) -> int:
    ctx = resolve(args)
    with opened_store(args) as store:
        try:
            job = store.find_job(args.job)
        except JobNotFoundError as err:
            raise UserError(str(err)) from None
        if job.is_closed:
            raise UserError(
                f"job {job.id} ({job.job_number}) is handed over and sealed; its owner cannot "
                "be changed in it",
                hint="for a new owner start a resale job: commissioner job new --kind resale "
                f"--from-job {job.id} --job-number N --operator NAME, then commissioner wipe")
        vault = open_vault(store)
        trust = _trust(ctx, args)
        options = RunOptions(
            concurrency=ctx.settings.provisioning_concurrency, timeout=args.timeout,
            addresses=_addresses(ctx),
        )
        inv = asyncio.run(revoke_and_reissue_owner(store, vault, job.id, trust, options))
    if args.json:
        print(json.dumps({"job_id": job.id, "invitation_id": inv.invitation_id,
                          "epoch": inv.epoch, "expires_at": inv.expires_at}, indent=2))
    else:
        print(f"Job {job.id}: the previous owner is revoked (owner epoch {inv.epoch}); new owner "
              f"invitation {inv.invitation_id}. Print the guidance sheet again for the new "
              "owner.")
    return 0
