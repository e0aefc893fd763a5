from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.events.care import AttendanceStatus
from peerbridge_shared.validation import Id

ABSENT = {AttendanceStatus.NO_SHOW, AttendanceStatus.CANCELLED_BY_PARTICIPANT, AttendanceStatus.CANCELLED_BY_PROGRAM}


class AttendeeRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    participant_id: Id
    status: AttendanceStatus
    minutes_present: int = Field(ge=0)


class AttendanceSubmit(BaseModel):
    facilitator_peer_id: Id
    records: list[AttendeeRecord] = Field(min_length=1, description="one per participant on the session")


class AttendanceRead(BaseModel):
    session_id: str
    records: list[AttendeeRecord]
