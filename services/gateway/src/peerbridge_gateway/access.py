"""Who may call a route, and how far their view reaches.

Each route grants roles a scope. A caller with several roles gets the widest scope any of them
grants; a caller with none of the route's roles is refused (403). Narrower scopes are checked
against the route's owner (see ``scoping.py``): a peer sees only their caseload, clinicians and
supervisors only the programs their token names.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum

from peerbridge_shared.identity import Identity, Role


class Scope(IntEnum):
    OWN = 1
    """A peer's caseload and sessions; the caller's own records."""
    PROGRAMS = 2
    """Records of the programs named in the caller's token."""
    ORGANIZATION = 3
    """Every record of the caller's organization."""


class Owner(StrEnum):
    """What a narrower scope is checked against."""

    NONE = "none"
    PARTICIPANT = "participant"  # path participant_id: the participant's enrollments (program, peer)
    SESSION = "session"  # path session_id: the session's program and peers
    CONTACT = "contact"  # path contact_id: the contact note's program and peer
    PROGRAM = "program"  # path program_id: one of the caller's programs
    SELF = "self"  # the path id is the caller's own user id
    LISTING = "listing"  # list filters: a peer's own peer_id, one of the caller's program_id values
    CASE = "case"  # escalation filters cases by the programs in the internal token


SUPPORTED: dict[Owner, frozenset[Scope]] = {
    Owner.NONE: frozenset(),
    Owner.PARTICIPANT: frozenset({Scope.OWN, Scope.PROGRAMS}),
    Owner.SESSION: frozenset({Scope.OWN, Scope.PROGRAMS}),
    Owner.CONTACT: frozenset({Scope.OWN, Scope.PROGRAMS}),
    Owner.PROGRAM: frozenset({Scope.PROGRAMS}),
    Owner.SELF: frozenset({Scope.OWN}),
    Owner.LISTING: frozenset({Scope.OWN, Scope.PROGRAMS}),
    Owner.CASE: frozenset({Scope.PROGRAMS}),
}
"""Narrower-than-organization scopes each owner kind can check (the route table test holds to it)."""

Access = Mapping[Role, Scope]

ORG = Scope.ORGANIZATION
STAFF: Access = {Role.PEER: ORG, Role.SUPERVISOR: ORG, Role.CLINICIAN: ORG, Role.PROGRAM_ADMIN: ORG,
                 Role.PLATFORM_ADMIN: ORG}
EVERYONE: Access = {**STAFF, Role.FUNDER: ORG}
ADMIN: Access = {Role.PROGRAM_ADMIN: ORG}
CARE_TEAM: Access = {Role.PROGRAM_ADMIN: ORG, Role.SUPERVISOR: Scope.PROGRAMS, Role.CLINICIAN: Scope.PROGRAMS,
                     Role.PEER: Scope.OWN}
CLINICAL: Access = {Role.PROGRAM_ADMIN: ORG, Role.SUPERVISOR: Scope.PROGRAMS, Role.CLINICIAN: Scope.PROGRAMS}
FUNDING: Access = {Role.FUNDER: ORG, Role.PROGRAM_ADMIN: ORG}


def scope_of(caller: Identity, access: Access) -> Scope | None:
    """The widest scope the caller's roles get on a route, or None: refused."""
    granted = [access[role] for role in caller.roles if role in access]
    return max(granted) if granted else None
