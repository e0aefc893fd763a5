from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.validation import Day, Finite, Id, Line, Name, Text

LanguageCode = str


class SupervisorCreate(BaseModel):
    display_name: Name = Field(min_length=1, max_length=200)
    credential: Name = Field(min_length=1, max_length=100, description="e.g. LCSW, LPC, certified peer supervisor")
    max_peers: int = Field(default=8, ge=1, le=50, description="full-time peers this supervisor may supervise")


class SupervisorRead(SupervisorCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str


class ClinicianCreate(BaseModel):
    display_name: Name = Field(min_length=1, max_length=200)
    license_type: Name = Field(min_length=1, max_length=50)
    license_number: Text = Field(min_length=1, max_length=50)
    jurisdiction: Text = Field(pattern=r"^[A-Z]{2}$", description="state or territory, e.g. NC")
    medical_director: bool = False


class ClinicianRead(ClinicianCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str


class PeerCreate(BaseModel):
    program_id: Id
    display_name: Name = Field(min_length=1, max_length=200)
    credential_type: Name = Field(min_length=1, max_length=50, description="e.g. NC Certified Peer Support Specialist")
    credential_number: Text = Field(min_length=1, max_length=50)
    credential_expires_on: Day
    certified_on: Day
    languages: list[LanguageCode] = Field(min_length=1, description="BCP 47 primary tags, e.g. en, es")
    tags: list[Line] = Field(default=[], description="lived-experience and cultural tags used in matching")
    supervisor_id: Id
    mentor_id: Id | None = None
    caseload_cap: int | None = Field(default=None, ge=1, le=200, description="default: the program's cap")


class PeerRead(PeerCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    caseload_cap: int


class TrainingCreate(BaseModel):
    course: Text = Field(min_length=1, max_length=200)
    hours: Finite = Field(gt=0, le=1000)
    completed_on: Day


class TrainingRead(TrainingCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str


class SupervisionLogCreate(BaseModel):
    supervisor_id: Id | None = Field(default=None, description="you (the default), or whom a program admin records "
                                                               "for (X-On-Behalf-Of)")
    peer_id: Id
    held_on: Day
    minutes: int = Field(ge=1, le=480)
    cases_reviewed: int = Field(default=0, ge=0, le=200)


class SupervisionLogRead(SupervisionLogCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    supervisor_id: str
    program_id: str
    by_assigned_supervisor: bool = Field(description="held by the peer's supervisor of record: counts for billing")
    entered_by: str | None = Field(default=None, description="the program admin who entered it for the supervisor")


class PeerStatus(BaseModel):
    peer_id: str
    on: date
    credential_valid: bool
    supervision_current: bool
    last_supervision_on: date | None
    needs_mentor: bool
    can_deliver_billable_sessions: bool
    reasons: list[str]
    training_hours: float
