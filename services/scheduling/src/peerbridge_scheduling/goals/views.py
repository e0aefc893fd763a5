from __future__ import annotations

from fastapi import APIRouter

from ..access import reach, read_as
from ..deps import Caller, Db, Now, Paging
from . import service
from .schemas import GoalCreate, GoalRead, StatusChange

router = APIRouter(tags=["goals"])


@router.post("/participants/{participant_id}/goals", status_code=201)
def create_goal(participant_id: str, body: GoalCreate, caller: Caller, db: Db, now: Now) -> GoalRead:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return GoalRead.model_validate(service.create_goal(session=session, caller=caller, reach=found, data=body,
                                                           clock=now))


@router.get("/participants/{participant_id}/goals")
def list_goals(participant_id: str, caller: Caller, db: Db, now: Now, page: Paging) -> list[GoalRead]:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return [read_as(GoalRead, g, found) for g in page.slice(service.list_goals(session=session, reach=found))]


@router.post("/goals/{goal_id}/status")
def change_status(goal_id: str, body: StatusChange, caller: Caller, db: Db, now: Now) -> GoalRead:
    """Move a goal to a new status; every change is kept in its history."""
    with db.transaction() as session:
        goal = service.get_goal(session=session, caller=caller, goal_id=goal_id, now=now())
        return GoalRead.model_validate(service.change_status(session=session, caller=caller, goal=goal, data=body,
                                                             clock=now))
