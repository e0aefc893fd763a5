from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime

from ..deps import Caller, Db, Now, Paging
from . import service
from .schemas import Cancel, Reschedule, SeriesCreate, SeriesRead, SessionCreate, SessionRead

router = APIRouter(tags=["sessions"])


@router.post("/sessions", status_code=201, responses={409: {"description": "a peer or participant is double-booked"}})
def create_session(body: SessionCreate, caller: Caller, db: Db, now: Now) -> SessionRead:
    with db.transaction() as session:
        return SessionRead.model_validate(service.create_session(session=session, caller=caller, data=body, clock=now))


@router.post("/session-series", status_code=201,
             responses={409: {"description": "an occurrence double-books a peer or participant"}})
def create_series(body: SeriesCreate, caller: Caller, db: Db, now: Now) -> SeriesRead:
    """A recurring group: every occurrence is booked, or none is."""
    with db.transaction() as session:
        series, sessions = service.create_series(session=session, caller=caller, data=body, clock=now)
        return SeriesRead(series_id=series.id, sessions=[SessionRead.model_validate(s) for s in sessions])


@router.get("/sessions")
def list_sessions(
    caller: Caller, db: Db, page: Paging,
    program_id: str | None = None,
    starts_from: AwareDatetime | None = None,
    starts_before: AwareDatetime | None = None,
    participant_id: str | None = None,
    peer_id: str | None = None,
) -> list[SessionRead]:
    with db.transaction() as session:
        found = service.list_sessions(session=session, caller=caller, program_id=program_id,
                                      starts_from=starts_from, starts_before=starts_before,
                                      participant_id=participant_id, peer_id=peer_id, limit=page.limit,
                                      offset=page.offset)
        return [SessionRead.model_validate(s) for s in found]


@router.get("/sessions/{session_id}")
def read_session(session_id: str, caller: Caller, db: Db) -> SessionRead:
    with db.transaction() as session:
        return SessionRead.model_validate(service.get_session(session=session, caller=caller,
                                                              session_id=session_id))


@router.post("/sessions/{session_id}/reschedule", responses={409: {"description": "double-booked or not scheduled"}})
def reschedule(session_id: str, body: Reschedule, caller: Caller, db: Db, now: Now) -> SessionRead:
    with db.transaction() as session:
        record = service.get_session(session=session, caller=caller, session_id=session_id)
        return SessionRead.model_validate(service.reschedule(session=session, caller=caller, record=record, data=body,
                                                             clock=now))


@router.post("/sessions/{session_id}/cancel", responses={409: {"description": "not scheduled"}})
def cancel(session_id: str, body: Cancel, caller: Caller, db: Db, now: Now) -> SessionRead:
    with db.transaction() as session:
        record = service.get_session(session=session, caller=caller, session_id=session_id)
        return SessionRead.model_validate(service.cancel(session=session, caller=caller, record=record, data=body,
                                                         clock=now))
