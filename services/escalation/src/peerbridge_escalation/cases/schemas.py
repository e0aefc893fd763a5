from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.events.escalation import RiskLevel
from peerbridge_shared.validation import Id, Text


class SignalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    event_id: str
    event_type: str
    risk_level: RiskLevel
    rule: str
    rule_version: str
    evidence: str | None = Field(description="what in the signal matched the rule: the item and the answer")
    effect: str
    occurred_at: datetime
    received_at: datetime


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    case_number: str
    participant_id: str
    program_id: str
    risk_level: RiskLevel
    rule_version: str
    status: str
    opened_at: datetime
    acknowledge_by: datetime
    current_level: int
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    disposition_code: str | None
    assigned_to: str | None
    contact_made_at: datetime | None
    paged: list[str] = Field(description="the clinicians paged at the current level, first paged first")
    signals: list[SignalRead]


class CaseView(CaseRead):
    safety_plan: dict | None = Field(description="the participant's latest safety plan, from scheduling")
    safety_plan_error: str | None = None
    dispositions: dict[str, str] = Field(description="how this case may be resolved: code -> label")


class ContactMade(BaseModel):
    method: Literal["phone", "video", "in_person"]
    note: Text | None = Field(default=None, max_length=4000)


class Reassign(BaseModel):
    clinician_id: Id
    reason: Text = Field(min_length=1, max_length=500)


class Resolve(BaseModel):
    disposition_code: Text = Field(pattern=r"^[a-z0-9_-]{2,50}$", examples=["safety-plan-reviewed", "referred-crisis"])
    note: Text = Field(min_length=1, max_length=4000)


class TimelineEntry(BaseModel):
    """One step of a case from its audit trail."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str = Field(description="signal.<effect> (opened, upgraded, attached...), level.paged, level.nobody, "
                                    "level.unreachable, level.breached, notification.sent, notification.retry, "
                                    "notification.failed, case.acknowledged, case.contact_made, case.reassigned, "
                                    "case.resolved")
    actor: str = Field(description="the user who acted, or `system:escalation`")
    detail: dict = Field(description="what the step names: level and recipients, channel and error, disposition...")


class ChainCheck(BaseModel):
    entries: int
    valid: bool
    first_broken_id: int | None
    reason: str | None
