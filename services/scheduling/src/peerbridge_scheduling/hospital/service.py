"""Hospital admissions and discharges for enrolled participants. Each fact is published once,
however often the hospital re-sends the encounter; a psychiatric discharge starts the peer
outreach clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared.events import Event
from peerbridge_shared.events.care import (
    CancelledStep,
    EncounterClass,
    HospitalAdmitted,
    HospitalDischarged,
    HospitalEncounterCancelled,
    PeerOutreachDue,
)
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from ..deps import Clock, publish
from ..participants.models import Enrollment
from ..participants.service import get_participant
from .fhir_encounter import EncounterFacts
from .models import HospitalEncounter

OUTREACH_WITHIN = timedelta(hours=48)


def ingest(*, session: Session, caller: Identity, facts: EncounterFacts, source: str,
           clock: Clock) -> tuple[HospitalEncounter, list[Event]]:
    participant = get_participant(session=session, organization_id=caller.organization_id,
                                  participant_id=facts.participant_id, field="body.subject.reference", status=422)
    enrollment = session.scalars(select(Enrollment).where(Enrollment.participant_id == participant.id,
                                                          Enrollment.ended_on.is_(None))
                                 .order_by(Enrollment.enrolled_on.desc())).first()
    if enrollment is None:
        raise Problem(422, "the participant has no active enrollment", field="body.subject.reference",
                      rule="enrolled")
    encounter = session.scalars(select(HospitalEncounter).where(
        HospitalEncounter.organization_id == caller.organization_id,
        HospitalEncounter.external_id == facts.external_id).with_for_update()).first()
    events: list[Event] = []
    if encounter is None:
        encounter = HospitalEncounter(
            organization_id=caller.organization_id, participant_id=participant.id, external_id=facts.external_id,
            encounter_class=facts.encounter_class.value, psychiatric=facts.psychiatric,
            admitted_at=facts.admitted_at, source=source)
        session.add(encounter)
        events.append(HospitalAdmitted(
            participant_id=participant.id, encounter_id=facts.external_id, encounter_class=facts.encounter_class,
            psychiatric=facts.psychiatric, admitted_at=facts.admitted_at))
    elif encounter.participant_id != participant.id:
        raise Problem(409, f"encounter {facts.external_id} belongs to another participant",
                      field="body.subject.reference", rule="same_participant")
    if facts.discharged_at is not None and encounter.discharged_at is None:
        encounter.discharged_at, encounter.disposition = facts.discharged_at, facts.disposition.value
        events.append(HospitalDischarged(
            participant_id=participant.id, encounter_id=facts.external_id, encounter_class=facts.encounter_class,
            psychiatric=encounter.psychiatric, admitted_at=encounter.admitted_at, discharged_at=facts.discharged_at,
            disposition=facts.disposition))
        if encounter.psychiatric:
            events.append(PeerOutreachDue(
                participant_id=participant.id, encounter_id=facts.external_id, program_id=enrollment.program_id,
                discharged_at=facts.discharged_at, due_by=facts.discharged_at + OUTREACH_WITHIN))
    session.flush()
    for event in events:
        publish(session, caller, event, clock)
    return encounter, events


def cancel(*, session: Session, caller: Identity, encounter_id: str, event: str, clock: Clock) -> str:
    """A11 (cancel admit) forgets an encounter not yet discharged; A13 (cancel discharge) reopens it,
    so the corrected discharge is published when it comes. Either is published, so what was counted
    downstream is taken back. Answers what was done."""
    encounter = session.scalars(select(HospitalEncounter).where(
        HospitalEncounter.organization_id == caller.organization_id,
        HospitalEncounter.external_id == encounter_id).with_for_update()).first()
    if encounter is None:
        return f"encounter {encounter_id} is not known; nothing to cancel"
    if event == "A11":
        if encounter.discharged_at is not None:
            raise Problem(409, f"encounter {encounter_id} is discharged: cancel the discharge (A13) first",
                          field="PV1-19", rule="discharged")
        step, answer = CancelledStep.ADMISSION, f"admission {encounter_id} cancelled"
    elif encounter.discharged_at is None:
        return f"encounter {encounter_id} is not discharged; nothing to cancel"
    else:
        step, answer = CancelledStep.DISCHARGE, f"discharge of {encounter_id} cancelled"
    publish(session, caller, HospitalEncounterCancelled(
        participant_id=encounter.participant_id, encounter_id=encounter.external_id, cancelled=step,
        encounter_class=EncounterClass(encounter.encounter_class), psychiatric=encounter.psychiatric,
        admitted_at=encounter.admitted_at, cancelled_at=clock()), clock)
    if step is CancelledStep.ADMISSION:
        session.delete(encounter)
    else:
        encounter.discharged_at, encounter.disposition = None, None
    return answer
