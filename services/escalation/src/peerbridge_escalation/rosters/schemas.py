from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from peerbridge_shared.validation import EmailAddress, Id, PhoneE164, Text, WebhookUrl

from .schedule import RosterDefinition


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    WEBHOOK = "webhook"


ADDRESS_TYPES: dict[Channel, TypeAdapter] = {
    Channel.EMAIL: TypeAdapter(EmailAddress), Channel.SMS: TypeAdapter(PhoneE164),
    Channel.VOICE: TypeAdapter(PhoneE164), Channel.WEBHOOK: TypeAdapter(WebhookUrl)}


class ContactCreate(BaseModel):
    """A way to page a clinician. It counts only once the platform verified it (``verified`` is never
    set by a caller): an e-mail or SMS/voice number gets a one-time code the clinician enters, a
    webhook a signed challenge it must echo."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    address: Text = Field(min_length=3, max_length=500, description="e-mail address, E.164 phone or https URL")
    priority: int = Field(default=0, ge=0, le=9, description="lower first")

    @field_validator("address")
    @classmethod
    def _usable_on_its_channel(cls, value: str, info: ValidationInfo) -> str:
        channel = info.data.get("channel")
        if channel is None:
            return value
        return ADDRESS_TYPES[channel].validate_python(value)


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    clinician_id: str
    channel: Channel
    address: str
    priority: int
    verified: bool
    verification: str = Field(description="pending, code_sent, send_failed, challenge_failed, expired, verified or "
                              "legacy (marked verified by a caller before the platform verified methods)")
    verification_error: str | None = None


class ContactVerify(BaseModel):
    code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$", description="the code the clinician received")


class ProgramContactsSet(BaseModel):
    supervisor_id: Id
    medical_director_id: Id


class RosterPublish(RosterDefinition):
    program_id: Id


class RosterRead(BaseModel):
    id: str
    program_id: str
    version: int
    published_at: datetime
    published_by: str
    definition: RosterDefinition


class OnCall(BaseModel):
    program_id: str
    at: datetime
    clinician_id: str | None
    roster_version: int | None
