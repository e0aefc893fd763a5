"""What metrics keeps per participant: the latest version of every fact it counts.

Facts are keyed by the record they describe (an enrollment, a contact, one attendance) and a newer
version replaces an older one by event time (then event id), so applying events twice, late or
out of order leaves the same state. The live Faust table and the batch reference both fold events
with :func:`ParticipantState.apply`.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import AssessmentCompleted, AttendanceRecorded, PeerContactDocumented
from peerbridge_shared.events.scheduling import EnrollmentEnded, ParticipantEnrolled

GROUP_KINDS = {"group", "workshop", "education"}


class Version(BaseModel):
    at: datetime
    event_id: str

    def newer_than(self, other: Version | None) -> bool:
        return other is None or (self.at, self.event_id) > (other.at, other.event_id)


class EnrollmentFact(BaseModel):
    version: Version
    program_id: str
    enrolled_on: date
    ended_on: date | None = None
    payer_id: str | None = None
    authorized_units: int | None = None
    part2: bool = False


class ContactFact(BaseModel):
    version: Version
    program_id: str
    payer_id: str | None
    occurred_at: datetime
    minutes: int
    group: bool
    place_of_service: str
    signed: bool
    credential_valid: bool
    supervision_current: bool
    enrollment_active: bool


class AttendanceFact(BaseModel):
    version: Version
    program_id: str
    status: str
    minutes: int
    starts_at: datetime


class AssessmentFact(BaseModel):
    version: Version
    program_id: str
    instrument: str
    total: float
    band: str | None
    completed_at: datetime


class ParticipantState(BaseModel):
    organization_id: str
    participant_id: str
    enrollments: dict[str, EnrollmentFact] = {}
    contacts: dict[str, ContactFact] = {}
    attendance: dict[str, AttendanceFact] = {}
    assessments: dict[str, AssessmentFact] = {}

    def apply(self, envelope: Envelope) -> bool:
        """Fold one event in; returns whether the state changed."""
        data, version = envelope.data, Version(at=envelope.time, event_id=envelope.id)
        if isinstance(data, ParticipantEnrolled):
            return self._put(self.enrollments, data.enrollment_id, EnrollmentFact(
                version=version, program_id=data.program_id, enrolled_on=data.enrolled_on, payer_id=data.payer_id,
                authorized_units=data.authorized_units, part2=data.part2_program))
        if isinstance(data, EnrollmentEnded):
            current = self.enrollments.get(data.enrollment_id)
            if current is None or not version.newer_than(current.version):
                return False
            self.enrollments[data.enrollment_id] = current.model_copy(update={"ended_on": data.ended_on,
                                                                             "version": version})
            return True
        if isinstance(data, PeerContactDocumented):
            return self._put(self.contacts, data.contact_id, ContactFact(
                version=version, program_id=data.program_id, payer_id=data.payer_id, occurred_at=data.occurred_at,
                minutes=data.face_to_face_minutes, group=data.session_kind.value in GROUP_KINDS,
                place_of_service=data.place_of_service, signed=data.note_signed_at is not None,
                credential_valid=data.peer_credential_valid, supervision_current=data.peer_supervision_current,
                enrollment_active=data.enrollment_active))
        if isinstance(data, AssessmentCompleted):
            return self._put(self.assessments, data.assessment_id, AssessmentFact(
                version=version, program_id=data.program_id, instrument=data.instrument, total=data.total_score,
                band=data.band, completed_at=data.completed_at))
        if isinstance(data, AttendanceRecorded):
            return self._put(self.attendance, data.session_id, AttendanceFact(
                version=version, program_id=data.program_id, status=data.status.value, minutes=data.minutes_present,
                starts_at=data.session_starts_at))
        return False

    @staticmethod
    def _put(facts: dict, key: str, fact: BaseModel) -> bool:
        current = facts.get(key)
        if current is not None and not fact.version.newer_than(current.version):
            return False
        facts[key] = fact
        return True
