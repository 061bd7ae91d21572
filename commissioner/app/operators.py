"""Operator accounts as use cases: first run, sign-in with lockout, password change, and what
an administrator does (add, disable, reset, list), plus CLI session tokens.

The release key (what unwraps per-job keys, see :mod:`commissioner.secrets.vault`) is made
with the first administrator and kept only in each account's key slot: the administrator's
slot lets them enrol new operators; the vault is only ever handed it for roles that need job
secrets (:func:`commissioner.app.signin.release_of`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from commissioner.app.context import AppContext
from commissioner.app.signin import SignInRequiredError, token_path
from commissioner.errors import UserError
from commissioner.operators import passwords, sessions
from commissioner.operators.keyring_items import OsKeyring, session_key
from commissioner.operators.roles import Role, parse_roles
from commissioner.operators.signed_in import SignedIn
from commissioner.operators.store import (
    Operator,
    OperatorFile,
    OperatorStore,
    clean_username,
    record_failure,
    utc_now,
)
from commissioner.secrets.vault import ReleaseKey

__all__ = [
    "OperatorView", "SignInError", "add_operator", "change_password", "create_administrator",
    "list_operators", "login", "logout", "must_change_password", "needs_first_administrator",
    "reset_password", "set_disabled", "sign_in",
]


class SignInError(UserError):
    """Wrong name or password, a locked or a disabled account."""


@dataclass(frozen=True, slots=True)
class OperatorView:
    username: str
    display_name: str
    roles: tuple[str, ...]
    disabled: bool
    must_change: bool
    failures: int
    locked_seconds: float


def _store(ctx: AppContext) -> tuple[OperatorStore, OsKeyring]:
    ring = OsKeyring()
    return OperatorStore(ctx.accounts_dir, ring), ring


def _bad(err: ValueError) -> UserError:
    if isinstance(err, UserError):  # the account rules' own coded refusal
        return err
    return UserError(code="operator.invalid", params={"detail": str(err)})


def _clock(now: datetime, seconds: float) -> str:
    """The UTC time ``seconds`` after ``now``, to the second (when a lockout ends)."""
    return f"{now + timedelta(seconds=seconds):%Y-%m-%d %H:%M:%S}"


def needs_first_administrator(ctx: AppContext) -> bool:
    """True on the first run: no operator store here yet (the keyring knows none either)."""
    store, _ = _store(ctx)
    return not store.exists()


def _account(ring: OsKeyring, state: OperatorFile, username: str, display_name: str,
             roles: frozenset[Role], password: str, release: bytes, *, epoch: int = 0,
             must_change: bool) -> Operator:
    try:
        passwords.check_password_rules(password)
    except ValueError as err:
        raise _bad(err) from None
    record, slot_secret = passwords.new_hash(password)
    slot = passwords.seal_slot(ring.master_key(), slot_secret, username, release)
    return Operator(username, display_name.strip() or username, roles, record, slot,
                    must_change=must_change, epoch=epoch)


def create_administrator(ctx: AppContext, *, username: str, display_name: str,
                         password: str) -> SignedIn:
    """The first run: make the operator store with its administrator (refused afterwards)."""
    store, ring = _store(ctx)
    if store.exists():
        raise UserError(code="operator.already-set-up")
    try:
        name = clean_username(username)
    except ValueError as err:
        raise _bad(err) from None
    release = secrets.token_bytes(32)
    state = OperatorStore.new_state(release)
    state.operators[name] = _account(ring, state, name, display_name,
                                     frozenset({Role.ADMINISTRATOR}), password, release,
                                     must_change=False)
    store.save(state)
    op = state.operators[name]
    return SignedIn(op.username, op.display_name, op.roles, ReleaseKey("field", release))


def sign_in(ctx: AppContext, username: str, password: str) -> SignedIn:
    """Check the password (one scrypt run); failures count towards a growing lockout."""
    store, ring = _store(ctx)
    state = store.load()
    now = utc_now()
    wrong = SignInError(code="signin.wrong-password")
    try:
        name = clean_username(username)
    except ValueError:
        name = ""
    op = state.operators.get(name)
    if op is None:
        passwords.new_hash("x" * passwords.MIN_PASSWORD)  # the same time as a real check
        raise wrong
    wait = op.locked_for(now)
    if wait > 0:
        raise SignInError(code="signin.locked", params={
            "username": op.username, "failures": op.failures, "seconds": int(wait) + 1,
            "until": _clock(now, wait)})
    slot_secret = passwords.verify(op.password, password)
    if slot_secret is None:
        failed = record_failure(op, now)
        state.operators[name] = failed
        store.save(state)
        after = failed.locked_for(now)
        if after > 0:
            raise SignInError(code="signin.now-locked", params={
                "username": op.username, "seconds": int(after), "failures": failed.failures,
                "until": _clock(now, after)})
        raise wrong
    if op.disabled:
        raise SignInError(code="signin.disabled", params={"username": op.username})
    if op.failures or op.locked_until:
        state.operators[name] = replace(op, failures=0, locked_until=None)
        store.save(state)
    release = None
    if op.slot is not None:
        release = passwords.open_slot(ring.master_key(), slot_secret, op.username, op.slot)
        if release is None or hashlib.sha256(release).hexdigest() != state.release_check:
            raise SignInError(code="signin.slot-unopened", params={"username": op.username})
    return SignedIn(op.username, op.display_name, op.roles,
                    None if release is None else ReleaseKey("field", release))


def _admin_release(who: SignedIn) -> bytes:
    if who.release is None:
        raise SignInRequiredError(code="signin.no-enrol-key",
                                  params={"username": who.username})
    return who.release.key


def _change(ctx: AppContext, username: str) -> tuple[OperatorStore, OsKeyring, OperatorFile,
                                                     Operator]:
    store, ring = _store(ctx)
    state = store.load()
    op = state.operators.get(clean_username(username)) if username.strip() else None
    if op is None:
        raise UserError(code="operator.not-found", params={"username": username})
    return store, ring, state, op


def add_operator(ctx: AppContext, *, username: str, display_name: str, roles: str | list[str],
                 password: str) -> OperatorView:
    """An administrator adds an operator (who must change the password at first sign-in)."""
    who = ctx.require("operators")
    release = _admin_release(who)
    store, ring = _store(ctx)
    state = store.load()
    try:
        name = clean_username(username)
        chosen = parse_roles(roles)
    except ValueError as err:
        raise _bad(err) from None
    if name in state.operators:
        raise UserError(code="operator.exists", params={"username": name})
    state.operators[name] = _account(ring, state, name, display_name, chosen, password,
                                     release, must_change=True)
    store.save(state)
    return _view(state.operators[name])


def set_disabled(ctx: AppContext, username: str, disabled: bool = True) -> OperatorView:
    """Disable (or enable again) an account; its sessions end. The last administrator stays."""
    who = ctx.require("operators")
    store, _, state, op = _change(ctx, username)
    if disabled and Role.ADMINISTRATOR in op.roles and not any(
            Role.ADMINISTRATOR in o.roles and not o.disabled and o.username != op.username
            for o in state.operators.values()):
        raise UserError(code="operator.last-administrator")
    if disabled and op.username == who.username:
        raise UserError(code="operator.disable-self")
    state.operators[op.username] = replace(op, disabled=disabled, epoch=op.epoch + 1)
    store.save(state)
    return _view(state.operators[op.username])


def reset_password(ctx: AppContext, username: str, new_password: str) -> OperatorView:
    """An administrator sets a new password (to change at next sign-in) and lifts a lockout."""
    who = ctx.require("operators")
    release = _admin_release(who)
    store, ring, state, op = _change(ctx, username)
    new = _account(ring, state, op.username, op.display_name, op.roles, new_password, release,
                   epoch=op.epoch + 1, must_change=True)
    state.operators[op.username] = replace(new, disabled=op.disabled)
    store.save(state)
    return _view(state.operators[op.username])


def change_password(ctx: AppContext, username: str, old_password: str,
                    new_password: str) -> SignedIn:
    """The operator's own change (old password needed); other sessions of the account end."""
    who = sign_in(ctx, username, old_password)
    if new_password == old_password:
        raise UserError(code="operator.same-password")
    store, ring, state, op = _change(ctx, username)
    release = b"" if who.release is None else who.release.key
    new = _account(ring, state, op.username, op.display_name, op.roles, new_password,
                   release, epoch=op.epoch + 1, must_change=False)
    state.operators[op.username] = replace(new, slot=None if who.release is None else new.slot)
    store.save(state)
    return sign_in(ctx, username, new_password)


