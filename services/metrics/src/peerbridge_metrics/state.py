"""What metrics keeps: per participant, per escalation case and per peer, the latest version of every
fact it counts.

Facts are keyed by the record they describe (an enrollment, a contact, one attendance) and a newer
version replaces an older one by event time (then event id), so applying events twice, late or
out of order leaves the same state. The live Faust table and the batch reference both fold events
with :func:`ParticipantState.apply`.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import (
    AssessmentCompleted,
    AttendanceRecorded,
    CancelledStep,
    GoalStatusChanged,
    HospitalAdmitted,
    HospitalDischarged,
    HospitalEncounterCancelled,
    PeerContactDocumented,
    PeerProfileChanged,
    SupervisionLogged,
)
from peerbridge_shared.events.escalation import (
    CaseEvent,
    EscalationAcknowledged,
    EscalationBreached,
    EscalationOpened,
)
from peerbridge_shared.events.safety import RiskScreenCompleted
from peerbridge_shared.events.scheduling import ConsentChanged, EnrollmentEnded, ParticipantEnrolled, PeerAssigned

GROUP_KINDS = {"group", "workshop", "education"}


class Version(BaseModel):
    at: datetime
    event_id: str

    def newer_than(self, other: Version | None) -> bool:
        return other is None or (self.at, self.event_id) > (other.at, other.event_id)


class EnrollmentFact(BaseModel):
    version: Version
    program_id: str
    site_id: str = ""
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


class EndingFact(BaseModel):
    version: Version
    ended_on: date


class AssignmentFact(BaseModel):
    version: Version
    program_id: str
    peer_id: str


class ConsentFact(BaseModel):
    version: Version
    granted: bool


class EncounterFact(BaseModel):
    version: Version
    inpatient: bool
    psychiatric: bool
    admitted_at: datetime
    discharged_at: datetime | None = None
    disposition: str | None = None
    cancelled: bool = False  # the hospital cancelled the admission (kept so a late copy of it stays cancelled)


class ScreenFact(BaseModel):
    version: Version
    program_id: str
    positive: bool
    completed_at: datetime


class GoalFact(BaseModel):
    version: Version
    program_id: str
    status: str


class ParticipantState(BaseModel):
    organization_id: str
    participant_id: str
    enrollments: dict[str, EnrollmentFact] = {}
    contacts: dict[str, ContactFact] = {}
    attendance: dict[str, AttendanceFact] = {}
    assessments: dict[str, AssessmentFact] = {}
    endings: dict[str, EndingFact] = {}  # by enrollment
    assignments: dict[str, AssignmentFact] = {}  # by enrollment
    consents: dict[str, ConsentFact] = {}  # by "<program>:<consent kind>"
    encounters: dict[str, EncounterFact] = {}
    screens: dict[str, ScreenFact] = {}
    goals: dict[str, GoalFact] = {}

    def _end(self, enrollment_id: str) -> bool:
        enrollment, ending = self.enrollments.get(enrollment_id), self.endings.get(enrollment_id)
        if enrollment is None or ending is None or enrollment.ended_on == ending.ended_on:
            return False
        enrollment.ended_on = ending.ended_on
        return True

    def stays(self) -> list[EncounterFact]:
        """The hospital encounters that happened (not those whose admission was cancelled)."""
        return [encounter for encounter in self.encounters.values() if not encounter.cancelled]

    def consented(self, program_id: str, consent: str) -> bool:
        fact = self.consents.get(f"{program_id}:{consent}")
        return fact is not None and fact.granted

    def apply(self, envelope: Envelope) -> bool:
        """Fold one event in; returns whether the state changed."""
        data, version = envelope.data, Version(at=envelope.time, event_id=envelope.id)
        if isinstance(data, ParticipantEnrolled):
            changed = self._put(self.enrollments, data.enrollment_id, EnrollmentFact(
                version=version, program_id=data.program_id, site_id=data.site_id, enrolled_on=data.enrolled_on,
                payer_id=data.payer_id, authorized_units=data.authorized_units, part2=data.part2_program))
            return self._end(data.enrollment_id) or changed
        if isinstance(data, EnrollmentEnded):  # may arrive before the enrollment itself
            changed = self._put(self.endings, data.enrollment_id, EndingFact(version=version, ended_on=data.ended_on))
            return self._end(data.enrollment_id) or changed
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
        return self._apply_more(data, version)

    def _apply_more(self, data, version: Version) -> bool:  # noqa: ANN001 - any event model
        if isinstance(data, PeerAssigned):
            return self._put(self.assignments, data.enrollment_id, AssignmentFact(
                version=version, program_id=data.program_id, peer_id=data.peer_id))
        if isinstance(data, ConsentChanged):
            return self._put(self.consents, f"{data.program_id}:{data.consent.value}", ConsentFact(
                version=Version(at=data.effective_at, event_id=version.event_id), granted=data.granted))
        if isinstance(data, HospitalAdmitted | HospitalDischarged):
            discharged = isinstance(data, HospitalDischarged)
            return self._put(self.encounters, data.encounter_id, EncounterFact(
                version=version, inpatient=data.encounter_class.value == "IMP", psychiatric=data.psychiatric,
                admitted_at=data.admitted_at, discharged_at=data.discharged_at if discharged else None,
                disposition=data.disposition.value if discharged else None))
        if isinstance(data, HospitalEncounterCancelled):  # admission: forgotten for good; discharge: open again
            return self._put(self.encounters, data.encounter_id, EncounterFact(
                version=version, inpatient=data.encounter_class.value == "IMP", psychiatric=data.psychiatric,
                admitted_at=data.admitted_at, cancelled=data.cancelled is CancelledStep.ADMISSION))
        if isinstance(data, RiskScreenCompleted):
            return self._put(self.screens, data.screen_id, ScreenFact(
                version=version, program_id=data.program_id, positive=data.positive, completed_at=data.completed_at))
        if isinstance(data, GoalStatusChanged):
            return self._put(self.goals, data.goal_id, GoalFact(version=version, program_id=data.program_id,
                                                                 status=data.status.value))
        return False

    @staticmethod
    def _put(facts: dict, key: str, fact: BaseModel) -> bool:
        current = facts.get(key)
        if current is not None and not fact.version.newer_than(current.version):
            return False
        facts[key] = fact
        return True


class CaseState(BaseModel):
    """One escalation case, from the case events (keyed by case id, like the topic)."""

    organization_id: str
    case_id: str
    participant_id: str = ""
    program_id: str = ""
    risk_level: str = ""
    level_version: Version | None = None
    opened_at: datetime | None = None
    seconds_to_acknowledge: float | None = None
    within_deadline: bool | None = None
    breaches: dict[str, datetime] = {}  # ladder level -> breached at

    def apply(self, envelope: Envelope) -> bool:
        data, version = envelope.data, Version(at=envelope.time, event_id=envelope.id)
        if not isinstance(data, CaseEvent):
            return False
        before = self.model_dump()
        if not self.program_id:
            self.program_id, self.participant_id = data.program_id, data.participant_id
        if version.newer_than(self.level_version):
            self.risk_level, self.level_version = data.risk_level.value, version
        if isinstance(data, EscalationOpened) and (self.opened_at is None or data.opened_at < self.opened_at):
            self.opened_at = data.opened_at
        if isinstance(data, EscalationAcknowledged) and self.seconds_to_acknowledge is None:
            self.seconds_to_acknowledge, self.within_deadline = data.seconds_to_acknowledge, data.within_deadline
        if isinstance(data, EscalationBreached):
            self.breaches.setdefault(str(data.level), data.breached_at)
        return self.model_dump() != before


class SupervisionFact(BaseModel):
    version: Version
    program_id: str
    held_on: date
    minutes: int


class ProfileFact(BaseModel):
    version: Version
    program_id: str
    credential_expires_on: date
    caseload_cap: int


class PeerState(BaseModel):
    """One peer's profile and supervision log (keyed by peer id, like the workforce topic)."""

    organization_id: str
    peer_id: str
    profile: ProfileFact | None = None
    supervision: dict[str, SupervisionFact] = {}

    def apply(self, envelope: Envelope) -> bool:
        data, version = envelope.data, Version(at=envelope.time, event_id=envelope.id)
        if isinstance(data, SupervisionLogged):
            return ParticipantState._put(self.supervision, data.supervision_id, SupervisionFact(
                version=version, program_id=data.program_id, held_on=data.held_on, minutes=data.minutes))
        if isinstance(data, PeerProfileChanged) and version.newer_than(self.profile and self.profile.version):
            self.profile = ProfileFact(version=version, program_id=data.program_id, caseload_cap=data.caseload_cap,
                                       credential_expires_on=data.credential_expires_on)
            return True
        return False
