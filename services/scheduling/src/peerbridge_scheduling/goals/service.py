from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared.events.care import GoalStatus, GoalStatusChanged
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, not_found

from ..access import Reach, reach_record
from ..deps import Clock, publish
from ..participants.service import enrolled_program
from .models import Goal, GoalStatusEntry
from .schemas import GoalCreate, StatusChange


def _record(session: Session, caller: Identity, goal: Goal, previous: GoalStatus | None, note: str | None,
            clock: Clock) -> None:
    now = clock()
    entry = GoalStatusEntry(organization_id=goal.organization_id, goal_id=goal.id, status=goal.status, note=note,
                            changed_by=caller.actor, changed_at=now)
    session.add(entry)
    goal.history.append(entry)
    publish(session, caller, GoalStatusChanged(participant_id=goal.participant_id, goal_id=goal.id,
                                               program_id=goal.program_id, domain=goal.domain,
                                               status=GoalStatus(goal.status), previous_status=previous,
                                               changed_at=now), clock)


def create_goal(*, session: Session, caller: Identity, reach: Reach, data: GoalCreate, clock: Clock) -> Goal:
    program = enrolled_program(session=session, caller=caller, reach=reach, program_id=data.program_id)
    goal = Goal(organization_id=caller.organization_id, participant_id=reach.participant.id, program_id=program.id,
                description=data.description, domain=data.domain, target_on=data.target_on, status=data.status.value)
    session.add(goal)
    session.flush()
    _record(session, caller, goal, None, None, clock)
    return goal


def change_status(*, session: Session, caller: Identity, goal: Goal, data: StatusChange, clock: Clock) -> Goal:
    previous = GoalStatus(goal.status)
    if data.status == previous:
        raise Problem(409, f"the goal is already {previous.value}", field="body.status", rule="changes_status")
    goal.status = data.status.value
    _record(session, caller, goal, previous, data.note, clock)
    session.flush()
    return goal


def get_goal(*, session: Session, caller: Identity, goal_id: str, now: datetime) -> Goal:
    """A goal the caller may change: one of a program they work in with the participant."""
    goal = session.get(Goal, goal_id)
    if goal is None or goal.organization_id != caller.organization_id:
        raise not_found("path.goal_id", "goal", goal_id)
    reach_record(session=session, caller=caller, record=goal, now=now, field="path.goal_id", kind="goal", write=True)
    return goal


def list_goals(*, session: Session, reach: Reach) -> list[Goal]:
    return list(session.scalars(select(Goal).where(Goal.participant_id == reach.participant.id,
                                                   reach.readable(Goal.program_id)).order_by(Goal.created_at)))
