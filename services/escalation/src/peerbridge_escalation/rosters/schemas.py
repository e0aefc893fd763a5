from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .schedule import RosterDefinition


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    WEBHOOK = "webhook"


class ContactCreate(BaseModel):
    channel: Channel
    address: str = Field(min_length=3, max_length=500, description="e-mail address, E.164 phone or https URL")
    verified: bool = Field(default=False, description="confirmed by the clinician (e.g. a code they sent back)")
    priority: int = Field(default=0, ge=0, le=9, description="lower first")


class ContactRead(ContactCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    clinician_id: str


class ProgramContactsSet(BaseModel):
    supervisor_id: str
    medical_director_id: str


class RosterPublish(RosterDefinition):
    program_id: str


class RosterRead(BaseModel):
    id: str
    program_id: str
    version: int
    published_at: datetime
    definition: RosterDefinition


class OnCall(BaseModel):
    program_id: str
    at: datetime
    clinician_id: str | None
    roster_version: int | None
