"""Signed-in operators for tests, made the way an administrator makes them (no back door).

``sign_in_here(accounts_dir)`` creates the first administrator of the installation whose
data folder is ``accounts_dir`` (if there is none), adds an operator with the given roles, lets
them choose their password and signs them in with ``commissioner login`` semantics: the session
token lands in ``<accounts_dir>/session.token``, where every later command (in this process or
a CLI subprocess on the same keyring and data folder) finds it.
Password hashing runs with a low scrypt cost here (``fast_kdf``) to keep the suite quick; the
product's cost is measured in tests/benchmarks/test_signin_kdf_bench.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from commissioner.app import operators
from commissioner.app.context import AppContext, make_context
from commissioner.app.signin import release_of
from commissioner.jobs.store import JobStore
from commissioner.operators import passwords
from commissioner.operators.signed_in import SignedIn

ADMIN = "admin"
ADMIN_PASSWORD = "admin-password-1"
PASSWORD = "operator-password-1"


@contextlib.contextmanager
def fast_kdf() -> Iterator[None]:
    saved = passwords.SCRYPT_N
    passwords.SCRYPT_N = 2**10
    try:
        yield
    finally:
        passwords.SCRYPT_N = saved


def admin_context(data_dir: Path) -> AppContext:
    ctx = make_context(data_dir=data_dir, accounts_dir=data_dir)
    with fast_kdf():
        if operators.needs_first_administrator(ctx):
            who = operators.create_administrator(ctx, username=ADMIN, display_name="管理者",
                                                 password=ADMIN_PASSWORD)
        else:
            who = operators.sign_in(ctx, ADMIN, ADMIN_PASSWORD)
    return replace(ctx, operator=who)


def add(data_dir: Path, user: str, roles: str, *, password: str = PASSWORD) -> SignedIn:
    """Add ``user`` with ``roles`` and sign them in (password already chosen by them)."""
    admin = admin_context(data_dir)
    with fast_kdf():
        operators.add_operator(admin, username=user, display_name=user, roles=roles,
                               password="initial-password-1")
        return operators.change_password(admin, user, "initial-password-1", password)


def sign_in_here(data_dir: Path, roles: str = "installer,technician,support",
                 user: str = "tester") -> SignedIn:
    """An operator with ``roles``, signed in with a session token in ``data_dir``."""
    who = add(data_dir, user, roles)
    with fast_kdf():
        operators.login(make_context(data_dir=data_dir, accounts_dir=data_dir), user, PASSWORD)
    return who


def as_signed_in(store: JobStore) -> JobStore:
    """A store handle opened directly (a storage-level test) that acts for the run's signed-in
    operator, as the application layer's handles do: its entries name the account and the
    vault is given the operator's release key (so the secrets of jobs the CLI made open)."""
    who = make_context(data_dir=store.path.parent).signed_in()
    store.acting_operator = None if who is None else who.audit_name
    store.release_source = lambda: release_of(who)
    return store
