from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from peerbridge_shared.validation import Id

from ..deps import Caller, Db, Now
from ..sessions.service import get_session
from . import service

router = APIRouter(tags=["attendance"])


class CheckInCreate(BaseModel):
    participant_id: Id


class CheckInRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    session_id: str
    participant_id: str
    checked_in_at: datetime
    checked_in_by: str


@router.post("/sessions/{session_id}/check-ins", status_code=201)
def check_in(session_id: str, body: CheckInCreate, caller: Caller, db: Db, now: Now) -> CheckInRead:
    """A participant arrived. Without a check-in by the end of the grace period they are marked no-show."""
    with db.transaction() as session:
        record = get_session(session=session, caller=caller, session_id=session_id)
        return CheckInRead.model_validate(service.check_in(session=session, caller=caller, record=record,
                                                           participant_id=body.participant_id, clock=now))
