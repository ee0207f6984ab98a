"""Roles and what each may do. The web layer checks these before a route runs and the services
check them again before they write, so a forgotten route check cannot open a hole."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SURGEON = "surgeon"
    ONCOLOGIST = "oncologist"
    RADIOLOGIST = "radiologist"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    #: Reads cases, assessments and decisions; changes nothing, exports nothing.
    RESEARCHER = "researcher"


class Permission(StrEnum):
    VIEW = "view"
    EDIT = "edit"  # create and change cases
    MEETINGS = "meetings"  # create meetings, put cases on a meeting's list
    DECIDE = "decide"  # record the MDT decision
    EXPORT = "export"  # decision letters / PDFs
    ADMIN = "admin"  # users, audit log, deletion


_CLINICAL = frozenset(
    {Permission.VIEW, Permission.EDIT, Permission.MEETINGS, Permission.DECIDE, Permission.EXPORT}
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SURGEON: _CLINICAL,
    Role.ONCOLOGIST: _CLINICAL,
    Role.RADIOLOGIST: _CLINICAL,
    Role.COORDINATOR: _CLINICAL,
    Role.ADMIN: _CLINICAL | {Permission.ADMIN},
    Role.RESEARCHER: frozenset({Permission.VIEW}),
}


def permissions_of(role: Role | str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[Role(role)]
