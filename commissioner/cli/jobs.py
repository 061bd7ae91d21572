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
import datetime as dt
import sys
from pathlib import Path

from commissioner.app import jobs
from commissioner.app.job_steps import read_job_steps
from commissioner.cli import bundles as bundles_cli
from commissioner.cli import operators as operators_cli
from commissioner.cli.common import context_from_args, print_json
from commissioner.cli.wording import fix_line, local_time, say, term
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
            print(say("cli.job.opened-resale", job_id=job.id, job_number=job.job_number,
                      source=source))
            print(say("cli.next", text=fix_line("cli.job.opened-resale", job_id=job.id)))
        return 0
    if args.from_job is not None:
        raise UserError(code="cli.from-job-needs-resale")
    if not args.site_name or not args.site_address or args.level is None:
        raise UserError(code="cli.job-new-needs-site")
    if args.personal_data is None or args.life_or_property is None:
        raise UserError(code="cli.job-new-needs-answers")
    job = jobs.create_job(
        context_from_args(args), job_number=args.job_number, site_name=args.site_name,
        site_address=args.site_address, service_level=args.level, operator=args.operator,
        personal_data=args.personal_data == "yes",
        life_or_property=args.life_or_property == "yes", reason=args.reason,
    )
    if args.json:
        print_json(dataclasses.asdict(job))
    else:
        print(say("cli.job.opened", job_id=job.id, job_number=job.job_number, stars=job.stars))
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
        print(say("cli.job.none"))
        return 0
    for j in found:
        print(f"{j.id}  {j.job_number:<16}  {j.stars:<3}  {j.status:<6}  "
              f"{j.created_at[:10]}  {j.site_name}")
    return 0


def _job_show(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    details = jobs.job_details(ctx, args.job)
    job, devices = details.job, details.devices
    steps = read_job_steps(ctx, job.id)
    if args.json:
        data = dataclasses.asdict(job)
        data["devices"] = [{**dataclasses.asdict(d), "state_source": details.states[d.device_id]
                            .to_json() if d.device_id in details.states else None}
                           for d in devices]
        data["steps"] = details.steps
        data["job_steps"] = [{"name": js.name, "state": js.state, "action": js.action,
                              "done": js.done, "total": js.total,
                              "blockers": [dataclasses.asdict(b) for b in js.blockers]}
                             for js in steps.steps]
        data["level_basis"] = None if details.level_basis is None else \
            details.level_basis.to_json()
        data["followup"] = [{"idx": s.idx, "at": s.at, "operator": s.operator,
                             "device_id": s.device_id, "action": s.action,
                             "detail": s.detail} for s in details.followup]
        print_json(data)
        return 0
    print(say("cli.job.title", job_id=job.id, status=term("job-status", job.status)))
    print(say("cli.job.number", value=job.job_number))
    print(say("cli.job.site", value=job.site_name))
    print(say("cli.job.address", value=job.site_address))
    print(say("cli.job.level", stars=job.stars, level=job.service_level))
    basis = details.level_basis
    if basis is not None:
        kinds = ", ".join(term("kind", k) for k in basis.suggested_by)
        print(say("cli.job.basis", personal=_answer(basis.personal_data),
                  life=_answer(basis.life_or_property), suggested="★" * basis.suggested_level,
                  kinds=f" ({kinds})" if kinds else ""))
        if basis.reason:
            print(say("cli.job.level-reason", value=basis.reason))
        if basis.needs_reason:
            print(say("cli.job.level-finding"))
            print("  " + say("cli.next", text=fix_line(
                "cli.job.level-finding", job_id=job.id, suggested=basis.suggested_level)))
    zone = ctx.settings.time_zone
    print(say("cli.job.operator", value=job.operator))
    print(say("cli.job.created", value=_when(job.created_at, zone)))
    if job.catalog_version is not None:
        print(say("cli.job.catalog", version=job.catalog_version,
                  refreshed=_when(job.catalog_refreshed_at, zone)))
    if job.closed_at is not None:
        print(say("cli.job.closed", value=_when(job.closed_at, zone)))
        print(say("cli.job.sealed", value=job.sealed_hash))
    print(say("cli.job.steps", value=details.steps))
    print(say("cli.job.devices", value=len(devices)))
    for d in devices:
        where = f"{d.address}:{d.port}" if d.address and d.port else (d.address or "-")
        print(f"    {d.device_id:<24} {term('kind', d.kind):<16} {d.manufacturer} {d.model} "
              f"{say('cli.job.firmware', version=d.firmware)}  "
              f"{term('device-status', d.status)}  {where}")
        st = details.states.get(d.device_id)
        if st is not None:
            print(say("cli.job.device-state", state=term("state", st.state or "-"),
                      source=term("state-source", st.source),
                      how=term("state-how", st.how.replace(" ", "-")),
                      at=_when(st.at, zone) if st.at else say("cli.job.time-unknown")))
    print("  " + say("cli.job.step-list"))
    for n, js in enumerate(steps.steps, start=1):
        todo = ", ".join(f"{term('step-action', b.action)} {b.device_id or ''}".strip()
                         for b in js.blockers[:5])
        action = term("step-action", js.action)
        print(f"    {n}. {term('step', js.name):<10} {term('step-state', js.state):<10} "
              f"{js.done}/{js.total}"
              + (f"  -> {todo}" if todo else f"  -> {action}" if js is steps.current
                 else ""))
    if details.followup:
        print(say("cli.job.followup", count=len(details.followup)))
        for s in details.followup:
            print(f"    #{s.idx} {s.at} {s.action} {s.device_id or ''}".rstrip())
    return 0


def _answer(value: bool | None) -> str:
    return say("answer.unknown" if value is None else "answer.yes" if value else "answer.no")


def _when(stamp: str | None, zone: str) -> str:
    """A recorded ISO time in the site's time zone (as recorded when it cannot be read)."""
    if not stamp:
        return "-"
    try:
        return local_time(dt.datetime.fromisoformat(stamp), zone)
    except ValueError:
        return stamp


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
