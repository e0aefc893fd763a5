from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime

from peerbridge_shared.deps import Caller, Db, Now, Paging

from ..policy import Policy
from . import policy_service, service
from .models import Roster
from .schedule import RosterDefinition
from .schemas import OnCall, ProgramContactsSet, RosterPublish, RosterRead

router = APIRouter(tags=["on-call"])


@router.put("/programs/{program_id}/escalation-contacts")
def set_program_contacts(program_id: str, body: ProgramContactsSet, caller: Caller, db: Db, now: Now
                         ) -> ProgramContactsSet:
    """The program's supervisor and medical director (the last ladder levels); both must be reachable."""
    with db.transaction() as session:
        service.set_program_contacts(session=session, caller=caller, program_id=program_id, data=body, clock=now)
    return body


@router.put("/programs/{program_id}/escalation-policy")
def set_policy(program_id: str, body: Policy, caller: Caller, db: Db, now: Now) -> Policy:
    """Levels, acknowledge deadlines and repeats per risk level. Running cases keep the policy they
    opened with."""
    with db.transaction() as session:
        return policy_service.set_policy(session=session, caller=caller, program_id=program_id, policy=body,
                                         clock=now)


@router.get("/programs/{program_id}/escalation-policy")
def read_policy(program_id: str, caller: Caller, db: Db) -> Policy:
    with db.transaction() as session:
        return policy_service.policy_for(session, caller.organization_id, program_id)


@router.post("/rosters", status_code=201,
             responses={422: {"description": "a coverage gap or an unreachable clinician"}})
def publish_roster(body: RosterPublish, caller: Caller, db: Db, now: Now) -> RosterRead:
    with db.transaction() as session:
        return _read(service.publish_roster(session=session, caller=caller, data=body, clock=now))


@router.get("/programs/{program_id}/rosters")
def published_rosters(program_id: str, caller: Caller, db: Db, page: Paging) -> list[RosterRead]:
    """The program's published rosters, newest version first."""
    with db.transaction() as session:
        return [_read(roster) for roster in service.published_rosters(session, caller.organization_id, program_id,
                                                                      page)]


def _read(roster: Roster) -> RosterRead:
    return RosterRead(id=roster.id, program_id=roster.program_id, version=roster.version,
                      published_at=roster.published_at, published_by=roster.published_by,
                      definition=RosterDefinition.model_validate(roster.definition))


@router.get("/programs/{program_id}/on-call")
def who_is_on_call(program_id: str, caller: Caller, db: Db, now: Now, at: AwareDatetime | None = None) -> OnCall:
    moment: datetime = at or now()
    with db.transaction() as session:
        clinician, version = service.on_call(session, caller.organization_id, program_id, moment)
    return OnCall(program_id=program_id, at=moment, clinician_id=clinician, roster_version=version)
