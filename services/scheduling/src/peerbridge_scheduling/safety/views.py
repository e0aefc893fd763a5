from __future__ import annotations

from fastapi import APIRouter

from ..deps import Caller, Db, Now
from ..participants.service import get_participant
from . import service
from .schemas import ConcernCreate, ConcernRead, SafetyPlanCreate, SafetyPlanRead

router = APIRouter(prefix="/participants/{participant_id}", tags=["safety"])


@router.post("/safety-concerns", status_code=201)
def raise_concern(participant_id: str, body: ConcernCreate, caller: Caller, db: Db, now: Now) -> ConcernRead:
    """A peer raises a concern: the note stays here; the event carries the category and a link id."""
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return ConcernRead.model_validate(service.raise_concern(session=session, caller=caller,
                                                                participant=participant, data=body, clock=now))


@router.get("/safety-concerns")
def list_concerns(participant_id: str, caller: Caller, db: Db) -> list[ConcernRead]:
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return [ConcernRead.model_validate(c) for c in service.list_concerns(session=session, participant=participant)]


@router.post("/safety-plans", status_code=201)
def update_plan(participant_id: str, body: SafetyPlanCreate, caller: Caller, db: Db, now: Now) -> SafetyPlanRead:
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return service.read_plan(service.update_plan(session=session, caller=caller, participant=participant,
                                                     data=body, clock=now))


@router.get("/safety-plan")
def read_plan(participant_id: str, caller: Caller, db: Db, version: int | None = None) -> SafetyPlanRead:
    """The latest plan (or a given version): what the escalation service shows the clinician on a case."""
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return service.read_plan(service.get_plan(session=session, participant=participant, version=version))
