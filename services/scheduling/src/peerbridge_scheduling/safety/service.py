from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.safety import SafetyConcernRaised, SafetyPlanUpdated
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, not_found

from ..access import Reach
from ..deps import Clock, publish
from ..participants.models import Participant
from ..participants.service import enrolled_program, own_clinician
from .models import SafetyConcern, SafetyPlan
from .schemas import ConcernCreate, SafetyPlanCreate, SafetyPlanRead, SafetyPlanSteps


def raise_concern(*, session: Session, caller: Identity, reach: Reach, data: ConcernCreate,
                  clock: Clock) -> SafetyConcern:
    participant = reach.participant
    program_id = enrolled_program(session=session, caller=caller, reach=reach, program_id=data.program_id).id
    if data.raised_at > clock():
        raise Problem(422, "a concern cannot be raised in the future", field="body.raised_at", rule="not_future")
    immediate = data.immediate_danger or data.category.value == "immediate_danger"
    concern = SafetyConcern(organization_id=caller.organization_id, participant_id=participant.id,
                            program_id=program_id, raised_by=caller.actor,
                            **data.model_dump(exclude={"program_id", "immediate_danger"}), immediate_danger=immediate)
    session.add(concern)
    session.flush()
    publish(session, caller, SafetyConcernRaised(
        participant_id=participant.id, concern_id=concern.id, program_id=program_id, category=data.category,
        immediate_danger=immediate, peer_with_person=data.peer_with_person, raised_by=caller.actor,
        raised_at=data.raised_at, clinician_id=own_clinician(session=session, participant_id=participant.id,
                                                             program_id=program_id)), clock)
    return concern


def update_plan(*, session: Session, caller: Identity, reach: Reach, data: SafetyPlanCreate,
                clock: Clock) -> SafetyPlan:
    """A new version of the program's plan (the previous ones stay as they were)."""
    participant = reach.participant
    program_id = enrolled_program(session=session, caller=caller, reach=reach, program_id=data.program_id).id
    session.execute(select(Participant.id).where(Participant.id == participant.id).with_for_update())
    latest = session.scalar(select(func.max(SafetyPlan.version)).where(SafetyPlan.participant_id == participant.id,
                                                                      SafetyPlan.program_id == program_id))
    steps = SafetyPlanSteps.model_validate(data.model_dump(exclude={"program_id"}))
    plan = SafetyPlan(organization_id=caller.organization_id, participant_id=participant.id, program_id=program_id,
                      version=(latest or 0) + 1, steps=steps.model_dump(), updated_by=caller.actor,
                      updated_at=clock())
    session.add(plan)
    session.flush()
    publish(session, caller, SafetyPlanUpdated(
        participant_id=participant.id, safety_plan_id=plan.id, program_id=program_id, version=plan.version,
        steps_completed=steps.completed_steps(), updated_by=caller.actor, updated_at=plan.updated_at), clock)
    return plan


def get_plan(*, session: Session, reach: Reach, program_id: str | None, version: int | None) -> SafetyPlan:
    """The plan of ``program_id`` (default: the latest one the caller may read), latest or ``version``."""
    participant = reach.participant
    if program_id is not None and not reach.can_read(program_id):
        raise not_found("query.program_id", "safety plan of program", program_id)
    query = select(SafetyPlan).where(SafetyPlan.participant_id == participant.id, reach.readable(SafetyPlan.program_id))
    if program_id is None and version:
        program_id = session.scalar(query.with_only_columns(SafetyPlan.program_id)
                                    .order_by(SafetyPlan.updated_at.desc()).limit(1))
    if program_id is not None:
        query = query.where(SafetyPlan.program_id == program_id)
    query = query.where(SafetyPlan.version == version) if version else \
        query.order_by(SafetyPlan.updated_at.desc(), SafetyPlan.version.desc())
    plan = session.scalars(query.limit(1)).first()
    if plan is None:
        raise not_found("query.version" if version else "path.participant_id", "safety plan",
                        f"{participant.id} v{version}" if version else participant.id)
    return plan


def read_plan(plan: SafetyPlan, reach: Reach) -> SafetyPlanRead:
    steps = SafetyPlanSteps.model_validate(plan.steps)
    return SafetyPlanRead(id=plan.id, participant_id=plan.participant_id, program_id=plan.program_id,
                          version=plan.version, steps=steps, completed_steps=steps.completed_steps(),
                          updated_by=plan.updated_by, updated_at=plan.updated_at,
                          redisclosure_notice=reach.notice(plan.program_id))


def list_concerns(*, session: Session, reach: Reach) -> list[SafetyConcern]:
    return list(session.scalars(select(SafetyConcern).where(SafetyConcern.participant_id == reach.participant.id,
                                                            reach.readable(SafetyConcern.program_id))
                                .order_by(SafetyConcern.raised_at)))
