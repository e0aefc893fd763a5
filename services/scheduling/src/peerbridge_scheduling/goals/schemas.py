from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.events.care import GoalStatus
from peerbridge_shared.validation import Day, Id, Text

from ..access import Disclosable


class GoalCreate(BaseModel):
    program_id: Id
    description: Text = Field(min_length=1, max_length=2000, description="in the participant's words; stays here")
    domain: Text = Field(pattern=r"^[a-z_]{2,40}$", examples=["housing", "employment", "wellness", "relationships"])
    target_on: Day | None = None
    status: GoalStatus = GoalStatus.ACTIVE


class StatusChange(BaseModel):
    status: GoalStatus
    note: Text | None = Field(default=None, max_length=2000)


class StatusEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: GoalStatus
    note: str | None
    changed_by: str
    changed_at: datetime


class GoalRead(Disclosable):
    model_config = ConfigDict(from_attributes=True)
    id: str
    participant_id: str
    program_id: str
    description: str
    domain: str
    target_on: date | None
    status: GoalStatus
    history: list[StatusEntry]