def must_change_password(ctx: AppContext, username: str) -> bool:
    """Must the account choose its own password before working (set by an administrator)?"""
    store, _ = _store(ctx)
    op = store.load().operators.get(username)
    return op is not None and op.must_change


def list_operators(ctx: AppContext) -> list[OperatorView]:
    ctx.require("operators")
    store, _ = _store(ctx)
    return [_view(o) for o in sorted(store.load().operators.values(),
                                     key=lambda o: o.username)]


def _view(op: Operator) -> OperatorView:
    return OperatorView(op.username, op.display_name, tuple(sorted(r.value for r in op.roles)),
                        op.disabled, op.must_change, op.failures, op.locked_for(utc_now()))


def login(ctx: AppContext, username: str, password: str, *,
          hours: float = 8.0, out: Path | None = None) -> tuple[SignedIn, Path]:
    """Sign in and write a session token (0600) that expires after ``hours``."""
    if not 0 < hours <= sessions.MAX_LIFETIME.total_seconds() / 3600:
        raise UserError(code="session.too-long", params={
            "hours": int(sessions.MAX_LIFETIME.total_seconds() // 3600)})
    who = sign_in(ctx, username, password)
    store, ring = _store(ctx)
    state = store.load()
    op = state.operators[who.username]
    if op.must_change:
        raise SignInError(code="signin.must-change-password",
                          params={"username": op.username})
    claims = sessions.Claims(op.username, op.epoch, state.store_id,
                             utc_now() + timedelta(hours=hours))
    token = sessions.issue(session_key(ring), claims,
                           None if who.release is None else who.release.key)
    path = out if out is not None else token_path(ctx.accounts_dir)
    sessions.write_token_file(path, token)
    return who, path


def logout(ctx: AppContext) -> bool:
    """Remove this data folder's session token (True: there was one)."""
    path = token_path(ctx.accounts_dir)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
