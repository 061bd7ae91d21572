"""``commissioner job ...`` and ``commissioner audit ...``: jobs and their audit log.

    commissioner job new --job-number N --site-name S --site-address A --level 2|3 --operator NAME
                         --personal-data yes|no --life-or-property yes|no
                         [--below-suggestion-reason TEXT]
    commissioner job set-level --job ID --level 2|3 [--reason TEXT]
    commissioner job new --kind resale --from-job OLD --job-number N --operator NAME
    commissioner job list [--status open|closed] [--json]
    commissioner job show ID [--json]
    commissioner audit verify --job ID          exit 0 if the log is intact, 1 otherwise
    commissioner audit export --job ID [--out FILE]   JSON Lines (stdout by default); on an
                                                      open job the export is logged first
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from commissioner.app import jobs
from commissioner.cli import bundles as bundles_cli
from commissioner.cli import operators as operators_cli
from commissioner.cli.common import context_from_args, print_json
from commissioner.errors import UserError


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    job = subparsers.add_parser("job", help="create, list and show commissioning jobs")
    job_sub = job.add_subparsers(dest="job_command", metavar="ACTION", required=True)

    new = job_sub.add_parser("new", parents=[common], help="open a new job")
    new.add_argument("--job-number", required=True, help="your job number (unique)")
    new.add_argument("--kind", choices=("new", "resale"), default="new",
                     help="resale: wipe a handed-over home for its next owner")
    new.add_argument("--from-job", metavar="OLD",
                     help="resale: the home's previous (sealed) job; omit if there is none")
    new.add_argument("--site-name", help="site name, e.g. the household name")
    new.add_argument("--site-address", help="site address")
    new.add_argument(
        "--level", type=int, choices=(2, 3),
        help="service level decided for the home: 2 (★★) or 3 (★★★)",
    )
    new.add_argument("--personal-data", choices=("yes", "no"),
                     help="does the service handle personal data? (R2-1/R3-2)")
    new.add_argument("--life-or-property", choices=("yes", "no"),
                     help="can the service affect life or property? (R2-1/R3-2)")
    new.add_argument("--below-suggestion-reason", "--reason", dest="reason", metavar="TEXT",
                     help="why the level is below the one suggested (by the answers, or later "
                          "by the devices found)")
    new.add_argument("--operator", help="ignored: the job's operator is the signed-in account")
    new.add_argument("--json", action="store_true", help="print the job as JSON")
    new.set_defaults(handler=_job_new)

    level = job_sub.add_parser("set-level", parents=[common],
                               help="change the job's service level, with the reason")
    level.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    level.add_argument("--level", required=True, type=int, choices=(2, 3),
                       help="2 (★★) or 3 (★★★)")
    level.add_argument("--reason", metavar="TEXT",
                       help="why (needed when the level is below the suggested one)")
    level.add_argument("--operator", help="your name (recorded in the audit log)")
    level.add_argument("--json", action="store_true", help="print the basis as JSON")
    level.set_defaults(handler=_job_set_level)

    lst = job_sub.add_parser("list", parents=[common], help="list jobs, newest first")
    lst.add_argument("--status", choices=("open", "closed"), help="only open or closed jobs")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=_job_list)

    show = job_sub.add_parser("show", parents=[common], help="show a job and its devices")
    show.add_argument("job", metavar="ID", help="job id or job number")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_job_show)
    bundles_cli.add_job_actions(job_sub, common)
    operators_cli.add_job_purge(job_sub, common)

    aud = subparsers.add_parser("audit", help="verify or export a job's audit log")
    aud_sub = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = aud_sub.add_parser(
        "verify", parents=[common], help="check the job's hash-chained log (exit 1 if broken)"
    )
    verify.add_argument("--job", metavar="ID", help="job id or job number")
    bundles_cli.add_bundle_check(verify)
    verify.set_defaults(handler=_audit_verify)

    export = aud_sub.add_parser("export", parents=[common], help="export the log as JSON Lines")
    export.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    export.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default stdout)")
    export.set_defaults(handler=_audit_export)


# --- handlers --------------------------------------------------------------------------------


def _job_new(args: argparse.Namespace) -> int:
    if args.kind == "resale":
        from commissioner.app.resale import create_resale_job

        job, link = create_resale_job(
            context_from_args(args), job_number=args.job_number, operator=args.operator,
            from_job=args.from_job, site_name=args.site_name, site_address=args.site_address,
            service_level=args.level)
        if args.json:
            print_json({**dataclasses.asdict(job), "kind": "resale",
                        "link": dataclasses.asdict(link)})
        else:
            source = (f"previous job {link.from_job} (sealed {link.sealed_hash})"
                      if link.from_job else "discovery (no previous record)")
            print(f"Opened resale job {job.id} (job number {job.job_number}) from {source}")
            print(f"Next: commissioner wipe --job {job.id}")
        return 0
    if args.from_job is not None:
        raise UserError("--from-job needs --kind resale")
    if not args.site_name or not args.site_address or args.level is None:
        raise UserError("job new needs --site-name, --site-address and --level")
    if args.personal_data is None or args.life_or_property is None:
        raise UserError("job new needs the answers --personal-data yes|no and "
                        "--life-or-property yes|no (they decide the service level)")
    job = jobs.create_job(
        context_from_args(args), job_number=args.job_number, site_name=args.site_name,
        site_address=args.site_address, service_level=args.level, operator=args.operator,
        personal_data=args.personal_data == "yes",
        life_or_property=args.life_or_property == "yes", reason=args.reason,
    )
    if args.json:
        print_json(dataclasses.asdict(job))
    else:
        print(f"Opened job {job.id} (job number {job.job_number}, {job.stars})")
    return 0


def _job_set_level(args: argparse.Namespace) -> int:
    basis = jobs.set_service_level(context_from_args(args), args.job, level=args.level,
                                   reason=args.reason, operator=args.operator)
    if args.json:
        print_json(basis.to_json())
        return 0
    print(f"Service level of job {args.job}: {'★' * basis.level} (level {basis.level}); "
          f"suggested {'★' * basis.suggested_level}")
    if basis.reason:
        print(f"  Reason: {basis.reason}")
    return 0


def _job_list(args: argparse.Namespace) -> int:
    found = jobs.list_jobs(context_from_args(args), args.status)
    if args.json:
        print_json([dataclasses.asdict(j) for j in found])
        return 0
    if not found:
        print("No jobs.")
        return 0
    for j in found:
        print(f"{j.id}  {j.job_number:<16}  {j.stars:<3}  {j.status:<6}  "
              f"{j.created_at[:10]}  {j.site_name}")
    return 0


_SOURCE_TEXT = {"advertisement": "as advertised (not asked)",
                "device": "as the device said when asked", "record": "from the job record"}


def _job_show(args: argparse.Namespace) -> int:
    details = jobs.job_details(context_from_args(args), args.job)
    job, devices = details.job, details.devices
    if args.json:
        data = dataclasses.asdict(job)
        data["devices"] = [{**dataclasses.asdict(d), "state_source": details.states[d.device_id]
                            .to_json() if d.device_id in details.states else None}
                           for d in devices]
        data["steps"] = details.steps
        data["level_basis"] = None if details.level_basis is None else \
            details.level_basis.to_json()
        data["followup"] = [{"idx": s.idx, "at": s.at, "operator": s.operator,
                             "device_id": s.device_id, "action": s.action,
                             "detail": s.detail} for s in details.followup]
        print_json(data)
        return 0
    print(f"Job {job.id}  ({job.status})")
    print(f"  Job number:    {job.job_number}")
    print(f"  Site:          {job.site_name}")
    print(f"  Address:       {job.site_address}")
    print(f"  Service level: {job.stars} (level {job.service_level})")
    basis = details.level_basis
    if basis is not None:
        print(f"  Level basis:   personal data {_answer(basis.personal_data)}, life or "
              f"property {_answer(basis.life_or_property)}; suggested "
              f"{'★' * basis.suggested_level}"
              + (f" ({', '.join(basis.suggested_by)})" if basis.suggested_by else ""))
        if basis.reason:
            print(f"  Level reason:  {basis.reason}")
        if basis.needs_reason:
            print("  Level finding: below the suggested level with no reason; "
                  f"run: commissioner job set-level --job {job.id} --level "
                  f"{basis.suggested_level}, or give --reason")
    print(f"  Operator:      {job.operator}")
    print(f"  Created:       {job.created_at}")
    if job.catalog_version is not None:
        print(f"  Catalog:       version {job.catalog_version}, "
              f"refreshed {job.catalog_refreshed_at}")
    if job.closed_at is not None:
        print(f"  Closed:        {job.closed_at}")
        print(f"  Sealed hash:   {job.sealed_hash}")
    print(f"  Log entries:   {details.steps}")
    print(f"  Devices:       {len(devices)}")
    for d in devices:
        where = f"{d.address}:{d.port}" if d.address and d.port else (d.address or "-")
        print(f"    {d.device_id:<24} {d.kind:<16} {d.manufacturer} {d.model} "
              f"fw {d.firmware}  {d.status}  {where}")
        st = details.states.get(d.device_id)
        if st is not None:
            print(f"      state {st.state or '-'}: {_SOURCE_TEXT[st.source]} ({st.how}, "
                  f"{st.at or 'time unknown'})")
    if details.followup:
        print(f"  After handover: {len(details.followup)} follow-up entries")
        for s in details.followup:
            print(f"    #{s.idx} {s.at} {s.action} {s.device_id or ''}".rstrip())
    return 0


def _answer(value: bool | None) -> str:
    return "not asked" if value is None else ("yes" if value else "no")


def _audit_verify(args: argparse.Namespace) -> int:
    if args.bundle is not None or args.job is None:
        return bundles_cli.audit_verify_bundle(args)
    check = jobs.verify_audit(context_from_args(args), args.job)
    job = check.job
    if check.ok:
        sealed = " (sealed)" if job.sealed_hash else ""
        print(f"Audit log of job {job.id} intact{sealed}: {check.entries} entries, "
              f"last hash {check.last_hash}")
        return 0
    print(f"commissioner: audit log of job {job.id} is BROKEN: {check.problem}", file=sys.stderr)
    return 1


def _audit_export(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out is not None else sys.stdout
    job, count = jobs.export_audit(context_from_args(args), args.job, out)
    if args.out is not None:
        print(f"Exported {count} entries of job {job.id} to {args.out}", file=sys.stderr)
    return 0
