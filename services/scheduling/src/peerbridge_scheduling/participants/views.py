from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from peerbridge_shared.deps import MAX_PAGE
from peerbridge_shared.validation import Id, Line

from ..access import reach
from ..deps import Caller, Db, Now, Paging
from ..matching import service as matching
from ..matching.schemas import Candidate
from . import service
from .schemas import (
    ConsentCreate,
    ConsentRead,
    EnrollmentCreate,
    EnrollmentEnd,
    EnrollmentRead,
    ParticipantCreate,
    ParticipantRead,
    PeerAssignment,
)

router = APIRouter(tags=["participants"])


@router.post("/participants", status_code=201)
def create_participant(body: ParticipantCreate, caller: Caller, db: Db) -> ParticipantRead:
    with db.transaction() as session:
        return ParticipantRead.model_validate(
            service.create_participant(session=session, organization_id=caller.organization_id, data=body))


@router.get("/participants")
def list_participants(
    caller: Caller, db: Db, page: Paging,
    program_id: Annotated[list[Id] | None, Query(max_length=100)] = None,
    participant_id: Annotated[list[Id] | None, Query(max_length=MAX_PAGE, description="these participants")] = None,
    peer_id: Annotated[Id | None, Query(description="a peer's caseload")] = None,
    name: Annotated[Line | None, Query(max_length=100, description="words found in the given or family name, "
                                                                   "whatever their case")] = None,
) -> list[ParticipantRead]:
    """The participants you work with through an active enrollment, by family then given name."""
    with db.transaction() as session:
        found = service.list_participants(session=session, caller=caller, program_ids=program_id,
                                          participant_ids=participant_id, peer_id=peer_id, name=name,
                                          limit=page.limit, offset=page.offset)
        return [ParticipantRead.model_validate(p) for p in found]


@router.get("/participants/{participant_id}")
def read_participant(participant_id: str, caller: Caller, db: Db, now: Now) -> ParticipantRead:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return ParticipantRead.model_validate(found.participant)


@router.post("/participants/{participant_id}/consents", status_code=201)
def record_consent(participant_id: str, body: ConsentCreate, caller: Caller, db: Db, now: Now) -> ConsentRead:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return ConsentRead.model_validate(service.record_consent(session=session, caller=caller, reach=found,
                                                                 data=body, clock=now))


@router.post("/enrollments", status_code=201)
def enroll(body: EnrollmentCreate, caller: Caller, db: Db, now: Now) -> EnrollmentRead:
    with db.transaction() as session:
        return EnrollmentRead.model_validate(service.enroll(session=session, caller=caller, data=body, clock=now))


@router.get("/enrollments")
def list_enrollments(
    caller: Caller, db: Db, page: Paging,
    participant_id: str | None = None,
    peer_id: Annotated[str | None, Query(description="the peer's caseload")] = None,
    program_id: Annotated[list[str] | None, Query()] = None,
    active: Annotated[bool | None, Query(description="true: not ended; false: ended")] = None,
) -> list[EnrollmentRead]:
    with db.transaction() as session:
        found = service.list_enrollments(session=session, caller=caller,
                                         participant_id=participant_id, peer_id=peer_id, program_ids=program_id,
                                         active=active, limit=page.limit, offset=page.offset)
        return [EnrollmentRead.model_validate(e) for e in found]


@router.get("/enrollments/{enrollment_id}")
def read_enrollment(enrollment_id: str, caller: Caller, db: Db) -> EnrollmentRead:
    with db.transaction() as session:
        return EnrollmentRead.model_validate(service.get_enrollment(
            session=session, caller=caller, enrollment_id=enrollment_id))


@router.post("/enrollments/{enrollment_id}/end")
def end_enrollment(enrollment_id: str, body: EnrollmentEnd, caller: Caller, db: Db, now: Now) -> EnrollmentRead:
    with db.transaction() as session:
        enrollment = service.get_enrollment(session=session, caller=caller, enrollment_id=enrollment_id)
        return EnrollmentRead.model_validate(service.end_enrollment(session=session, caller=caller,
                                                                    enrollment=enrollment, data=body, clock=now))


@router.get("/enrollments/{enrollment_id}/peer-matches")
def suggest_peers(enrollment_id: str, caller: Caller, db: Db, now: Now, page: Paging,
                  tags: Annotated[list[str] | None, Query(description="preferred lived-experience or cultural tags")]
                  = None) -> list[Candidate]:
    """Every peer of the program, ranked, each with the reasons for its place (best first, paged)."""
    with db.transaction() as session:
        enrollment = service.get_enrollment(session=session, caller=caller, enrollment_id=enrollment_id)
        return page.slice(matching.suggest(session=session, enrollment=enrollment, tags=set(tags or []),
                                           today=now().date()))


@router.put("/enrollments/{enrollment_id}/peer")
def assign_peer(enrollment_id: str, body: PeerAssignment, caller: Caller, db: Db, now: Now) -> Candidate:
    with db.transaction() as session:
        enrollment = service.get_enrollment(session=session, caller=caller, enrollment_id=enrollment_id)
        return matching.assign(session=session, caller=caller, enrollment=enrollment, peer_id=body.peer_id, clock=now)
