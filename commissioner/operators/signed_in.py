"""Who is signed in on this run, and what their roles allow."""

from __future__ import annotations

from dataclasses import dataclass

from commissioner.operators.roles import Role, may_start
from commissioner.secrets.vault import ReleaseKey

TRAINEE_NAME = "trainee (training)"


@dataclass(frozen=True, slots=True)
class SignedIn:
    username: str
    display_name: str
    roles: frozenset[Role]
    release: ReleaseKey | None = None  # None: the roles need no job secrets
    training: bool = False  # the training site's trainee, signed in without a password

    def may(self, workflow: str) -> bool:
        return may_start(self.roles, workflow)

    @property
    def audit_name(self) -> str:
        """How audit entries and jobs name this operator (the account, not typed text)."""
        return TRAINEE_NAME if self.training else self.username

    def __repr__(self) -> str:
        return f"SignedIn({self.username!r}, roles={sorted(self.roles)})"
