from __future__ import annotations

from fastapi import APIRouter

from ..deps import Caller, Db, Now
from ..participants.service import get_participant
from . import service
from .schemas import GoalCreate, GoalRead, StatusChange

router = APIRouter(tags=["goals"])


@router.post("/participants/{participant_id}/goals", status_code=201)
def create_goal(participant_id: str, body: GoalCreate, caller: Caller, db: Db, now: Now) -> GoalRead:
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return GoalRead.model_validate(service.create_goal(session=session, caller=caller, participant=participant,
                                                           data=body, clock=now))


@router.get("/participants/{participant_id}/goals")
def list_goals(participant_id: str, caller: Caller, db: Db) -> list[GoalRead]:
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return [GoalRead.model_validate(g) for g in service.list_goals(session=session, participant=participant)]


@router.post("/goals/{goal_id}/status")
def change_status(goal_id: str, body: StatusChange, caller: Caller, db: Db, now: Now) -> GoalRead:
    """Move a goal to a new status; every change is kept in its history."""
    with db.transaction() as session:
        goal = service.get_goal(session=session, organization_id=caller.organization_id, goal_id=goal_id)
        return GoalRead.model_validate(service.change_status(session=session, caller=caller, goal=goal, data=body,
                                                             clock=now))
