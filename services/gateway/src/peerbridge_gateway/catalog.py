"""The public API under /v1: every route the gateway forwards, who may call it and how far their
view reaches, in one table (a test walks every route x role x tenant).

Paths are the services' own paths under /v1; request and response models are the services' own
schemas, so the public contract cannot drift from what the services accept and answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from peerbridge_escalation.cases.schemas import CaseRead, CaseView, ChainCheck, ContactMade, Reassign, Resolve
from peerbridge_escalation.policy import Policy
from peerbridge_escalation.rosters.schemas import ContactCreate as ClinicianContact
from peerbridge_escalation.rosters.schemas import ContactRead as ClinicianContactRead
from peerbridge_escalation.rosters.schemas import ContactVerify, OnCall, ProgramContactsSet, RosterPublish, RosterRead
from peerbridge_scheduling.attendance.schemas import AttendanceRead, AttendanceSubmit
from peerbridge_scheduling.contacts.schemas import ContactCreate, ContactRead, Cosign
from peerbridge_scheduling.goals.schemas import GoalCreate, GoalRead, StatusChange
from peerbridge_scheduling.hospital.views import IngestResult
from peerbridge_scheduling.matching.schemas import Candidate
from peerbridge_scheduling.participants.schemas import (
    ConsentCreate,
    ConsentRead,
    EnrollmentCreate,
    EnrollmentEnd,
    EnrollmentRead,
    ParticipantCreate,
    ParticipantRead,
    PeerAssignment,
)
from peerbridge_scheduling.programs.schemas import ProgramCreate, ProgramRead, SiteCreate, SiteRead
from peerbridge_scheduling.questionnaires.definitions import InstrumentDefinition
from peerbridge_scheduling.questionnaires.retire_views import InstrumentRetired
from peerbridge_scheduling.questionnaires.schemas import ResponseCreate, ResponseRead
from peerbridge_scheduling.reminders.views import CheckInCreate, CheckInRead
from peerbridge_scheduling.safety.schemas import ConcernCreate, ConcernRead, SafetyPlanCreate, SafetyPlanRead
from peerbridge_scheduling.sessions.schemas import (
    Cancel,
    Reschedule,
    SeriesCreate,
    SeriesRead,
    SessionCreate,
    SessionRead,
)
from peerbridge_scheduling.workforce.schemas import (
    ClinicianCreate,
    ClinicianRead,
    PeerCreate,
    PeerRead,
    PeerStatus,
    SupervisionLogCreate,
    SupervisionLogRead,
    SupervisorCreate,
    SupervisorRead,
    TrainingCreate,
    TrainingRead,
)

from . import queries as q
from .access import ADMIN, CARE_TEAM, CLINICAL, EVERYONE, FUNDING, ORG, STAFF, Access, Owner, Scope
from .access import Role as R

SCHEDULING, ESCALATION, METRICS = "scheduling", "escalation", "metrics"
FEED_MEDIA_TYPES = ("application/json", "text/csv", "application/fhir+json")


class FeedSummary(BaseModel):
    feed_id: str
    program_id: str
    period: str
    published_at: datetime


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    access: Access
    owner: Owner = Owner.NONE
    body: Any = None
    query: type[q.Query] | None = None
    response: Any = None
    status: int = 200
    phi: bool = False
    """Participant-level data: reads are audited, funders never get it."""
    etag_from: str | None = None
    """For a PUT that can race: the GET path whose representation ``If-Match`` is compared with."""
    media_types: tuple[str, ...] = ()
    """Representations chosen by ``Accept`` (the first is the default)."""
    summary: str = ""
    tags: tuple[str, ...] = field(default=())

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path).strip("/").replace("/", "_").replace("-", "_")
        return f"{self.method.lower()}_{words}"


def get(path: str, service: str, access: Access, response: Any, **options: Any) -> Route:
    return Route("GET", path, service, access, response=response, **options)


def post(path: str, service: str, access: Access, body: Any, response: Any, status: int = 201,
         **options: Any) -> Route:
    return Route("POST", path, service, access, body=body, response=response, status=status, **options)


def put(path: str, service: str, access: Access, body: Any, response: Any, **options: Any) -> Route:
    return Route("PUT", path, service, access, body=body, response=response, **options)


P, S, E, M = Owner.PARTICIPANT, Owner.SESSION, Owner.PROGRAM, Owner.SELF
OWN_AND_ADMIN: Access = {R.PROGRAM_ADMIN: ORG, R.PEER: Scope.OWN}
SUPERVISION: Access = {R.PROGRAM_ADMIN: ORG, R.SUPERVISOR: ORG}
WRITE_CARE: Access = {R.PROGRAM_ADMIN: ORG, R.CLINICIAN: Scope.PROGRAMS, R.PEER: Scope.OWN}
RAISE_CONCERN: Access = {**WRITE_CARE, R.SUPERVISOR: Scope.PROGRAMS}
CASE_WORK: Access = {R.CLINICIAN: Scope.PROGRAMS}
CASE_MOVE: Access = {R.PROGRAM_ADMIN: ORG, R.SUPERVISOR: Scope.PROGRAMS, R.CLINICIAN: Scope.PROGRAMS}
AUDITORS: Access = {R.PROGRAM_ADMIN: ORG, R.PLATFORM_ADMIN: ORG}
OWN_CONTACTS: Access = {R.PROGRAM_ADMIN: ORG, R.CLINICIAN: Scope.OWN}
ONLY_THE_CLINICIAN: Access = {R.CLINICIAN: Scope.OWN}
PEER_STATUS: Access = {R.PROGRAM_ADMIN: ORG, R.SUPERVISOR: ORG, R.PEER: Scope.OWN}
NOT_FUNDERS = STAFF

ROUTES: tuple[Route, ...] = (
    # programs and sites
    get("/programs", SCHEDULING, EVERYONE, list[ProgramRead], tags=("programs",)),
    post("/programs", SCHEDULING, ADMIN, ProgramCreate, ProgramRead, tags=("programs",)),
    get("/programs/{program_id}", SCHEDULING, EVERYONE, ProgramRead, tags=("programs",)),
    post("/programs/{program_id}/sites", SCHEDULING, ADMIN, SiteCreate, SiteRead, tags=("programs",)),
    get("/programs/{program_id}/sites", SCHEDULING, NOT_FUNDERS, list[SiteRead], tags=("programs",)),
    # workforce
    post("/supervisors", SCHEDULING, ADMIN, SupervisorCreate, SupervisorRead, tags=("workforce",)),
    post("/clinicians", SCHEDULING, ADMIN, ClinicianCreate, ClinicianRead, tags=("workforce",)),
    post("/peers", SCHEDULING, ADMIN, PeerCreate, PeerRead, tags=("workforce",)),
    get("/peers", SCHEDULING, {**ADMIN, R.SUPERVISOR: Scope.PROGRAMS}, list[PeerRead], owner=Owner.LISTING,
        query=q.PeerFilter, tags=("workforce",)),
    get("/peers/{peer_id}", SCHEDULING, PEER_STATUS, PeerRead, owner=M, tags=("workforce",)),
    post("/peers/{peer_id}/training", SCHEDULING, ADMIN, TrainingCreate, TrainingRead, tags=("workforce",)),
    get("/peers/{peer_id}/status", SCHEDULING, PEER_STATUS, PeerStatus, owner=M, query=q.StatusOn,
        tags=("workforce",)),
    post("/supervision-logs", SCHEDULING, SUPERVISION, SupervisionLogCreate, SupervisionLogRead, tags=("workforce",)),
    # participants and enrollments
    post("/participants", SCHEDULING, ADMIN, ParticipantCreate, ParticipantRead, tags=("participants",)),
    get("/participants/{participant_id}", SCHEDULING, CARE_TEAM, ParticipantRead, owner=P, phi=True,
        tags=("participants",)),
    post("/participants/{participant_id}/consents", SCHEDULING, OWN_AND_ADMIN, ConsentCreate, ConsentRead, owner=P,
         tags=("participants",)),
    get("/enrollments", SCHEDULING, CARE_TEAM, list[EnrollmentRead], owner=Owner.LISTING, query=q.EnrollmentFilter,
        phi=True, summary="Enrollments; a peer's caseload (a peer sees only their own)", tags=("participants",)),
    post("/enrollments", SCHEDULING, ADMIN, EnrollmentCreate, EnrollmentRead, tags=("participants",)),
    get("/enrollments/{enrollment_id}", SCHEDULING, ADMIN, EnrollmentRead, phi=True, tags=("participants",)),
    post("/enrollments/{enrollment_id}/end", SCHEDULING, ADMIN, EnrollmentEnd, EnrollmentRead, status=200,
         tags=("participants",)),
    get("/enrollments/{enrollment_id}/peer-matches", SCHEDULING, ADMIN, list[Candidate], query=q.MatchTags,
        tags=("participants",)),
    put("/enrollments/{enrollment_id}/peer", SCHEDULING, ADMIN, PeerAssignment, Candidate,
        etag_from="/enrollments/{enrollment_id}", tags=("participants",)),
    # sessions and attendance
    post("/sessions", SCHEDULING, SUPERVISION, SessionCreate, SessionRead, tags=("sessions",)),
    post("/session-series", SCHEDULING, SUPERVISION, SeriesCreate, SeriesRead, tags=("sessions",)),
    get("/sessions", SCHEDULING, CARE_TEAM, list[SessionRead], owner=Owner.LISTING, query=q.SessionFilter, phi=True,
        tags=("sessions",)),
    get("/sessions/{session_id}", SCHEDULING, CARE_TEAM, SessionRead, owner=S, phi=True, tags=("sessions",)),
    post("/sessions/{session_id}/reschedule", SCHEDULING, OWN_AND_ADMIN, Reschedule, SessionRead, status=200,
         owner=S, tags=("sessions",)),
    post("/sessions/{session_id}/cancel", SCHEDULING, OWN_AND_ADMIN, Cancel, SessionRead, status=200, owner=S,
         tags=("sessions",)),
    post("/sessions/{session_id}/check-ins", SCHEDULING, OWN_AND_ADMIN, CheckInCreate, CheckInRead, owner=S,
         tags=("sessions",)),
    post("/sessions/{session_id}/attendance", SCHEDULING, OWN_AND_ADMIN, AttendanceSubmit, AttendanceRead, owner=S,
         tags=("sessions",)),
    get("/sessions/{session_id}/attendance", SCHEDULING, CARE_TEAM, AttendanceRead, owner=S, phi=True,
        tags=("sessions",)),
    # care records
    post("/participants/{participant_id}/contacts", SCHEDULING, OWN_AND_ADMIN, ContactCreate, ContactRead, owner=P,
         tags=("care",)),
    get("/participants/{participant_id}/contacts", SCHEDULING, CARE_TEAM, list[ContactRead], owner=P, phi=True,
        tags=("care",)),
    get("/contacts/{contact_id}", SCHEDULING, CARE_TEAM, ContactRead, owner=Owner.CONTACT, phi=True, tags=("care",)),
    post("/contacts/{contact_id}/sign", SCHEDULING, OWN_AND_ADMIN, None, ContactRead, status=200,
         owner=Owner.CONTACT, summary="The peer who wrote the note signs it", tags=("care",)),
    post("/contacts/{contact_id}/cosign", SCHEDULING, SUPERVISION, Cosign, ContactRead, status=200, tags=("care",)),
    post("/participants/{participant_id}/goals", SCHEDULING, OWN_AND_ADMIN, GoalCreate, GoalRead, owner=P,
         tags=("care",)),
    get("/participants/{participant_id}/goals", SCHEDULING, CARE_TEAM, list[GoalRead], owner=P, phi=True,
        tags=("care",)),
    post("/goals/{goal_id}/status", SCHEDULING, ADMIN, StatusChange, GoalRead, status=200, tags=("care",)),
    get("/instruments", SCHEDULING, NOT_FUNDERS, list[InstrumentDefinition], tags=("questionnaires",)),
    get("/instruments/{code}", SCHEDULING, NOT_FUNDERS, InstrumentDefinition, query=q.InstrumentVersion,
        tags=("questionnaires",)),
    post("/instruments", SCHEDULING, ADMIN, InstrumentDefinition, InstrumentDefinition, tags=("questionnaires",)),
    post("/instruments/{code}/retire", SCHEDULING, ADMIN, None, InstrumentRetired, status=200,
         summary="No new responses with it; every version stays readable", tags=("questionnaires",)),
    post("/participants/{participant_id}/questionnaire-responses", SCHEDULING, WRITE_CARE, ResponseCreate,
         ResponseRead, owner=P, tags=("questionnaires",)),
    get("/participants/{participant_id}/questionnaire-responses", SCHEDULING, CARE_TEAM, list[ResponseRead], owner=P,
        query=q.ResponseFilter, phi=True, tags=("questionnaires",)),
    post("/participants/{participant_id}/safety-concerns", SCHEDULING, RAISE_CONCERN, ConcernCreate, ConcernRead,
         owner=P, tags=("safety",)),
    get("/participants/{participant_id}/safety-concerns", SCHEDULING, CARE_TEAM, list[ConcernRead], owner=P,
        phi=True, tags=("safety",)),
    post("/participants/{participant_id}/safety-plans", SCHEDULING, WRITE_CARE, SafetyPlanCreate, SafetyPlanRead,
         owner=P, tags=("safety",)),
    get("/participants/{participant_id}/safety-plan", SCHEDULING, CARE_TEAM, SafetyPlanRead, owner=P,
        query=q.PlanVersion, phi=True, tags=("safety",)),
    get("/participants/{participant_id}/fhir", SCHEDULING, {**ADMIN, R.CLINICIAN: Scope.PROGRAMS}, dict[str, Any],
        owner=P, phi=True, summary="FHIR R4 Bundle of the participant's appointments and encounters",
        tags=("fhir",)),
    post("/hospital-encounters/fhir", SCHEDULING, ADMIN, dict[str, Any], IngestResult, status=200,
         summary="Ingest a FHIR R4 Encounter (class IMP or EMER)", tags=("fhir",)),
    # escalation cases
    get("/cases", ESCALATION, CLINICAL, list[CaseRead], owner=Owner.CASE, query=q.CaseFilter, phi=True,
        tags=("cases",)),
    get("/cases/{case_id}", ESCALATION, CLINICAL, CaseView, owner=Owner.CASE, phi=True, tags=("cases",)),
    post("/cases/{case_id}/acknowledge", ESCALATION, CASE_WORK, None, CaseRead, status=200, owner=Owner.CASE,
         tags=("cases",)),
    post("/cases/{case_id}/contact-made", ESCALATION, CASE_WORK, ContactMade, CaseRead, status=200,
         owner=Owner.CASE, tags=("cases",)),
    post("/cases/{case_id}/reassign", ESCALATION, CASE_MOVE, Reassign, CaseRead, status=200, owner=Owner.CASE,
         tags=("cases",)),
    post("/cases/{case_id}/resolve", ESCALATION, CASE_WORK, Resolve, CaseRead, status=200, owner=Owner.CASE,
         tags=("cases",)),
    get("/audit/verify", ESCALATION, AUDITORS, ChainCheck, tags=("cases",)),
    # on-call
    put("/clinicians/{clinician_id}/contacts", ESCALATION, OWN_CONTACTS, list[ClinicianContact],
        list[ClinicianContactRead], owner=M, summary="A clinician's contact methods; a new one starts its verification",
        tags=("on-call",)),
    post("/clinicians/{clinician_id}/contacts/{contact_id}/verification", ESCALATION, OWN_CONTACTS, None,
         ClinicianContactRead, status=200, owner=M, summary="Send a new verification code (or webhook challenge)",
         tags=("on-call",)),
    post("/clinicians/{clinician_id}/contacts/{contact_id}/verify", ESCALATION, ONLY_THE_CLINICIAN, ContactVerify,
         ClinicianContactRead, status=200, owner=M, summary="The clinician enters the code they received",
         tags=("on-call",)),
    put("/programs/{program_id}/escalation-contacts", ESCALATION, ADMIN, ProgramContactsSet, ProgramContactsSet,
        tags=("on-call",)),
    put("/programs/{program_id}/escalation-policy", ESCALATION, ADMIN, Policy, Policy,
        etag_from="/programs/{program_id}/escalation-policy", tags=("on-call",)),
    get("/programs/{program_id}/escalation-policy", ESCALATION, CLINICAL, Policy, owner=E, tags=("on-call",)),
    post("/rosters", ESCALATION, ADMIN, RosterPublish, RosterRead, tags=("on-call",)),
    get("/programs/{program_id}/on-call", ESCALATION, {**STAFF, **CLINICAL}, OnCall, owner=E, query=q.OnCallAt,
        tags=("on-call",)),
    # metrics: aggregates and de-identified feeds only
    get("/measures", METRICS, {**FUNDING, R.SUPERVISOR: Scope.PROGRAMS}, dict[str, Any], owner=Owner.LISTING,
        query=q.MeasureFilter, summary="Program aggregates (no participant-level data)", tags=("outcomes",)),
    get("/feeds", METRICS, FUNDING, list[FeedSummary], query=q.FeedFilter, tags=("outcomes",)),
    get("/feeds/{program_id}/{period}", METRICS, FUNDING, dict[str, Any], media_types=FEED_MEDIA_TYPES,
        summary="A de-identified outcome report: JSON, CSV or a FHIR R4 MeasureReport (by Accept)",
        tags=("outcomes",)),
)
