from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from peerbridge_shared.events.scheduling import Modality, SessionKind
from peerbridge_shared.validation import Id, Instant, Text

from ..access import Disclosable
from ..sessions.schemas import ends_after


class ContactCreate(BaseModel):
    program_id: Id
    peer_id: Id | None = Field(default=None, description="the peer who met the participant: you (the default), or "
                                                         "whom a program admin documents for (X-On-Behalf-Of)")
    session_id: Id | None = None
    session_kind: SessionKind = SessionKind.ONE_TO_ONE
    modality: Modality
    place_of_service: Text = Field(pattern=r"^\d{2}$")
    started_at: Instant
    ended_at: Instant
    face_to_face_minutes: int = Field(ge=0, le=720)
    goal_ids: list[Id] = []
    note: Text = Field(min_length=1, max_length=10000, description="the progress note; stays in this service")

    _check_end = field_validator("ended_at")(ends_after("started_at"))


class Cosign(BaseModel):
    supervisor_id: Id | None = Field(default=None, description="you, the peer's supervisor (the default)")


class ContactRead(Disclosable):
    model_config = ConfigDict(from_attributes=True)

    id: str
    participant_id: str
    program_id: str
    peer_id: str
    session_id: str | None
    session_kind: SessionKind
    modality: Modality
    place_of_service: str
    started_at: datetime
    ended_at: datetime
    face_to_face_minutes: int
    goal_ids: list[str]
    note: str
    signed_at: datetime | None
    signed_by: str | None
    cosigned_at: datetime | None
    cosigned_by: str | None
    entered_by: str | None = Field(default=None, description="the program admin who documented it for the peer")
