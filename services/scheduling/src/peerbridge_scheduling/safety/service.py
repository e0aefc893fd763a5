from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.safety import SafetyConcernRaised, SafetyPlanUpdated
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, not_found

from ..deps import Clock, publish
from ..participants.models import Participant
from ..participants.service import enrolled_program, own_clinician
from .models import SafetyConcern, SafetyPlan
from .schemas import ConcernCreate, SafetyPlanCreate, SafetyPlanRead, SafetyPlanSteps


def raise_concern(*, session: Session, caller: Identity, participant: Participant, data: ConcernCreate,
                  clock: Clock) -> SafetyConcern:
    program_id = enrolled_program(session=session, caller=caller, participant=participant,
                                  program_id=data.program_id).id
    if data.raised_at > clock():
        raise Problem(422, "a concern cannot be raised in the future", field="body.raised_at", rule="not_future")
    immediate = data.immediate_danger or data.category.value == "immediate_danger"
    concern = SafetyConcern(organization_id=caller.organization_id, participant_id=participant.id,
                            program_id=program_id, raised_by=caller.user_id,
                            **data.model_dump(exclude={"program_id", "immediate_danger"}), immediate_danger=immediate)
    session.add(concern)
    session.flush()
    publish(session, caller, SafetyConcernRaised(
        participant_id=participant.id, concern_id=concern.id, program_id=program_id, category=data.category,
        immediate_danger=immediate, peer_with_person=data.peer_with_person, raised_by=caller.user_id,
        raised_at=data.raised_at, clinician_id=own_clinician(session=session, participant_id=participant.id,
                                                             program_id=program_id)), clock)
    return concern


def update_plan(*, session: Session, caller: Identity, participant: Participant, data: SafetyPlanCreate,
                clock: Clock) -> SafetyPlan:
    """A new version of the plan (the previous ones stay as they were)."""
    program_id = enrolled_program(session=session, caller=caller, participant=participant,
                                  program_id=data.program_id).id
    session.execute(select(Participant.id).where(Participant.id == participant.id).with_for_update())
    latest = session.scalar(select(func.max(SafetyPlan.version)).where(SafetyPlan.participant_id == participant.id))
    steps = SafetyPlanSteps.model_validate(data.model_dump(exclude={"program_id"}))
    plan = SafetyPlan(organization_id=caller.organization_id, participant_id=participant.id, program_id=program_id,
                      version=(latest or 0) + 1, steps=steps.model_dump(), updated_by=caller.user_id,
                      updated_at=clock())
    session.add(plan)
    session.flush()
    publish(session, caller, SafetyPlanUpdated(
        participant_id=participant.id, safety_plan_id=plan.id, program_id=program_id, version=plan.version,
        steps_completed=steps.completed_steps(), updated_by=caller.user_id, updated_at=plan.updated_at), clock)
    return plan


def get_plan(*, session: Session, participant: Participant, version: int | None) -> SafetyPlan:
    query = select(SafetyPlan).where(SafetyPlan.participant_id == participant.id)
    query = query.where(SafetyPlan.version == version) if version else query.order_by(SafetyPlan.version.desc())
    plan = session.scalars(query.limit(1)).first()
    if plan is None:
        raise not_found("query.version" if version else "path.participant_id", "safety plan",
                        f"{participant.id} v{version}" if version else participant.id)
    return plan


def read_plan(plan: SafetyPlan) -> SafetyPlanRead:
    steps = SafetyPlanSteps.model_validate(plan.steps)
    return SafetyPlanRead(id=plan.id, participant_id=plan.participant_id, program_id=plan.program_id,
                          version=plan.version, steps=steps, completed_steps=steps.completed_steps(),
                          updated_by=plan.updated_by, updated_at=plan.updated_at)


def list_concerns(*, session: Session, participant: Participant) -> list[SafetyConcern]:
    return list(session.scalars(select(SafetyConcern).where(SafetyConcern.participant_id == participant.id)
                                .order_by(SafetyConcern.raised_at)))
