"""Operators on the command line: sign in, session tokens, accounts, and purging secrets.

    commissioner operator init --user NAME [--name TEXT]       first run: the administrator
    commissioner login --user NAME [--hours H] [--out FILE]    writes a session token (0600)
    commissioner logout
    commissioner whoami [--json]
    commissioner operator add --user NAME --roles installer,support [--name TEXT]
    commissioner operator disable|enable --user NAME
    commissioner operator reset --user NAME                    new password, changed at sign-in
    commissioner operator passwd --user NAME                   your own password
    commissioner operator list [--json]
    commissioner job purge --job ID                            escrowed secrets off the laptop

Passwords are asked without echo, or read one per line from stdin with ``--password-stdin``
(never from the command line). Other commands use the token ``commissioner login`` wrote in the
data folder, or the one ``COMMISSIONER_SESSION`` names.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys
from pathlib import Path

from commissioner.app import operators
from commissioner.app.purge import purge_job_secrets
from commissioner.cli.common import context_from_args, print_json
from commissioner.errors import UserError


def _passwords(args: argparse.Namespace, prompts: list[str], *, confirm_last: bool) -> list[str]:
    if getattr(args, "password_stdin", False):
        lines = sys.stdin.read().splitlines()
        if len(lines) < len(prompts):
            raise UserError(code="operator.password-stdin-short",
                            params={"count": len(prompts)})
        return lines[:len(prompts)]
    out = [getpass.getpass(f"{p}: ") for p in prompts]
    if confirm_last and getpass.getpass("repeat it: ") != out[-1]:
        raise UserError(code="operator.passwords-differ")
    return out


def _user(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--user", required=required, metavar="NAME", help="the user name")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password(s) from stdin, one per line")


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    login = subparsers.add_parser("login", parents=[common],
                                  help="sign in and write a session token that expires")
    _user(login)
    login.add_argument("--hours", type=float, default=8.0, help="session length (at most 12)")
    login.add_argument("--out", type=Path, metavar="FILE",
                       help="where to write the token (default: the data folder)")
    login.set_defaults(handler=_login)
    logout = subparsers.add_parser("logout", parents=[common], help="remove the session token")
    logout.set_defaults(handler=_logout)
    who = subparsers.add_parser("whoami", parents=[common], help="who is signed in")
    who.add_argument("--json", action="store_true")
    who.set_defaults(handler=_whoami)

    op = subparsers.add_parser("operator", help="operator accounts (administrators)")
    sub = op.add_subparsers(dest="operator_command", metavar="ACTION", required=True)
    init = sub.add_parser("init", parents=[common], help="first run: create the administrator")
    _user(init)
    init.add_argument("--name", default="", help="display name")
    init.set_defaults(handler=_init)
    add = sub.add_parser("add", parents=[common], help="add an operator")
    _user(add)
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--roles", required=True,
                     help="comma-separated: installer, technician, support, administrator")
    add.set_defaults(handler=_add)
    for name, flag in (("disable", True), ("enable", False)):
        p = sub.add_parser(name, parents=[common], help=f"{name} an operator")
        p.add_argument("--user", required=True, metavar="NAME")
        p.set_defaults(handler=_disable, disabled=flag)
    reset = sub.add_parser("reset", parents=[common], help="set a new password (and unlock)")
    _user(reset)
    reset.set_defaults(handler=_reset)
    passwd = sub.add_parser("passwd", parents=[common], help="change your own password")
    _user(passwd)
    passwd.set_defaults(handler=_passwd)
    lst = sub.add_parser("list", parents=[common], help="list the operators")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=_list)


def add_job_purge(job_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                  common: argparse.ArgumentParser) -> None:
    purge = job_sub.add_parser("purge", parents=[common],
                               help="remove a handed-over job's secrets once escrowed")
    purge.add_argument("--job", required=True, metavar="ID", help="job id or job number")
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(handler=_purge)


def _login(args: argparse.Namespace) -> int:
    (password,) = _passwords(args, ["password"], confirm_last=False)
    who, path = operators.login(context_from_args(args), args.user, password,
                                hours=args.hours, out=args.out)
    print(f"signed in as {who.username} ({', '.join(sorted(who.roles))}); token: {path}")
    return 0


def _logout(args: argparse.Namespace) -> int:
    gone = operators.logout(context_from_args(args))
    print("signed out" if gone else "no session token here")
    return 0


def _whoami(args: argparse.Namespace) -> int:
    who = context_from_args(args).signed_in()
    if who is None:
        raise UserError(code="session.nobody", exit_code=3)
    if args.json:
        print_json({"username": who.username, "roles": sorted(who.roles),
                    "training": who.training})
    else:
        print(f"{who.audit_name}: {', '.join(sorted(who.roles))}")
    return 0


def _init(args: argparse.Namespace) -> int:
    (password,) = _passwords(args, ["new administrator password"], confirm_last=True)
    who = operators.create_administrator(context_from_args(args), username=args.user,
                                         display_name=args.name, password=password)
    print(f"administrator {who.username} created; sign in with `commissioner login`")
    return 0


def _add(args: argparse.Namespace) -> int:
    (password,) = _passwords(args, ["initial password"], confirm_last=True)
    view = operators.add_operator(context_from_args(args), username=args.user,
                                  display_name=args.name, roles=args.roles, password=password)
    print(f"operator {view.username} added ({', '.join(view.roles)}); they choose their own "
          "password at the first sign-in")
    return 0


def _disable(args: argparse.Namespace) -> int:
    view = operators.set_disabled(context_from_args(args), args.user, args.disabled)
    print(f"operator {view.username} {'disabled' if view.disabled else 'enabled'}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    (password,) = _passwords(args, ["new password"], confirm_last=True)
    view = operators.reset_password(context_from_args(args), args.user, password)
    print(f"password of {view.username} reset; it must be changed at the next sign-in")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    old, new = _passwords(args, ["current password", "new password"], confirm_last=True)
    who = operators.change_password(context_from_args(args), args.user, old, new)
    print(f"password of {who.username} changed")
    return 0


def _list(args: argparse.Namespace) -> int:
    views = operators.list_operators(context_from_args(args))
    if args.json:
        print_json([dataclasses.asdict(v) for v in views])
        return 0
    for v in views:
        state = "disabled" if v.disabled else ("locked" if v.locked_seconds else "active")
        print(f"{v.username:<16} {','.join(v.roles):<32} {state}  {v.display_name}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    done = purge_job_secrets(context_from_args(args), args.job)
    if args.json:
        print_json(dataclasses.asdict(done))
    else:
        print(f"job {done.job_id}: {done.removed} secrets removed from this laptop (escrow "
              f"{done.escrow_sha256[:16]}…)")
    return 0
