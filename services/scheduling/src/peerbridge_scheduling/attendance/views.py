from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from ..deps import Caller, Db, Now
from ..sessions.service import get_session
from . import service
from .models import Attendance
from .schemas import AttendanceRead, AttendanceSubmit, AttendeeRecord

router = APIRouter(tags=["attendance"])


@router.post("/sessions/{session_id}/attendance", status_code=201)
def record_attendance(session_id: str, body: AttendanceSubmit, caller: Caller, db: Db, now: Now) -> AttendanceRead:
    with db.transaction() as session:
        record = get_session(session=session, caller=caller, session_id=session_id)
        rows = service.record_attendance(session=session, caller=caller, record=record, data=body, clock=now)
        return AttendanceRead(session_id=record.id, records=[AttendeeRecord.model_validate(r) for r in rows])


@router.get("/sessions/{session_id}/attendance")
def read_attendance(session_id: str, caller: Caller, db: Db) -> AttendanceRead:
    with db.transaction() as session:
        record = get_session(session=session, caller=caller, session_id=session_id)
        rows = session.scalars(select(Attendance).where(Attendance.session_id == record.id)
                               .order_by(Attendance.participant_id))
        return AttendanceRead(session_id=record.id, records=[AttendeeRecord.model_validate(r) for r in rows])
