"""The case lifecycle a clinician drives: view (audited), acknowledge, resolve. Never automatic."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from peerbridge_shared.deps import Clock, Page
from peerbridge_shared.events.escalation import EscalationAcknowledged, EscalationResolved
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.scope import CASE_ROLES, program_scope, require_role
from peerbridge_shared.web import Problem, not_found

from ..audit.models import AuditEntry
from ..audit.service import append
from ..publishing import publish
from ..routing.ladder import cancel_pending, page_clinician
from .models import ACKNOWLEDGED, OPEN, RESOLVED, Case
from .schemas import ContactMade, Reassign, Resolve

VIEWED = "case.viewed"


def _visible_to(caller: Identity):
    """The caller's organization, and of it the programs the caller reaches (``peerbridge_shared.scope``)."""
    return (Case.organization_id == caller.organization_id) & \
        program_scope(caller, CASE_ROLES).clause(Case.program_id)


def dispositions_of(case: Case) -> dict[str, str]:
    """How the case may be resolved: its program's list when it opened (the policy snapshot)."""
    return case.policy_snapshot().dispositions


def get_case(*, session: Session, caller: Identity, case_id: str, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id, _visible_to(caller))
    case = session.scalars(query.with_for_update() if lock else query).first()
    if case is None:
        raise not_found("path.case_id", "case", case_id)
    return case


def view_case(*, session: Session, caller: Identity, case_id: str, clock: Clock) -> Case:
    case = get_case(session=session, caller=caller, case_id=case_id)
    append(session, organization_id=case.organization_id, case_id=case.id, action=VIEWED,
           actor=caller.user_id, detail={}, at=clock())
    return case


def timeline(*, session: Session, caller: Identity, case_id: str, page: Page) -> list[AuditEntry]:
    """The case's steps from its audit trail, oldest first. Views are accesses, not steps: they stay
    in the trail (and the access audit), not here."""
    case = get_case(session=session, caller=caller, case_id=case_id)
    return list(session.scalars(page.of(select(AuditEntry).where(
        AuditEntry.organization_id == case.organization_id, AuditEntry.case_id == case.id,
        AuditEntry.action != VIEWED).order_by(AuditEntry.id))))


def contact_made(*, session: Session, caller: Identity, case_id: str, data: ContactMade, clock: Clock) -> Case:
    require_role(caller, Role.CLINICIAN, what="record contact with the participant")
    case = get_case(session=session, caller=caller, case_id=case_id, lock=True)
    if case.status == RESOLVED:
        raise Problem(409, f"case {case.case_number} is resolved", rule="not_resolved")
    case.contact_made_at = clock()
    append(session, organization_id=case.organization_id, case_id=case.id, action="case.contact_made",
           actor=caller.user_id, detail={"method": data.method}, at=case.contact_made_at)
    return case


def reassign(*, session: Session, caller: Identity, case_id: str, data: Reassign, clock: Clock) -> Case:
    """Hand the case to another clinician, who is paged at once and must acknowledge it."""
    case = get_case(session=session, caller=caller, case_id=case_id, lock=True)
    if case.status == RESOLVED:
        raise Problem(409, f"case {case.case_number} is resolved", rule="not_resolved")
    now = clock()
    case.assigned_to, case.status = data.clinician_id, OPEN
    case.acknowledged_by = case.acknowledged_at = None
    append(session, organization_id=case.organization_id, case_id=case.id, action="case.reassigned",
           actor=caller.user_id, detail={"to": data.clinician_id, "reason": data.reason}, at=now)
    cancel_pending(session, case)
    page_clinician(session, case, data.clinician_id, now)
    return case


def list_cases(*, session: Session, caller: Identity, status: str | None, limit: int, offset: int) -> list[Case]:
    query = select(Case).where(_visible_to(caller)).options(selectinload(Case.notifications))
    if status:
        query = query.where(Case.status == status)
    return list(session.scalars(query.order_by(Case.opened_at.desc()).limit(limit).offset(offset)))


def acknowledge(*, session: Session, caller: Identity, case_id: str, clock: Clock) -> Case:
    require_role(caller, Role.CLINICIAN, what="acknowledge a case")
    case = get_case(session=session, caller=caller, case_id=case_id, lock=True)
    if case.status != OPEN:
        raise Problem(409, f"case {case.case_number} is {case.status}", rule="open_only")
    now = clock()
    case.status, case.acknowledged_by, case.acknowledged_at = ACKNOWLEDGED, caller.user_id, now
    cancel_pending(session, case)  # same transaction: no page can go out after the acknowledgement
    waited = (now - case.opened_at).total_seconds()
    append(session, organization_id=case.organization_id, case_id=case.id, action="case.acknowledged",
           actor=caller.user_id, detail={"seconds": waited}, at=now)
    publish(session, case, EscalationAcknowledged(**case.event_fields(), acknowledged_by=caller.user_id,
                                                  acknowledged_at=now, seconds_to_acknowledge=max(waited, 0.0),
                                                  within_deadline=now <= case.acknowledge_by), now)
    return case


def resolve(*, session: Session, caller: Identity, case_id: str, data: Resolve, clock: Clock) -> Case:
    require_role(caller, Role.CLINICIAN, what="resolve a case")
    case = get_case(session=session, caller=caller, case_id=case_id, lock=True)
    if case.status == RESOLVED:
        raise Problem(409, f"case {case.case_number} is already resolved", rule="resolve_once")
    allowed = dispositions_of(case)
    if data.disposition_code not in allowed:
        raise Problem(422, f"disposition_code must be one of the program's: {', '.join(allowed)}",
                      field="body.disposition_code", rule="disposition")
    now = clock()
    case.status, case.resolved_by, case.resolved_at = RESOLVED, caller.user_id, now
    case.disposition_code, case.resolution_note = data.disposition_code, data.note
    cancel_pending(session, case)
    append(session, organization_id=case.organization_id, case_id=case.id, action="case.resolved",
           actor=caller.user_id, detail={"disposition_code": data.disposition_code}, at=now)
    publish(session, case, EscalationResolved(**case.event_fields(), resolved_by=caller.user_id,
                                              disposition_code=data.disposition_code, resolved_at=now), now)
    return case
