"""The routing ladder: who is paged at each level, when the case climbs, and the durable timers.

Entering a level pages every target of that level at once (in-app: an event the gateway pushes;
out of band: a notification through the clinician's first verified contact method). A level that resolves to nobody is
reported (audit and an escalated event with reason ``no_recipient``) and the case climbs at once;
it is never skipped silently. The last level keeps being re-paged until someone acknowledges.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database, database_unreachable, new_id, queue_insert
from peerbridge_shared.events.escalation import (
    EscalationBreached,
    EscalationEscalated,
    EscalationNotified,
    EscalationReason,
    RiskLevel,
)

from ..audit.service import append
from ..cases.models import Case, ParticipantCare
from ..configuration import remembered
from ..policy import Level
from ..publishing import publish
from ..retry import LOOP_ERRORS, RetryPolicy, describe
from ..rosters.models import ClinicianContact, ProgramContacts
from ..rosters.service import on_call
from .models import Notification, Step

SYSTEM = "system:escalation"
PENDING, DONE, CANCELLED, FAILED = "pending", "done", "cancelled", "failed"
log = logging.getLogger(__name__)
RETRY_NOBODY = timedelta(minutes=1)


def resolve(session: Session, case: Case, target: str, at: datetime) -> list[str]:
    """The clinicians a target names for this case at this instant (possibly none)."""
    if target == "own_clinician":
        care = session.get(ParticipantCare, (case.organization_id, case.participant_id, case.program_id))
        return [care.clinician_id] if care and care.clinician_id else []
    if target == "on_call":
        who, _ = on_call(session, case.organization_id, case.program_id, at)
        return [who] if who else []
    contacts = session.get(ProgramContacts, (case.organization_id, case.program_id))
    if contacts is None:
        return []
    return [contacts.supervisor_id if target == "supervisor" else contacts.medical_director_id]


def _levels(case: Case) -> list[Level]:
    return case.policy_snapshot().risks[RiskLevel(case.risk_level)].levels


def cancel_pending(session: Session, case: Case) -> None:
    """Stop every pending timer and notification of the case (acknowledge, upgrade, resolve)."""
    session.execute(update(Step).where(Step.case_id == case.id, Step.status == PENDING).values(status=CANCELLED))
    session.execute(update(Notification).where(Notification.case_id == case.id, Notification.status == PENDING)
                    .values(status=CANCELLED))


def page_clinician(session: Session, case: Case, clinician: str, now: datetime) -> None:
    """In-app (the event the gateway pushes) and the clinician's first verified contact method."""
    level = case.current_level
    publish(session, case, EscalationNotified(**case.event_fields(), level=level, recipient_id=clinician,
                                               channel="in_app", notified_at=now), now)
    contact = first_verified_contact(session, case.organization_id, clinician)
    if contact is not None:  # the first method; the delivery worker falls back to the next on failure
        channel, address = contact
        queue_insert(session, Notification.__table__, {
            "id": new_id(), "organization_id": case.organization_id, "case_id": case.id, "level": level,
            "clinician_id": clinician, "round_id": str(uuid.uuid4()), "channel": channel, "address": address})


def first_verified_contact(session: Session, organization_id: str, clinician: str) -> tuple[str, str] | None:
    """The clinician's first verified method (channel, address), if any."""
    def load() -> tuple[str, str] | None:
        contact = session.scalars(select(ClinicianContact).where(
            ClinicianContact.organization_id == organization_id, ClinicianContact.clinician_id == clinician,
            ClinicianContact.verified).order_by(ClinicianContact.priority, ClinicianContact.channel)).first()
        return (contact.channel, contact.address) if contact else None

    return remembered(session, ("first_contact", organization_id, clinician), load)


def page(session: Session, case: Case, level: int, now: datetime) -> list[str]:
    """Page every target of ``level``; returns the clinicians paged (empty: nobody to page)."""
    targets = _levels(case)[level].targets
    recipients = list(dict.fromkeys(c for target in targets for c in resolve(session, case, target, now)))
    for clinician in recipients:
        page_clinician(session, case, clinician, now)
    append(session, organization_id=case.organization_id, case_id=case.id, action="level.paged", actor=SYSTEM,
           detail={"level": level, "recipients": recipients}, at=now)
    return recipients


def enter_level(session: Session, case: Case, level: int, now: datetime) -> None:
    """Make ``level`` current: page it and set its timers; climb at once when it reaches nobody."""
    levels = _levels(case)
    while True:
        last = level >= len(levels) - 1
        level = min(level, len(levels) - 1)
        case.current_level = level
        if page(session, case, level, now):
            break
        append(session, organization_id=case.organization_id, case_id=case.id, action="level.nobody", actor=SYSTEM,
               detail={"level": level, "targets": levels[level].targets}, at=now)
        if last:  # nobody anywhere: try the last level again shortly, and keep saying so
            add_timer(session, case, "page", level, now + RETRY_NOBODY)
            return
        publish(session, case, EscalationEscalated(**case.event_fields(), from_level=level, to_level=level + 1,
                                                    reason=EscalationReason.NO_RECIPIENT, escalated_at=now), now)
        level += 1
    spec = levels[level]
    window = timedelta(minutes=spec.acknowledge_minutes)
    for repeat in range(1, spec.repeats + 1):
        add_timer(session, case, "page", level, now + window * repeat / (spec.repeats + 1))
    add_timer(session, case, "deadline", level, now + window)


