"""Events about care delivered: attendance, contact notes, questionnaires, supervision, hospital stays."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from .base import Event, UtcDatetime
from .scheduling import Modality, SessionKind


class AttendanceStatus(StrEnum):
    ATTENDED = "attended"
    LATE = "late"
    LEFT_EARLY = "left_early"
    NO_SHOW = "no_show"
    CANCELLED_BY_PARTICIPANT = "cancelled_by_participant"
    CANCELLED_BY_PROGRAM = "cancelled_by_program"


class EncounterClass(StrEnum):
    INPATIENT = "IMP"
    EMERGENCY = "EMER"


class AttendanceRecorded(Event):
    type_name = "org.peerbridge.care.attendance.recorded.v1"
    summary = ("One attendee's status and minutes present for one session (an automatic no-show may later be "
               "corrected: consumers keep the latest per session and participant).")

    participant_id: str
    session_id: str
    program_id: str
    site_id: str
    peer_id: str
    session_kind: SessionKind
    status: AttendanceStatus
    minutes_present: int = Field(ge=0)
    session_starts_at: UtcDatetime


class PeerContactDocumented(Event):
    type_name = "org.peerbridge.care.contact.documented.v1"
    summary = ("A peer documented a contact, or signed or co-signed it: the contact's current documentation and "
               "billing facts (consumers keep the latest per contact_id).")

    participant_id: str
    contact_id: str
    program_id: str
    peer_id: str
    session_id: str | None = None
    session_kind: SessionKind
    modality: Modality
    place_of_service: str
    payer_id: str | None = None
    occurred_at: UtcDatetime
    face_to_face_minutes: int = Field(ge=0)
    goals_addressed: list[str] = []
    note_signed_at: UtcDatetime | None = None
    cosigned_by: str | None = None
    peer_credential_valid: bool
    peer_supervision_current: bool
    enrollment_active: bool


class AssessmentCompleted(Event):
    type_name = "org.peerbridge.care.assessment.completed.v1"
    summary = ("A scored questionnaire (PHQ-9, GAD-7, RAS-R, WEMWBS...) was completed (FHIR QuestionnaireResponse "
               "+ score Observation); free-text answers never travel.")

    participant_id: str
    assessment_id: str
    program_id: str
    instrument: str = Field(pattern=r"^[a-z0-9_]+$", description="instrument code, e.g. phq9")
    instrument_version: str
    loinc: str | None = None
    item_scores: dict[str, int]
    total_score: float
    band: str | None = None
    subscales: dict[str, float] = {}
    completed_at: UtcDatetime
    administered_by: str


class SupervisionLogged(Event):
    type_name = "org.peerbridge.care.supervision.logged.v1"
    summary = "A supervisor met a peer: date, minutes, cases reviewed."

    supervision_id: str
    peer_id: str
    supervisor_id: str
    program_id: str
    held_on: date
    minutes: int = Field(ge=0)
    cases_reviewed: int = Field(default=0, ge=0)
    by_assigned_supervisor: bool = Field(
        default=True, description="held by the peer's supervisor of record; only such logs count for billing")


class PeerProfileChanged(Event):
    type_name = "org.peerbridge.care.peer.profile-changed.v1"
    summary = "A peer joined a program or their credential or caseload cap changed (no license number)."

    peer_id: str
    program_id: str
    credential_type: str
    credential_expires_on: date
    caseload_cap: int = Field(ge=0)
    changed_at: UtcDatetime


class HospitalAdmitted(Event):
    type_name = "org.peerbridge.clinical.encounter.admitted.v1"
    summary = "A participant was admitted (inpatient or emergency), e.g. from an ADT A01 feed."

    participant_id: str
    encounter_id: str
    encounter_class: EncounterClass
    psychiatric: bool
    admitted_at: UtcDatetime
    facility_id: str | None = None


class DischargeDisposition(StrEnum):
    HOME = "home"
    TRANSFER = "transfer"
    AGAINST_ADVICE = "against_advice"
    DEATH = "death"
    OTHER = "other"


class HospitalDischarged(Event):
    type_name = "org.peerbridge.clinical.encounter.discharged.v1"
    summary = "A participant was discharged, e.g. from an ADT A03 feed; a trigger for peer outreach."

    participant_id: str
    encounter_id: str
    encounter_class: EncounterClass
    psychiatric: bool
    admitted_at: UtcDatetime
    discharged_at: UtcDatetime
    disposition: DischargeDisposition = DischargeDisposition.HOME
    facility_id: str | None = None


class CancelledStep(StrEnum):
    ADMISSION = "admission"
    DISCHARGE = "discharge"


class HospitalEncounterCancelled(Event):
    type_name = "org.peerbridge.clinical.encounter.cancelled.v1"
    summary = ("The hospital cancelled an admission or a discharge published before (ADT A11, A13): forget the "
               "admission, or keep the stay open until its corrected discharge comes.")

    participant_id: str
    encounter_id: str
    cancelled: CancelledStep
    encounter_class: EncounterClass
    psychiatric: bool
    admitted_at: UtcDatetime
    cancelled_at: UtcDatetime
    facility_id: str | None = None


class PeerOutreachDue(Event):
    type_name = "org.peerbridge.clinical.outreach.due.v1"
    summary = "A psychiatric discharge started the peer outreach clock: contact the participant by due_by."

    participant_id: str
    encounter_id: str
    program_id: str
    discharged_at: UtcDatetime
    due_by: UtcDatetime


class GoalStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    ACHIEVED = "achieved"
    ABANDONED = "abandoned"


class GoalStatusChanged(Event):
    type_name = "org.peerbridge.care.goal.status-changed.v1"
    summary = "A recovery goal was set or moved to a new status (FHIR Goal.lifecycleStatus); its wording stays here."

    participant_id: str
    goal_id: str
    program_id: str
    domain: str
    status: GoalStatus
    previous_status: GoalStatus | None = None
    changed_at: UtcDatetime
