"""What a batch of events will look up, read in three statements rather than three per event:
whether each is a first delivery (recorded, as each event's own check would), the participants'
care team rows, and their open cases (locked, as each event's own lookup would). An event the
batch did not prefetch for is looked up on its own."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from peerbridge_shared.db import transaction_memo
from peerbridge_shared.events import Envelope
from peerbridge_shared.idempotency import first_deliveries, first_delivery

from .models import RESOLVED, Case, ParticipantCare

_FIRST, _OPEN_CASES, _CARE = "intake_first_deliveries", "intake_open_cases", "intake_care_rows"
CaseKey = tuple[str, str, str]  # organization, participant, program


def prefetch(session: Session, envelopes: list[Envelope], consumer: str) -> None:
    fresh = first_deliveries(session, consumer=consumer, event_ids=[e.id for e in envelopes])
    transaction_memo(session, _FIRST).update({e.id: e.id in fresh for e in envelopes})
    people = {(e.tenant, who) for e in envelopes if (who := getattr(e.data, "participant_id", None))}
    if not people:
        return
    # held here: the session's identity map keeps loaded rows only while something refers to them
    transaction_memo(session, _CARE)["rows"] = session.scalars(select(ParticipantCare).where(
        tuple_(ParticipantCare.organization_id, ParticipantCare.participant_id).in_(people))).all()
    keys = {(e.tenant, e.data.participant_id, e.data.program_id) for e in envelopes
            if getattr(e.data, "participant_id", None) and getattr(e.data, "program_id", None)}
    if not keys:
        return
    cases: dict[CaseKey, Case | None] = dict.fromkeys(keys)
    cases.update(((case.organization_id, case.participant_id, case.program_id), case) for case in session.scalars(
        select(Case).where(tuple_(Case.organization_id, Case.participant_id, Case.program_id).in_(keys),
                           Case.status != RESOLVED).with_for_update()))
    transaction_memo(session, _OPEN_CASES).update(cases)


def first_time(session: Session, consumer: str, event_id: str) -> bool:
    """Whether this is the event's first delivery (a second copy within the batch is not)."""
    prefetched = transaction_memo(session, _FIRST).pop(event_id, None)
    if prefetched is None:
        return first_delivery(session, consumer=consumer, event_id=event_id)
    return prefetched


def open_case(session: Session, key: CaseKey) -> Case | None:
    """The participant's open case in the program, locked for this transaction."""
    cases = transaction_memo(session, _OPEN_CASES)
    if key in cases:
        return cases[key]
    organization_id, participant_id, program_id = key
    return session.scalars(select(Case).where(
        Case.organization_id == organization_id, Case.participant_id == participant_id,
        Case.program_id == program_id, Case.status != RESOLVED).with_for_update()).first()


def opened(session: Session, case: Case) -> None:
    """A case this transaction opened is the participant's open case for its later events."""
    transaction_memo(session, _OPEN_CASES)[(case.organization_id, case.participant_id, case.program_id)] = case
