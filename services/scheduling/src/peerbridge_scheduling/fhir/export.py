"""FHIR R4 export of a participant's appointments and encounters, for an EHR import.

Sessions become Appointments; each attendance (not a no-show) becomes an Encounter, part of the
session's group Encounter when the session is a group; each documented contact becomes an
Encounter with its face-to-face minutes. Only the programs the caller may read are exported; a
record disclosed under a 42 CFR Part 2 consent carries the Part 2 security labels (the 42CFRPart2
privacy law and the no-redisclosure obligation) and the redisclosure notice. The bundle is validated
with the fhir.resources R4B models (identical to R4 for these resources) before it leaves; the tests
hold it to HL7's R4 4.0.1 validator.

Every resource id is a UUID (R4 ids are at most 64 of [A-Za-z0-9-.]): the record's own id, or for an
encounter derived from records a UUID v5 of them, stable across exports so an EHR recognises the same
encounter again. Each entry's fullUrl is ``urn:uuid:<id>`` and references between the Bundle's
resources use it, so they resolve inside the Bundle; Patient and Practitioner stay relative
references to the PeerBridge ids (not part of the export).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Reach
from ..attendance.models import Attendance
from ..contacts.models import PeerContact
from ..sessions.models import PeerSession, SessionParticipant

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
PART2_LABELS = [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"},
                {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
                {"system": ACT_CODE, "code": "NORDSCLCD", "display": "no redisclosure without consent directive"}]
NOTICE_TAG = "https://peerbridge.org/fhir/CodeSystem/disclosure-notice"
ABSENT = {"no_show", "cancelled_by_participant", "cancelled_by_program"}
APPOINTMENT_STATUS = {"scheduled": "booked", "cancelled": "cancelled", "completed": "fulfilled"}
ENCOUNTER_IDS = uuid.UUID("5d2f3c1e-8b7a-5e4f-9a61-0c2b7e9d4f10")  # namespace of the derived encounter ids


def urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def group_encounter_id(session_id: str) -> str:
    return str(uuid.uuid5(ENCOUNTER_IDS, f"group:{session_id}"))


def attendance_encounter_id(session_id: str, participant_id: str) -> str:
    return str(uuid.uuid5(ENCOUNTER_IDS, f"attendance:{session_id}:{participant_id}"))


def _instant(value: datetime) -> str:
    return value.isoformat()


def _encounter_class(modality: str) -> dict:
    code, display = ("AMB", "ambulatory") if modality == "in_person" else ("VR", "virtual")
    return {"system": ACT_CODE, "code": code, "display": display}


def _appointment(record: PeerSession, patient: str, attendance: Attendance | None) -> dict:
    status = APPOINTMENT_STATUS[record.status]
    if attendance is not None and attendance.status == "no_show" and record.kind == "one_to_one":
        status = "noshow"
    declined = attendance is not None and attendance.status == "cancelled_by_participant"
    return {
        "resourceType": "Appointment", "id": record.id, "status": status,
        "serviceType": [{"text": f"Peer support ({record.kind.replace('_', ' ')})"}],
        "start": _instant(record.starts_at), "end": _instant(record.ends_at),
        "participant": [{"actor": {"reference": patient}, "status": "declined" if declined else "accepted"}] + [
            {"actor": {"reference": f"Practitioner/{peer}"}, "status": "accepted"} for peer in record.peer_ids],
    }


def _group_encounter(record: PeerSession) -> dict:
    return {"resourceType": "Encounter", "id": group_encounter_id(record.id), "status": "finished",
            "class": _encounter_class(record.modality), "serviceType": {"text": "Peer support group"},
            "period": {"start": _instant(record.starts_at), "end": _instant(record.ends_at)},
            "appointment": [{"reference": urn(record.id)}]}


def _attendance_encounter(record: PeerSession, attendance: Attendance, patient: str) -> dict:
    encounter = {
        "resourceType": "Encounter", "id": attendance_encounter_id(record.id, attendance.participant_id),
        "status": "finished",
        "class": _encounter_class(record.modality), "subject": {"reference": patient},
        "participant": [{"individual": {"reference": f"Practitioner/{peer}"}} for peer in record.peer_ids],
        "period": {"start": _instant(record.starts_at), "end": _instant(record.ends_at)},
        "length": {"value": attendance.minutes_present, "unit": "min", "system": "http://unitsofmeasure.org",
                   "code": "min"},
        "appointment": [{"reference": urn(record.id)}],
    }
    if record.kind != "one_to_one":
        encounter["partOf"] = {"reference": urn(group_encounter_id(record.id))}
    return encounter


def _contact_encounter(contact: PeerContact, patient: str) -> dict:
    return {
        "resourceType": "Encounter", "id": contact.id, "status": "finished",
        "class": _encounter_class(contact.modality), "subject": {"reference": patient},
        "serviceType": {"text": "Peer support contact"},
        "participant": [{"individual": {"reference": f"Practitioner/{contact.peer_id}"}}],
        "period": {"start": _instant(contact.started_at), "end": _instant(contact.ended_at)},
        "length": {"value": contact.face_to_face_minutes, "unit": "min", "system": "http://unitsofmeasure.org",
                   "code": "min"},
    }


def _labelled(resource: dict, notice: str | None) -> dict:
    if notice is not None:
        resource["meta"] = {"security": PART2_LABELS,
                            "tag": [{"system": NOTICE_TAG, "code": "42CFR2.32", "display": notice}]}
    return resource


def participant_bundle(*, session: Session, reach: Reach) -> dict:
    participant = reach.participant
    patient = f"Patient/{participant.id}"
    sessions = session.scalars(select(PeerSession).join(SessionParticipant).where(
        SessionParticipant.participant_id == participant.id, reach.readable(PeerSession.program_id))
        .order_by(PeerSession.starts_at))
    attendance = {row.session_id: row for row in session.scalars(
        select(Attendance).where(Attendance.participant_id == participant.id))}
    resources: list[dict] = []
    for record in sessions:
        notice = reach.notice(record.program_id)
        attended = attendance.get(record.id)
        resources.append(_labelled(_appointment(record, patient, attended), notice))
        if attended is not None and attended.status not in ABSENT:
            if record.kind != "one_to_one":
                resources.append(_labelled(_group_encounter(record), notice))
            resources.append(_labelled(_attendance_encounter(record, attended, patient), notice))
    for contact in session.scalars(select(PeerContact).where(PeerContact.participant_id == participant.id,
                                                             reach.readable(PeerContact.program_id))
                                   .order_by(PeerContact.started_at)):
        resources.append(_labelled(_contact_encounter(contact, patient), reach.notice(contact.program_id)))
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": urn(r["id"]), "resource": r}
                        for r in resources]}
    Bundle.model_validate(bundle)  # raises if anything above is not valid FHIR
    return bundle
