"""How far a caller reaches into participant-level data, and who a record may name as having acted.

One rule for every service that keeps participant-level data (scheduling's records, escalation's
cases), applied where the data lives whatever the gateway checked first:

| role | programs reached | further limited to |
|---|---|---|
| program_admin | every program of the organization (or the token's ``programs``, when it names any) | |
| clinician | the token's ``programs`` (none named: none) | |
| supervisor | the token's ``programs`` (none named: none) | participants of the peers they supervise (scheduling) |
| peer | the token's ``programs`` (none named: any) | participants assigned to them (scheduling) |
| funder, platform_admin | none | |

42 CFR Part 2 narrows this further in scheduling (``peerbridge_scheduling.access``): a Part 2
program's records are seen inside that program only, unless a disclosure consent names the reader's
program.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

from .identity import Identity, Role
from .web import Problem

CARE_ROLES = frozenset({Role.PROGRAM_ADMIN, Role.CLINICIAN, Role.SUPERVISOR, Role.PEER})
CASE_ROLES = frozenset({Role.PROGRAM_ADMIN, Role.CLINICIAN, Role.SUPERVISOR})
"""Who sees escalation cases (and their real-time events): never peers, funders or platform admins."""


@dataclass(frozen=True)
class ProgramScope:
    every_program: bool
    programs: frozenset[str]

    def reaches(self, program_id: str) -> bool:
        return self.every_program or program_id in self.programs

    def clause(self, column: ColumnElement) -> ColumnElement[bool]:
        """A SQL condition on a program id column: true for the programs reached."""
        if self.every_program:
            return true()
        return column.in_(sorted(self.programs)) if self.programs else false()


def program_scope(caller: Identity, roles: Iterable[Role] = CARE_ROLES) -> ProgramScope:
    """The programs whose participant-level data the caller reaches through any of ``roles`` (the
    roles a service opens that data to), the widest of the caller's roles winning."""
    every, programs = False, set()
    named = caller.programs or frozenset()
    for role in caller.roles & set(roles):
        if role in (Role.PROGRAM_ADMIN, Role.PEER) and not named:
            every = True
        elif role in (Role.PROGRAM_ADMIN, Role.PEER, Role.CLINICIAN, Role.SUPERVISOR):
            programs |= named
    return ProgramScope(every, frozenset(programs))


def acting_person(caller: Identity, named: str | None, field: str) -> str:
    """The person a record names as having acted: the caller (or whom a program admin acts for).
    Naming anyone else is refused, whatever the caller's role."""
    if named is None or named == caller.actor:
        return caller.actor
    raise Problem(403, f"{field} must be you ({caller.actor}); a program admin records for someone else with "
                       "X-On-Behalf-Of", field=field, rule="actor_is_caller")


def in_person(caller: Identity, person: str, field: str, what: str) -> None:
    """Acts only the person may do themselves (signing, co-signing): never on someone's behalf."""
    if caller.on_behalf_of is not None or caller.user_id != person:
        raise Problem(403, f"only {person} may {what}", field=field, rule="in_person")


def require_role(caller: Identity, *roles: Role, what: str) -> None:
    """Refuse (403) a caller holding none of ``roles``, whatever reached the service."""
    if not caller.has_any(*roles):
        raise Problem(403, f"only a {' or '.join(sorted(roles))} may {what}", rule="role")
