"""Roles and the workflows each one starts (R3-7: access rights per staff member)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from commissioner.operators.invalid_value import InvalidValueError


class Role(StrEnum):
    INSTALLER = "installer"
    TECHNICIAN = "technician"  # resale technician
    SUPPORT = "support"
    ADMINISTRATOR = "administrator"


ALL_ROLES: Final = tuple(Role)

# workflow -> roles that may start it. The application layer asks this table once per use case.
WORKFLOWS: Final[dict[str, frozenset[Role]]] = {
    "job.new": frozenset({Role.INSTALLER}),
    "job.level": frozenset({Role.INSTALLER}),
    "scan": frozenset({Role.INSTALLER, Role.TECHNICIAN, Role.SUPPORT}),
    "certify": frozenset({Role.INSTALLER}),
    "labels": frozenset({Role.INSTALLER}),
    "onboard": frozenset({Role.INSTALLER}),
    "commission": frozenset({Role.INSTALLER}),
    "firmware": frozenset({Role.INSTALLER}),
    "handover": frozenset({Role.INSTALLER}),
    "resale": frozenset({Role.TECHNICIAN}),
    "wipe": frozenset({Role.TECHNICIAN}),
    "verify": frozenset({Role.SUPPORT}),
    "remediate": frozenset({Role.SUPPORT}),
    "bundle.import": frozenset({Role.SUPPORT}),
    "bundle.export": frozenset({Role.INSTALLER, Role.SUPPORT}),
    "job.purge": frozenset({Role.INSTALLER, Role.SUPPORT}),
    "operators": frozenset({Role.ADMINISTRATOR}),
}

# Roles whose workflows read job secrets: only these get the key that releases per-job keys.
SECRET_ROLES: Final = frozenset({Role.INSTALLER, Role.TECHNICIAN, Role.SUPPORT})


def parse_roles(values: object) -> frozenset[Role]:
    """Roles from text (``installer,support``) or a list; ValueError on an unknown one."""
    items = values.split(",") if isinstance(values, str) else list(values)  # type: ignore[call-overload]
    out: set[Role] = set()
    for item in items:
        text = str(item).strip().lower()
        if text in ("resale", "resale-technician", "resale_technician"):
            text = Role.TECHNICIAN.value
        if text in ("admin",):
            text = Role.ADMINISTRATOR.value
        try:
            out.add(Role(text))
        except ValueError:
            raise InvalidValueError(code="operator.unknown-role", params={
                "role": item, "roles": ", ".join(r.value for r in Role)}) from None
    if not out:
        raise InvalidValueError(code="operator.no-role")
    return frozenset(out)


def may_start(roles: frozenset[Role], workflow: str) -> bool:
    return bool(roles & WORKFLOWS[workflow])