def add_timer(session: Session, case: Case, kind: str, level: int, due_at: datetime) -> None:
    """A pending step (queued with the transaction's other rows: docs/benchmarks.md)."""
    queue_insert(session, Step.__table__, {"organization_id": case.organization_id, "case_id": case.id,
                                           "kind": kind, "level": level, "due_at": due_at})


def climb_unreachable(session: Session, case: Case, now: datetime) -> bool:
    """Nobody of the current level can be reached out of band (every contact method failed): climb
    now, as for a level that resolves to nobody, unless this is the last level (its re-pages go on)."""
    level = case.current_level
    if level >= len(_levels(case)) - 1:
        return False
    append(session, organization_id=case.organization_id, case_id=case.id, action="level.unreachable",
           actor=SYSTEM, detail={"level": level}, at=now)
    session.execute(update(Step).where(Step.case_id == case.id, Step.status == PENDING).values(status=CANCELLED))
    publish(session, case, EscalationEscalated(**case.event_fields(), from_level=level, to_level=level + 1,
                                                reason=EscalationReason.NO_RECIPIENT, escalated_at=now), now)
    enter_level(session, case, level + 1, now)
    return True


def fire(session: Session, step: Step, now: datetime) -> None:
    case = session.scalars(select(Case).where(Case.id == step.case_id).with_for_update()).one()
    if case.status != "open" or step.level != case.current_level:
        step.status = CANCELLED
        return
    if step.kind == "page":
        if not page(session, case, step.level, now):
            enter_level(session, case, step.level + 1, now)
    else:
        publish(session, case, EscalationBreached(**case.event_fields(), level=step.level, deadline=step.due_at,
                                                   breached_at=now), now)
        append(session, organization_id=case.organization_id, case_id=case.id, action="level.breached",
               actor=SYSTEM, detail={"level": step.level, "deadline": step.due_at.isoformat()}, at=now)
        to_level = min(step.level + 1, len(_levels(case)) - 1)
        publish(session, case, EscalationEscalated(**case.event_fields(), from_level=step.level, to_level=to_level,
                                                    reason=EscalationReason.DEADLINE_PASSED, escalated_at=now), now)
        enter_level(session, case, step.level + 1, now)
    step.status, step.fired_at = DONE, now


STEP_RETRY = RetryPolicy(max_attempts=5, first_backoff_s=2.0, max_backoff_s=60.0)
STEPS_FAILED = Counter("peerbridge_escalation_steps_failed", "Timer steps given up on after their last try "
                       "(alert on any increase)")


def _claim_step(session: Session, now: datetime, step_id: int | None = None) -> Step | None:
    query = select(Step).where(Step.status == PENDING, Step.due_at <= now,
                               or_(Step.retry_at.is_(None), Step.retry_at <= now))
    if step_id is not None:
        query = query.where(Step.id == step_id)
    return session.scalars(query.order_by(Step.due_at).limit(1).with_for_update(skip_locked=True)).first()


def _record_step_error(database: Database, step_id: int, error: BaseException, policy: RetryPolicy,
                       now: datetime) -> None:
    with database.transaction() as session:
        step = _claim_step(session, now, step_id)
        if step is None:
            return
        step.attempts += 1
        step.last_error = describe(error)
        if policy.exhausted(step.attempts):
            step.status = FAILED
            STEPS_FAILED.inc()
            log.error("escalation step parked after its last try", extra={"step_id": step.id, "case_id": step.case_id,
                                                                          "error": step.last_error})
        else:
            step.retry_at = policy.next_attempt(step.attempts, now)


def _fire_claimed(database: Database, now: datetime, worker: str, policy: RetryPolicy) -> int | None:
    """Claim and fire one due step in its own transaction; None when none is due. An unexpected
    error is recorded on that step (which then backs off) and never stops the loop."""
    step_id = None
    try:
        with database.transaction() as session:
            step = _claim_step(session, now)
            if step is None:
                return None
            step_id = step.id
            fire(session, step, now)
            step.fired_by = worker
            return step_id
    except Exception as exc:  # noqa: BLE001 - the bulkhead around one step
        if database_unreachable(exc) or step_id is None:
            raise
        LOOP_ERRORS.labels("timers").inc()
        log.exception("escalation step failed", extra={"step_id": step_id})
        _record_step_error(database, step_id, exc, policy, now)
        return -1


def fire_due(database: Database, now: datetime, worker: str, policy: RetryPolicy = STEP_RETRY) -> int:
    """Fire every step due by ``now``; each in its own transaction, claimed with SKIP LOCKED so
    several timer loops (and the watchdog) never fire the same step twice. A step that fails backs
    off (``retry_at``) and is parked after its last try; returns how many steps fired."""
    fired = 0
    while True:
        outcome = _fire_claimed(database, now, worker, policy)
        if outcome is None:
            return fired
        fired += outcome != -1
        heartbeat.beat()  # a long backlog is progress, not a stuck loop
