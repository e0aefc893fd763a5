"""Events about enrollment, consent and the session lifecycle (published by scheduling)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from .base import Event, UtcDatetime


class SessionKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"
    WORKSHOP = "workshop"
    EDUCATION = "education"


class Modality(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class ConsentKind(StrEnum):
    PROGRAM = "program"
    OUTCOME_FEED = "outcome_feed"
    PART2_DISCLOSURE = "part2_disclosure"


class CancelledBy(StrEnum):
    PARTICIPANT = "participant"
    PROGRAM = "program"


class ParticipantEnrolled(Event):
    type_name = "org.peerbridge.scheduling.participant.enrolled.v1"
    summary = "A participant was enrolled in a program (FHIR EpisodeOfCare)."

    participant_id: str
    enrollment_id: str
    program_id: str
    site_id: str
    enrolled_on: date
    payer_id: str | None = None
    referral_source: str | None = None
    authorized_units: int | None = Field(default=None, ge=0)
    clinician_id: str | None = None
    preferred_language: str = "en"
    index_discharge_on: date | None = None
    part2_program: bool = False


class EnrollmentEnded(Event):
    type_name = "org.peerbridge.scheduling.enrollment.ended.v1"
    summary = "An enrollment ended (completed, withdrew, transferred, lost to follow-up)."

    participant_id: str
    enrollment_id: str
    program_id: str
    ended_on: date
    reason: str


class ConsentChanged(Event):
    type_name = "org.peerbridge.scheduling.consent.changed.v1"
    summary = "A participant granted or withdrew a consent (program, outcome feed, 42 CFR Part 2)."

    participant_id: str
    program_id: str
    consent: ConsentKind
    granted: bool
    effective_at: UtcDatetime


class SessionScheduled(Event):
    type_name = "org.peerbridge.scheduling.session.scheduled.v1"
    summary = "A one-to-one, group or workshop session was put on the calendar (FHIR Appointment)."

    session_id: str
    program_id: str
    site_id: str
    kind: SessionKind
    modality: Modality
    place_of_service: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    peer_ids: list[str]
    participant_ids: list[str]
    capacity: int | None = Field(default=None, ge=1)
    series_id: str | None = None
    interpreter_booked: bool = False


class SessionRescheduled(Event):
    type_name = "org.peerbridge.scheduling.session.rescheduled.v1"
    summary = "A session moved to a new time."

    session_id: str
    program_id: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    previous_starts_at: UtcDatetime
    previous_ends_at: UtcDatetime
    reason: str


class SessionCancelled(Event):
    type_name = "org.peerbridge.scheduling.session.cancelled.v1"
    summary = "A session was cancelled, with who cancelled and why."

    session_id: str
    program_id: str
    cancelled_by: CancelledBy
    reason: str
    cancelled_at: UtcDatetime


class SessionCompleted(Event):
    type_name = "org.peerbridge.scheduling.session.completed.v1"
    summary = "A session took place (FHIR Encounter); attendance follows per attendee."

    session_id: str
    program_id: str
    site_id: str
    kind: SessionKind
    modality: Modality
    place_of_service: str
    facilitator_peer_id: str
    started_at: UtcDatetime
    ended_at: UtcDatetime
    attendee_count: int = Field(ge=0)


class PeerAssigned(Event):
    type_name = "org.peerbridge.scheduling.peer.assigned.v1"
    summary = "A peer was assigned to an enrolled participant (caseload)."

    participant_id: str
    enrollment_id: str
    program_id: str
    peer_id: str
    previous_peer_id: str | None = None
    assigned_at: UtcDatetime


class ReminderRecipient(BaseModel):
    participant_id: str
    language: str
    text: str


class SessionReminderDue(Event):
    type_name = "org.peerbridge.scheduling.session.reminder-due.v1"
    summary = ("A session starts within a reminder offset (default 24 h and 1 h): localized, PHI-free texts for "
               "notifiers to send.")

    session_id: str
    program_id: str
    offset_minutes: int = Field(ge=1)
    starts_at: UtcDatetime
    recipients: list[ReminderRecipient]
