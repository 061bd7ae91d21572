"""Who the current run acts for: the session behind :meth:`AppContext.signed_in`.

In order: the operator the face signed in (the GUI's sign-in window); else a CLI session token
(``COMMISSIONER_SESSION``: the token or its file; else ``session.token`` in the installation's
data folder, written by ``commissioner login``); else, at a training site only, the trainee
(roles installer, resale technician and support, never administrator; named
``trainee (training)`` in every audit entry, and its jobs' secrets sealed under the training
release key, which opens no field job). A field site without a session has nobody signed in:
every workflow then refuses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from commissioner.errors import UserError
from commissioner.operators.keyring_items import OsKeyring, session_key, training_release_key
from commissioner.operators.roles import SECRET_ROLES, WORKFLOWS, Role
from commissioner.operators.sessions import SessionError, read, token_from
from commissioner.operators.signed_in import SignedIn
from commissioner.operators.store import OperatorStore, utc_now
from commissioner.secrets.vault import ReleaseKey

SESSION_ENV: Final = "COMMISSIONER_SESSION"
TOKEN_FILE: Final = "session.token"  # noqa: S105 - a file name
TRAINEE_ROLES: Final = frozenset({Role.INSTALLER, Role.TECHNICIAN, Role.SUPPORT})


class SignInRequiredError(UserError):
    """Nobody is signed in, or the signed-in operator's roles do not start this workflow."""


def token_path(accounts_dir: Path) -> Path:
    return Path(accounts_dir) / TOKEN_FILE


def session_from_token(accounts_dir: Path) -> SignedIn | None:
    """The operator of the CLI session token, checked against the operator store."""
    value = os.environ.get(SESSION_ENV, "").strip()
    if not value:
        path = token_path(accounts_dir)
        if not path.exists():
            return None
        value = str(path)
    token = token_from(value)
    ring = OsKeyring()
    claims, release = read(session_key(ring), token, utc_now())
    state = OperatorStore(accounts_dir, ring).load()
    op = state.operators.get(claims.username)
    if state.store_id != claims.store_id or op is None:
        raise SessionError(code="session.other-store")
    if op.disabled:
        raise SessionError(code="signin.disabled", params={"username": op.username})
    if op.epoch != claims.epoch:
        raise SessionError(code="session.ended", params={"username": op.username})
    key = ReleaseKey("field", release) if release is not None else None
    return SignedIn(op.username, op.display_name, op.roles, key)


def trainee() -> SignedIn:
    return SignedIn("trainee", "trainee (training)", TRAINEE_ROLES, None, training=True)


def release_of(who: SignedIn | None) -> ReleaseKey | None:
    """The release key the operator holds (the trainee's comes from the keyring)."""
    if who is None or not who.roles & SECRET_ROLES:
        return None
    if who.training:
        return ReleaseKey("training", training_release_key(OsKeyring()))
    return who.release


def require(who: SignedIn | None, workflow: str) -> SignedIn:
    """The signed-in operator if their roles start ``workflow``; else a clear refusal."""
    allowed = WORKFLOWS[workflow]
    names = ", ".join(sorted(r.value for r in allowed))
    if who is None:
        raise SignInRequiredError(code="signin.required", params={
            "workflow": workflow, "roles": names, "env": SESSION_ENV}, exit_code=3)
    if not who.may(workflow):
        raise SignInRequiredError(code="signin.role-lacks-workflow", params={
            "username": who.username, "workflow": workflow, "roles": names,
            "yours": ", ".join(sorted(r.value for r in who.roles))}, exit_code=3)
    return who
