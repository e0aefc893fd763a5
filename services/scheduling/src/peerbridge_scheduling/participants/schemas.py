from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from peerbridge_shared.events.scheduling import ConsentKind
from peerbridge_shared.validation import Day, Id, Instant, Name, Text


class ParticipantCreate(BaseModel):
    given_name: Name = Field(min_length=1, max_length=100)
    family_name: Name = Field(min_length=1, max_length=100)
    birth_date: Day
    member_id: Text | None = Field(default=None, max_length=50, description="payer member id (PHI)")
    phone: Text | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{7,20}$")
    email: EmailStr | None = None
    preferred_language: Text = Field(default="en", pattern=r"^[a-z]{2,3}$", description="BCP 47 primary tag")
    interpreter_needed: bool = False


class ParticipantRead(ParticipantCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str


class ConsentCreate(BaseModel):
    program_id: Id
    kind: ConsentKind
    granted: bool
    effective_at: Instant
    recipient_program_ids: list[Id] = Field(
        default=[], max_length=50,
        description="part2_disclosure only: the programs the Part 2 program's records may be disclosed to")
    expires_at: Instant | None = Field(default=None, description="part2_disclosure: when the consent ends")


class ConsentRead(ConsentCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    participant_id: str
    recorded_by: str
    entered_by: str | None = Field(default=None, description="the program admin who entered it for recorded_by")
    effective_at: datetime
    expires_at: datetime | None


class EnrollmentCreate(BaseModel):
    participant_id: Id
    program_id: Id
    site_id: Id
    enrolled_on: Day
    referral_source: Text | None = Field(default=None, max_length=100)
    payer_id: Id | None = None
    authorized_units: int | None = Field(default=None, ge=0)
    clinician_id: Id | None = Field(default=None, description="the participant's own clinician")
    index_discharge_on: Day | None = Field(default=None, description="index psychiatric discharge, if any")


class EnrollmentRead(EnrollmentCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    peer_id: str | None
    ended_on: date | None
    end_reason: str | None


class EnrollmentEnd(BaseModel):
    ended_on: Day
    reason: Text = Field(min_length=1, max_length=100,
                         description="completed, withdrew, transferred, lost to follow-up")


class PeerAssignment(BaseModel):
    peer_id: Id
