"""The public API under /v1: every route the gateway forwards, who may call it and how far their
view reaches, in one table (a test walks every route x role x tenant).

Paths are the services' own paths under /v1. What a route takes and answers is the service's own
contract (:mod:`.contracts`, generated from the services' OpenAPI documents by ``make contracts``):
the gateway documents it, the service validates the body, and the gateway relays its 422.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import contracts
from . import queries as q
from .access import ADMIN, CARE_TEAM, CLINICAL, EVERYONE, FUNDING, ORG, STAFF, Access, Owner, Scope
from .access import Role as R

SCHEDULING, ESCALATION, METRICS = "scheduling", "escalation", "metrics"
FEED_MEDIA_TYPES = ("application/json", "text/csv", "application/fhir+json")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    access: Access
    owner: Owner = Owner.NONE
    query: type[q.Query] | None = None
    status: int = 200
    phi: bool = False
    """Its answers carry participant-level data: each is audited before it is returned (reads and
    writes alike), funders never get it."""
    names_participant: str = "participant_id"
    """The field of each answered item that is the id of the participant it is about (audited)."""
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

    @property
    def contract(self) -> dict[str, Any]:
        """The service's operation for this method and path (its request body and success answer)."""
        return contracts.operation(self.service, self.method, self.path)

    @property
    def has_body(self) -> bool:
        return "requestBody" in self.contract


def get(path: str, service: str, access: Access, **options: Any) -> Route:
    return Route("GET", path, service, access, **options)


def post(path: str, service: str, access: Access, status: int = 201, **options: Any) -> Route:
    return Route("POST", path, service, access, status=status, **options)


def put(path: str, service: str, access: Access, **options: Any) -> Route:
    return Route("PUT", path, service, access, **options)


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
SIGNER: Access = {R.PEER: Scope.OWN}  # signatures are given in person, never on someone's behalf
COSIGNER: Access = {R.SUPERVISOR: Scope.PROGRAMS}
ONLY_THE_CLINICIAN: Access = {R.CLINICIAN: Scope.OWN}

