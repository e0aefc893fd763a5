from __future__ import annotations

from fastapi import APIRouter

from ..access import reach, read_as
from ..deps import Caller, Db, Now, Paging
from . import service
from .schemas import ConcernCreate, ConcernRead, SafetyPlanCreate, SafetyPlanRead

router = APIRouter(prefix="/participants/{participant_id}", tags=["safety"])


@router.post("/safety-concerns", status_code=201)
def raise_concern(participant_id: str, body: ConcernCreate, caller: Caller, db: Db, now: Now) -> ConcernRead:
    """A peer raises a concern: the note stays here; the event carries the category and a link id."""
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return ConcernRead.model_validate(service.raise_concern(session=session, caller=caller, reach=found,
                                                                data=body, clock=now))


@router.get("/safety-concerns")
def list_concerns(participant_id: str, caller: Caller, db: Db, now: Now, page: Paging) -> list[ConcernRead]:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return [read_as(ConcernRead, c, found) for c in page.slice(service.list_concerns(session=session, reach=found))]


@router.post("/safety-plans", status_code=201)
def update_plan(participant_id: str, body: SafetyPlanCreate, caller: Caller, db: Db, now: Now) -> SafetyPlanRead:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return service.read_plan(service.update_plan(session=session, caller=caller, reach=found, data=body,
                                                     clock=now), found)


@router.get("/safety-plan")
def read_plan(participant_id: str, caller: Caller, db: Db, now: Now, program_id: str | None = None,
              version: int | None = None) -> SafetyPlanRead:
    """A program's latest plan (or a given version): what the escalation service shows the clinician on
    a case of that program. Without ``program_id``: the latest plan of a program the caller may read."""
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        plan = service.get_plan(session=session, reach=found, program_id=program_id, version=version)
        return service.read_plan(plan, found)
