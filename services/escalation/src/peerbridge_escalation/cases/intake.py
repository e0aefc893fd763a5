"""Signal intake: every event on the participant-keyed topics passes here once.

Enrollment events keep the participant's care team current. A safety signal is classified; it
opens the participant's case, joins the open one, or upgrades it (new risk level, new deadline,
the new level's ladder from the start). Duplicates (same event id) do nothing. Each decision is
audited and published through the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared.db import new_id, transaction_memo
from peerbridge_shared.events import Envelope
from peerbridge_shared.events.escalation import (
    EscalationEscalated,
    EscalationOpened,
    EscalationReason,
    RiskLevel,
)
from peerbridge_shared.events.scheduling import ParticipantEnrolled

from ..audit.service import append
from ..classification import Decision, ParticipantRisk, classify, rank
from ..policy import first_deadline
from ..publishing import publish
from ..rosters.policy_service import policy_and_snapshot
from ..routing.ladder import cancel_pending, enter_level
from .models import OPEN, Case, CaseSignal, ParticipantCare
from .numbering import next_case_number
from .prefetch import first_time, open_case, opened, prefetch

CONSUMER = "escalation-intake"
SYSTEM = "system:escalation"


def handle(session: Session, envelope: Envelope, now: datetime) -> str:
    """Apply one event; returns what happened (for logs and tests).

    Its rows are not written before each lookup but together, with those of the other events of
    the transaction (a batch: one insert per table), at commit. An event's lookups need none of its
    own rows (but a new care team row, written where it is added); they may need the rows of an
    earlier event of the same participant, so those are written before such an event."""
    participant = (envelope.tenant, getattr(envelope.data, "participant_id", None))
    unwritten = transaction_memo(session, "intake_participants_unwritten")
    if participant in unwritten:
        session.flush()
        unwritten.clear()
    with session.no_autoflush:
        outcome = _handle(session, envelope, now)
    unwritten[participant] = True
    return outcome


def handle_batch(session: Session, envelopes: list[Envelope], clock: Callable[[], datetime]) -> list[str]:
    """Apply events in order in one transaction, with what they look up read for all at once."""
    prefetch(session, envelopes, CONSUMER)
    return [handle(session, envelope, clock()) for envelope in envelopes]


def _handle(session: Session, envelope: Envelope, now: datetime) -> str:
    if not first_time(session, CONSUMER, envelope.id):
        return "duplicate"
    data = envelope.data
    if isinstance(data, ParticipantEnrolled):
        _remember_care(session, envelope.tenant, data, now)
        return "care_updated"
    participant_id = getattr(data, "participant_id", None)
    if participant_id is None:
        return "ignored"
    program_id = _program_of(session, envelope)
    _learn_clinician(session, envelope, program_id, now)
    case = open_case(session, (envelope.tenant, participant_id, program_id))
    risk = ParticipantRisk(RiskLevel(case.risk_level), case.missed_check_ins) if case else ParticipantRisk()
    decision = classify(data, risk)
    if decision is None:
        return "not_a_signal"
    if case is None:
        _open(session, envelope, program_id, decision, now)
        return "opened"
    if rank(decision.level) > rank(RiskLevel(case.risk_level)):
        _upgrade(session, case, envelope, decision, now)
        return "upgraded"
    _join(session, case, envelope, decision, now)
    return "joined"


def _remember_care(session: Session, organization_id: str, data: ParticipantEnrolled, now: datetime) -> None:
    care = session.get(ParticipantCare, (organization_id, data.participant_id, data.program_id))
    if care is None:
        care = ParticipantCare(organization_id=organization_id, participant_id=data.participant_id,
                               program_id=data.program_id)
        session.add(care)
    care.clinician_id, care.updated_at = data.clinician_id, now


def _learn_clinician(session: Session, envelope: Envelope, program_id: str, now: datetime) -> None:
    """A signal names the own clinician when scheduling knew one: kept if the enrollment event (read
    from another topic, in no particular order) has not told us yet; never overrides what it said."""
    clinician_id = getattr(envelope.data, "clinician_id", None)
    if clinician_id is None:
        return
    care = session.get(ParticipantCare, (envelope.tenant, envelope.data.participant_id, program_id))
    if care is None:
        care = ParticipantCare(organization_id=envelope.tenant, participant_id=envelope.data.participant_id,
                               program_id=program_id)
        session.add(care)
    if care.clinician_id is None:
        care.clinician_id, care.updated_at = clinician_id, now
        session.flush([care])  # the ladder looks the care team up by key: it must find this row


def _program_of(session: Session, envelope: Envelope) -> str:
    """The signal's program; for an event that names none, the program the participant was last
    enrolled in."""
    program_id = getattr(envelope.data, "program_id", None)
    if program_id:
        return program_id
    latest = session.scalar(select(ParticipantCare.program_id).where(
        ParticipantCare.organization_id == envelope.tenant,
        ParticipantCare.participant_id == envelope.data.participant_id)
        .order_by(ParticipantCare.updated_at.desc()).limit(1))
    return latest or "unknown"


def _record_signal(session: Session, case: Case, envelope: Envelope, decision: Decision, effect: str,
                   now: datetime) -> None:
    session.add(CaseSignal(event_id=envelope.id, case_id=case.id, event_type=envelope.type,
                           risk_level=decision.level.value, rule=decision.rule, rule_version=decision.version,
                           evidence=decision.evidence or None, effect=effect, occurred_at=envelope.time,
                           received_at=now))
    if envelope.type.endswith("attendance.recorded.v1"):
        case.missed_check_ins += 1
    append(session, organization_id=case.organization_id, case_id=case.id, action=f"signal.{effect}", actor=SYSTEM,
           detail={"event_id": envelope.id, "event_type": envelope.type, "risk_level": decision.level.value,
                   "rule": decision.rule, "rule_version": decision.version}, at=now)


def _open(session: Session, envelope: Envelope, program_id: str, decision: Decision, now: datetime) -> Case:
    policy, snapshot = policy_and_snapshot(session, envelope.tenant, program_id)
    case = Case(id=new_id(), organization_id=envelope.tenant,
                case_number=next_case_number(session, envelope.tenant, now),
                participant_id=envelope.data.participant_id, program_id=program_id,
                risk_level=decision.level.value, rule_version=decision.version, status=OPEN, opened_at=now,
                acknowledge_by=first_deadline(policy, decision.level, now), current_level=0, missed_check_ins=0)
    case.adopt_policy(policy, snapshot)
    session.add(case)
    opened(session, case)
    _record_signal(session, case, envelope, decision, "opened", now)
    publish(session, case, EscalationOpened(**case.event_fields(), rule_version=decision.version,
                                             signal_event_ids=[envelope.id], opened_at=now,
                                             acknowledge_by=case.acknowledge_by), now)
    enter_level(session, case, 0, now)
    return case


def _upgrade(session: Session, case: Case, envelope: Envelope, decision: Decision, now: datetime) -> None:
    previous_level = case.current_level
    policy = case.policy_snapshot()
    case.risk_level, case.rule_version, case.status = decision.level.value, decision.version, OPEN
    case.current_level, case.acknowledge_by = 0, first_deadline(policy, decision.level, now)
    case.acknowledged_by = case.acknowledged_at = None
    _record_signal(session, case, envelope, decision, "upgraded", now)
    publish(session, case, EscalationEscalated(**case.event_fields(), from_level=previous_level, to_level=0,
                                                reason=EscalationReason.RISK_UPGRADED, escalated_at=now), now)
    cancel_pending(session, case)
    enter_level(session, case, 0, now)


def _join(session: Session, case: Case, envelope: Envelope, decision: Decision, now: datetime) -> None:
    _record_signal(session, case, envelope, decision, "joined", now)