ROUTES: tuple[Route, ...] = (
    # programs and sites
    get("/programs", SCHEDULING, EVERYONE, query=q.Page,
        summary="The programs of your organization", tags=("programs",)),
    post("/programs", SCHEDULING, ADMIN,
        summary="Create a program (its time zone, billing and caseload rules)", tags=("programs",)),
    get("/programs/{program_id}", SCHEDULING, EVERYONE,
        summary="One program", tags=("programs",)),
    post("/programs/{program_id}/sites", SCHEDULING, ADMIN,
        summary="Add a site (clinic, community location) to a program", tags=("programs",)),
    get("/programs/{program_id}/sites", SCHEDULING, NOT_FUNDERS, query=q.Page,
        summary="A program's sites", tags=("programs",)),
    # workforce
    post("/supervisors", SCHEDULING, ADMIN,
        summary="Register a licensed supervisor", tags=("workforce",)),
    post("/clinicians", SCHEDULING, ADMIN,
        summary="Register a clinician who can be paged for safety cases", tags=("workforce",)),
    post("/peers", SCHEDULING, ADMIN,
        summary="Register a peer specialist (credential, languages, caseload cap)", tags=("workforce",)),
    get("/peers", SCHEDULING, {**ADMIN, R.SUPERVISOR: Scope.PROGRAMS}, owner=Owner.LISTING, query=q.PeerFilter,
        summary="Peers, with their credential and caseload (filter by program)", tags=("workforce",)),
    get("/peers/{peer_id}", SCHEDULING, PEER_STATUS, owner=M,
        summary="One peer's profile", tags=("workforce",)),
    post("/peers/{peer_id}/training", SCHEDULING, ADMIN,
        summary="Record a training the peer completed", tags=("workforce",)),
    get("/peers/{peer_id}/training", SCHEDULING, PEER_STATUS, owner=M, query=q.Page,
        summary="The trainings a peer completed, most recent first", tags=("workforce",)),
    get("/peers/{peer_id}/status", SCHEDULING, PEER_STATUS, owner=M, query=q.StatusOn,
        summary="Whether a peer may bill on a day: credential, training, supervision, and why not",
        tags=("workforce",)),
    get("/peers/{peer_id}/supervision-logs", SCHEDULING, PEER_STATUS, owner=M, query=q.Page,
        summary="The supervision sessions logged for a peer, most recent first", tags=("workforce",)),
    post("/supervision-logs", SCHEDULING, SUPERVISION,
        summary="Log a supervision meeting (counts toward billing only from the peer's supervisor)",
        tags=("workforce",)),
    # participants and enrollments
    post("/participants", SCHEDULING, ADMIN,
        summary="Register a participant (identifiers, preferred language, interpreter need)", tags=("participants",)),
    get("/participants", SCHEDULING, CARE_TEAM, owner=Owner.LISTING, query=q.ParticipantFilter, phi=True,
        names_participant="id",
        summary="The participants you work with now, found by name (filter by program, caseload)",
        tags=("participants",)),
    get("/participants/{participant_id}", SCHEDULING, CARE_TEAM, owner=P, phi=True,
        summary="One participant", tags=("participants",)),
    post("/participants/{participant_id}/consents", SCHEDULING, OWN_AND_ADMIN, owner=P, phi=True,
        summary="Record a consent given or withdrawn (treatment, Part 2 disclosure, feeds)", tags=("participants",)),
    get("/enrollments", SCHEDULING, CARE_TEAM, owner=Owner.LISTING, query=q.EnrollmentFilter, phi=True,
        summary="Enrollments; a peer's caseload (a peer sees only their own)", tags=("participants",)),
    post("/enrollments", SCHEDULING, ADMIN, phi=True,
        summary="Enroll a participant in a program (or put them on its waitlist)", tags=("participants",)),
    get("/enrollments/{enrollment_id}", SCHEDULING, ADMIN, phi=True,
        summary="One enrollment", tags=("participants",)),
    post("/enrollments/{enrollment_id}/end", SCHEDULING, ADMIN, status=200, phi=True,
        summary="End an enrollment with its reason", tags=("participants",)),
    get("/enrollments/{enrollment_id}/peer-matches", SCHEDULING, ADMIN, query=q.MatchTags,
        summary="Peers ranked for an enrollment, with the reasons for each rank", tags=("participants",)),
    put("/enrollments/{enrollment_id}/peer", SCHEDULING, ADMIN, etag_from="/enrollments/{enrollment_id}",
        summary="Assign the enrollment's peer (send If-Match with the enrollment's ETag)", tags=("participants",)),
    # sessions and attendance
    post("/sessions", SCHEDULING, SUPERVISION, phi=True,
        summary="Book a session (one-to-one or group); a conflict is a 409 naming it", tags=("sessions",)),
    post("/session-series", SCHEDULING, SUPERVISION, phi=True,
        summary="Book a weekly series of sessions in the program's time zone", tags=("sessions",)),
    get("/sessions", SCHEDULING, CARE_TEAM, owner=Owner.LISTING, query=q.SessionFilter, phi=True,
        summary="Sessions (filter by program, peer, participant, time range)", tags=("sessions",)),
    get("/sessions/{session_id}", SCHEDULING, CARE_TEAM, owner=S, phi=True,
        summary="One session", tags=("sessions",)),
    post("/sessions/{session_id}/reschedule", SCHEDULING, OWN_AND_ADMIN, status=200, owner=S, phi=True,
        summary="Move a session; a conflict is a 409 naming it", tags=("sessions",)),
    post("/sessions/{session_id}/cancel", SCHEDULING, OWN_AND_ADMIN, status=200, owner=S, phi=True,
        summary="Cancel a session with its reason", tags=("sessions",)),
    post("/sessions/{session_id}/check-ins", SCHEDULING, OWN_AND_ADMIN, owner=S, phi=True,
        summary="Check a participant in to a session", tags=("sessions",)),
    post("/sessions/{session_id}/attendance", SCHEDULING, OWN_AND_ADMIN, owner=S, phi=True,
        summary="Record the attendance of a session (each attendee's status)", tags=("sessions",)),
    get("/sessions/{session_id}/attendance", SCHEDULING, CARE_TEAM, owner=S, phi=True,
        summary="A session's attendance", tags=("sessions",)),
    # care records
    post("/participants/{participant_id}/contacts", SCHEDULING, OWN_AND_ADMIN, owner=P, phi=True,
        summary="Write a contact note (billing minutes, modality)", tags=("care",)),
    get("/participants/{participant_id}/contacts", SCHEDULING, CARE_TEAM, owner=P, query=q.Page, phi=True,
        summary="A participant's contact notes", tags=("care",)),
    get("/contacts", SCHEDULING, CARE_TEAM, owner=Owner.LISTING, query=q.ContactFilter, phi=True,
        summary="Contact notes across your participants; awaiting_cosign: the ones you may co-sign", tags=("care",)),
    get("/contacts/{contact_id}", SCHEDULING, CARE_TEAM, owner=Owner.CONTACT, phi=True,
        summary="One contact note", tags=("care",)),
    post("/contacts/{contact_id}/sign", SCHEDULING, SIGNER, status=200, owner=Owner.CONTACT, phi=True,
        summary="The peer who wrote the note signs it", tags=("care",)),
    post("/contacts/{contact_id}/cosign", SCHEDULING, COSIGNER, status=200, owner=Owner.CONTACT, phi=True,
        summary="The peer's supervisor co-signs a signed note", tags=("care",)),
    post("/participants/{participant_id}/goals", SCHEDULING, OWN_AND_ADMIN, owner=P, phi=True,
        summary="Add a recovery goal", tags=("care",)),
    get("/participants/{participant_id}/goals", SCHEDULING, CARE_TEAM, owner=P, query=q.Page, phi=True,
        summary="A participant's recovery goals", tags=("care",)),
    post("/goals/{goal_id}/status", SCHEDULING, ADMIN, status=200, phi=True,
        summary="Change a goal's status (active, achieved, abandoned)", tags=("care",)),
    get("/instruments", SCHEDULING, NOT_FUNDERS, query=q.Page,
        summary="Questionnaire instruments (PHQ-9, GAD-7, C-SSRS screener, custom ones)", tags=("questionnaires",)),
    get("/instruments/{code}", SCHEDULING, NOT_FUNDERS, query=q.InstrumentVersion,
        summary="One instrument's definition: items, skip logic, scoring (latest or a version)",
        tags=("questionnaires",)),
    post("/instruments", SCHEDULING, ADMIN,
        summary="Publish a custom instrument or a new version of one", tags=("questionnaires",)),
    post("/instruments/{code}/retire", SCHEDULING, ADMIN, status=200,
        summary="No new responses with it; every version stays readable", tags=("questionnaires",)),
    post("/participants/{participant_id}/questionnaire-responses", SCHEDULING, WRITE_CARE, owner=P, phi=True,
        summary="Record a questionnaire response; a safety answer opens a case", tags=("questionnaires",)),
    get("/participants/{participant_id}/questionnaire-responses", SCHEDULING, CARE_TEAM, owner=P,
        query=q.ResponseFilter, phi=True,
        summary="A participant's questionnaire responses, scored", tags=("questionnaires",)),
    post("/participants/{participant_id}/safety-concerns", SCHEDULING, RAISE_CONCERN, owner=P, phi=True,
        summary="Raise a safety concern (a clinician is paged)", tags=("safety",)),
    get("/participants/{participant_id}/safety-concerns", SCHEDULING, CARE_TEAM, owner=P, query=q.Page, phi=True,
        summary="A participant's safety concerns", tags=("safety",)),
    post("/participants/{participant_id}/safety-plans", SCHEDULING, WRITE_CARE, owner=P, phi=True,
        summary="Record a new version of the participant's safety plan", tags=("safety",)),
    get("/participants/{participant_id}/safety-plan", SCHEDULING, CARE_TEAM, owner=P, query=q.PlanVersion, phi=True,
        summary="The participant's current safety plan (or a version)", tags=("safety",)),
    get("/participants/{participant_id}/fhir", SCHEDULING, {**ADMIN, R.CLINICIAN: Scope.PROGRAMS}, owner=P, phi=True,
        summary="FHIR R4 Bundle of the participant's appointments and encounters", tags=("fhir",)),
    post("/hospital-encounters/fhir", SCHEDULING, ADMIN, status=200,
        summary="Ingest a FHIR R4 Encounter (class IMP or EMER)", tags=("fhir",)),
    # escalation cases
    get("/cases", ESCALATION, CLINICAL, owner=Owner.CASE, query=q.CaseFilter, phi=True,
        summary="Safety cases (filter by status, program, level)", tags=("cases",)),
    get("/cases/{case_id}", ESCALATION, CLINICAL, owner=Owner.CASE, phi=True,
        summary="One safety case: signals, level, who is paged, the safety plan", tags=("cases",)),
    get("/cases/{case_id}/timeline", ESCALATION, CLINICAL, owner=Owner.CASE, query=q.Page, phi=True,
        summary="What happened on a case, in order (signals, pages, acknowledgement...)", tags=("cases",)),
    post("/cases/{case_id}/acknowledge", ESCALATION, CASE_WORK, status=200, owner=Owner.CASE, phi=True,
        summary="Acknowledge a case: paging stops, you own it", tags=("cases",)),
    post("/cases/{case_id}/contact-made", ESCALATION, CASE_WORK, status=200, owner=Owner.CASE, phi=True,
        summary="Record that the participant was reached", tags=("cases",)),
    post("/cases/{case_id}/reassign", ESCALATION, CASE_MOVE, status=200, owner=Owner.CASE, phi=True,
        summary="Hand a case to another clinician", tags=("cases",)),
    post("/cases/{case_id}/resolve", ESCALATION, CASE_WORK, status=200, owner=Owner.CASE, phi=True,
        summary="Resolve a case with one of the program's dispositions", tags=("cases",)),
    get("/audit/verify", ESCALATION, AUDITORS,
        summary="Verify the escalation audit trail's hash chain", tags=("cases",)),
    # on-call
    put("/clinicians/{clinician_id}/contacts", ESCALATION, OWN_CONTACTS, owner=M,
        summary="A clinician's contact methods; a new one starts its verification", tags=("on-call",)),
    post("/clinicians/{clinician_id}/contacts/{contact_id}/verification", ESCALATION, OWN_CONTACTS, status=200, owner=M,
        summary="Send a new verification code (or webhook challenge)", tags=("on-call",)),
    post("/clinicians/{clinician_id}/contacts/{contact_id}/verify", ESCALATION, ONLY_THE_CLINICIAN, status=200, owner=M,
        summary="The clinician enters the code they received", tags=("on-call",)),
    put("/programs/{program_id}/escalation-contacts", ESCALATION, ADMIN,
        summary="A program's escalation contacts (crisis line, on-call manager)", tags=("on-call",)),
    put("/programs/{program_id}/escalation-policy", ESCALATION, ADMIN,
        etag_from="/programs/{program_id}/escalation-policy",
        summary="A program's escalation ladder, deadlines and dispositions (send If-Match)", tags=("on-call",)),
    get("/programs/{program_id}/escalation-policy", ESCALATION, CLINICAL, owner=E,
        summary="A program's escalation ladder, deadlines and dispositions", tags=("on-call",)),
    post("/rosters", ESCALATION, ADMIN,
        summary="Publish an on-call roster; a gap or an unreachable clinician is a 422 naming it", tags=("on-call",)),
    get("/programs/{program_id}/rosters", ESCALATION, CLINICAL, owner=E, query=q.Page,
        summary="A program's published on-call rosters, newest version first", tags=("on-call",)),
    get("/programs/{program_id}/on-call", ESCALATION, {**STAFF, **CLINICAL}, owner=E, query=q.OnCallAt,
        summary="Who is on call for a program at an instant, level by level", tags=("on-call",)),
    # metrics: aggregates and de-identified feeds only
    get("/measures", METRICS, {**FUNDING, R.SUPERVISOR: Scope.PROGRAMS}, owner=Owner.LISTING, query=q.MeasureFilter,
        summary="Program aggregates (no participant-level data)", tags=("outcomes",)),
    get("/feeds", METRICS, FUNDING, query=q.FeedFilter,
        summary="The outcome reports published for your organization (latest version of each)", tags=("outcomes",)),
    get("/feeds/{program_id}/{period}", METRICS, FUNDING, media_types=FEED_MEDIA_TYPES, query=q.FeedVersion,
        summary="A de-identified outcome report: JSON, CSV or a FHIR R4 MeasureReport (by Accept)", tags=("outcomes",)),
    get("/fhir/Measure/{measure_id}", METRICS, FUNDING, media_types=("application/fhir+json",),
        summary="The FHIR R4 Measure the outcome reports' MeasureReports point at", tags=("outcomes",)),
)
