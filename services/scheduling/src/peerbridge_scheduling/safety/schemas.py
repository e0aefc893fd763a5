from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from peerbridge_shared.events.safety import ConcernCategory
from peerbridge_shared.validation import Id, Instant, Name, Text

from ..access import Disclosable

CRISIS_LINE = "988 Suicide & Crisis Lifeline: call or text 988"


class ConcernCreate(BaseModel):
    program_id: Id
    category: ConcernCategory
    immediate_danger: bool = False
    peer_with_person: bool = Field(description="is the peer with the participant right now?")
    note: Text = Field(min_length=1, max_length=4000, description="free text; stays in this service")
    raised_at: Instant


class ConcernRead(ConcernCreate, Disclosable):
    model_config = ConfigDict(from_attributes=True)
    id: str
    participant_id: str
    raised_by: str
    raised_at: datetime


class Contact(BaseModel):
    name: Name = Field(min_length=1, max_length=200)
    phone: Text | None = Field(default=None, max_length=30)


Entries = list[str]


class SafetyPlanSteps(BaseModel):
    """The six steps of the Stanley-Brown Safety Planning Intervention."""

    warning_signs: Entries = Field(default=[], description="1. warning signs")
    internal_coping_strategies: Entries = Field(default=[], description="2. internal coping strategies")
    social_distractions: Entries = Field(default=[], description="3. people and social settings that distract")
    people_to_ask_for_help: list[Contact] = Field(default=[], description="4. people to ask for help")
    professionals_and_agencies: list[Contact] = Field(default=[], description="5. professionals and agencies")
    making_environment_safe: Entries = Field(default=[], description="6. making the environment safe (lethal means)")

    def completed_steps(self) -> list[int]:
        values = [self.warning_signs, self.internal_coping_strategies, self.social_distractions,
                  self.people_to_ask_for_help, self.professionals_and_agencies, self.making_environment_safe]
        return [index for index, value in enumerate(values, start=1) if value]


class SafetyPlanCreate(SafetyPlanSteps):
    program_id: Id


class SafetyPlanRead(Disclosable):
    id: str
    participant_id: str
    program_id: str
    version: int
    steps: SafetyPlanSteps
    completed_steps: list[int]
    crisis_line: str = CRISIS_LINE
    updated_by: str
    updated_at: datetime
