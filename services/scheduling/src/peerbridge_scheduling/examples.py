"""A realistic request body for every write, shown in the API documents (each is validated by its
model whenever the document is generated, so an example cannot go stale)."""

from __future__ import annotations

from typing import Any

from .attendance.schemas import AttendanceSubmit
from .contacts.schemas import ContactCreate, Cosign
from .goals.schemas import GoalCreate, StatusChange
from .participants.schemas import ConsentCreate, EnrollmentCreate, EnrollmentEnd, ParticipantCreate, PeerAssignment
from .programs.schemas import ProgramCreate, SiteCreate
from .questionnaires.definitions import InstrumentDefinition
from .questionnaires.schemas import ResponseCreate
from .reminders.views import CheckInCreate
from .safety.schemas import ConcernCreate, SafetyPlanCreate
from .sessions.schemas import Cancel, Reschedule, SeriesCreate, SessionCreate
from .workforce.schemas import ClinicianCreate, PeerCreate, SupervisionLogCreate, SupervisorCreate, TrainingCreate

PROGRAM, SITE, PEER, PARTICIPANT = "prog-bridges", "site-north", "peer-ana", "part-0042"
SESSION = {"program_id": PROGRAM, "site_id": SITE, "modality": "in_person", "peer_ids": [PEER]}

EXAMPLES: dict[Any, Any] = {
    ProgramCreate: {"name": "Bridges after discharge", "time_zone": "America/New_York", "caseload_cap": 20,
                    "payer_ids": ["medicaid-ny"], "reminder_offsets_minutes": [1440, 60]},
    SiteCreate: {"name": "North clinic", "place_of_service": "11"},
    SupervisorCreate: {"display_name": "Dr. Maya Chen", "credential": "LCSW", "max_peers": 8},
    ClinicianCreate: {"display_name": "Dr. Sam Ortiz", "license_type": "MD", "license_number": "NY-284113",
                      "jurisdiction": "NY", "medical_director": False},
    PeerCreate: {"program_id": PROGRAM, "display_name": "Ana Reyes", "credential_type": "Certified Peer Specialist",
                 "credential_number": "CPS-118204", "credential_expires_on": "2027-09-30",
                 "certified_on": "2023-10-01", "languages": ["en", "es"], "supervisor_id": "sup-chen",
                 "caseload_cap": 15, "tags": ["veterans", "spanish"]},
    TrainingCreate: {"course": "Crisis de-escalation refresher", "hours": 6, "completed_on": "2026-11-14"},
    SupervisionLogCreate: {"peer_id": PEER, "held_on": "2026-11-20", "minutes": 60, "cases_reviewed": 4},
    ParticipantCreate: {"given_name": "Luis", "family_name": "Moreno", "birth_date": "1988-04-12",
                        "preferred_language": "es", "interpreter_needed": False, "phone": "+12125550147",
                        "member_id": "MCD-55120931"},
    ConsentCreate: {"program_id": PROGRAM, "kind": "program", "granted": True,
                    "effective_at": "2026-11-02T15:30:00Z"},
    EnrollmentCreate: {"participant_id": PARTICIPANT, "program_id": PROGRAM, "site_id": SITE,
                       "enrolled_on": "2026-11-02", "payer_id": "medicaid-ny", "referral_source": "inpatient unit",
                       "index_discharge_on": "2026-10-30"},
    EnrollmentEnd: {"ended_on": "2027-05-01", "reason": "goals met"},
    PeerAssignment: {"peer_id": PEER},
    SessionCreate: {**SESSION, "kind": "one_to_one", "participant_ids": [PARTICIPANT],
                    "starts_at": "2026-12-03T15:00:00Z", "ends_at": "2026-12-03T16:00:00Z"},
    SeriesCreate: {**SESSION, "kind": "group", "participant_ids": [PARTICIPANT, "part-0057"], "capacity": 10,
                   "rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=8", "first_local_start": "2026-12-03T18:00:00",
                   "duration_minutes": 90},
    Reschedule: {"starts_at": "2026-12-04T15:00:00Z", "ends_at": "2026-12-04T16:00:00Z",
                 "reason": "participant's work shift changed"},
    Cancel: {"reason": "participant unwell", "cancelled_by": "participant"},
    CheckInCreate: {"participant_id": PARTICIPANT},
    AttendanceSubmit: {"facilitator_peer_id": PEER, "records": [
        {"participant_id": PARTICIPANT, "status": "attended", "minutes_present": 60},
        {"participant_id": "part-0057", "status": "no_show", "minutes_present": 0}]},
    ContactCreate: {"program_id": PROGRAM, "modality": "phone", "place_of_service": "02",
                    "started_at": "2026-12-01T14:00:00Z", "ended_at": "2026-12-01T14:25:00Z",
                    "face_to_face_minutes": 25, "note": "Talked through the first week home; plans to attend group."},
    Cosign: {},
    GoalCreate: {"program_id": PROGRAM, "description": "Walk to the library twice a week", "domain": "community",
                 "status": "active", "target_on": "2027-02-01"},
    StatusChange: {"status": "achieved", "note": "Goes on his own now"},
    InstrumentDefinition: {
        "code": "sleep_check", "version": "1", "name": "Weekly sleep check",
        "items": [{"id": "nights", "text": "Nights of good sleep this week", "min": 0, "max": 7},
                  {"id": "woke", "text": "Woke up during the night", "type": "boolean"},
                  {"id": "times", "text": "How many times", "min": 0, "max": 10,
                   "asked_if": {"item": "woke", "equals": True}}],
        "bands": [{"min": 0, "label": "poor"}, {"min": 4, "label": "fair"}, {"min": 6, "label": "good"}]},
    ResponseCreate: {"program_id": PROGRAM, "instrument": "phq9", "completed_at": "2026-12-01T14:20:00Z",
                     "answers": {"1": 2, "2": 1, "3": 2, "4": 1, "5": 0, "6": 1, "7": 1, "8": 0, "9": 0}},
    ConcernCreate: {"program_id": PROGRAM, "category": "suicidal_ideation", "peer_with_person": True,
                    "immediate_danger": False, "note": "Said he has been thinking about not being here.",
                    "raised_at": "2026-12-01T14:22:00Z"},
    SafetyPlanCreate: {"program_id": PROGRAM, "warning_signs": ["not sleeping", "skipping meals"],
                       "internal_coping_strategies": ["walk the dog", "music"],
                       "people_to_ask_for_help": [{"name": "Rosa (sister)", "phone": "+1 212 555 0188"}],
                       "professionals_and_agencies": [{"name": "988 Suicide & Crisis Lifeline", "phone": "988"}],
                       "making_environment_safe": ["medications kept by Rosa"]},
    "ingest_fhir_encounter": {
        "resourceType": "Encounter", "id": "adt-77310", "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP",
                  "display": "inpatient encounter"},
        "subject": {"reference": f"Patient/{PARTICIPANT}"},
        "serviceType": {"coding": [{"system": "http://snomed.info/sct", "code": "394587001",
                                    "display": "Psychiatry"}]},
        "period": {"start": "2026-11-28T22:15:00-05:00"}},
}
