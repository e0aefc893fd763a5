"""Safety signals: risk screens, peer-raised concerns, safety plans (consumed by escalation)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .base import Event, UtcDatetime


class ScreenInstrument(StrEnum):
    CSSRS_SCREENER = "cssrs_screener"
    PHQ9_ITEM9 = "phq9_item9"


class CssrsAnswers(BaseModel):
    """C-SSRS screener: items 3-5 are asked only when item 2 is yes; item 6 always."""

    model_config = ConfigDict(frozen=True)

    wish_to_be_dead: bool
    suicidal_thoughts: bool
    thoughts_with_method: bool | None = None
    intent_without_plan: bool | None = None
    intent_with_plan: bool | None = None
    suicidal_behavior: bool
    behavior_within_3_months: bool | None = None


class ConcernCategory(StrEnum):
    IMMEDIATE_DANGER = "immediate_danger"
    SUICIDAL_IDEATION = "suicidal_ideation"
    SELF_HARM = "self_harm"
    HARM_TO_OTHERS = "harm_to_others"
    SUBSTANCE_USE_CRISIS = "substance_use_crisis"
    MISSED_CRISIS_CHECK_IN = "missed_crisis_check_in"
    OTHER = "other"


class RiskScreenCompleted(Event):
    type_name = "org.peerbridge.safety.risk-screen.completed.v1"
    summary = "A risk screen was answered: C-SSRS screener items or PHQ-9 item 9 (FHIR QuestionnaireResponse)."

    participant_id: str
    screen_id: str
    program_id: str
    instrument: ScreenInstrument
    cssrs: CssrsAnswers | None = None
    phq9_item9: int | None = Field(default=None, ge=0, le=3)
    completed_at: UtcDatetime
    screened_by: str
    positive: bool = Field(description="any C-SSRS yes, or PHQ-9 item 9 above 0; negative screens count too")
    assessment_id: str | None = None
    rule_version: str = Field(description="the trigger rule that made this a safety signal, e.g. phq9@1:item9>0")
    clinician_id: str | None = Field(default=None, description=(
        "the participant's own clinician in this program's enrollment: the case can page them even if the "
        "enrollment event has not been read yet"))


class SafetyConcernRaised(Event):
    type_name = "org.peerbridge.safety.concern.raised.v1"
    summary = ("A peer (or the platform) raised a safety concern; the free-text note stays in scheduling, "
               "concern_id links to it.")

    participant_id: str
    concern_id: str
    program_id: str
    category: ConcernCategory
    immediate_danger: bool = False
    peer_with_person: bool = Field(default=False, description="the peer is with the participant right now")
    raised_by: str
    raised_at: UtcDatetime
    clinician_id: str | None = Field(default=None, description=(
        "the participant's own clinician in this program's enrollment: the case can page them even if the "
        "enrollment event has not been read yet"))


class SafetyPlanUpdated(Event):
    type_name = "org.peerbridge.safety.plan.updated.v1"
    summary = "A Stanley-Brown safety plan was created or revised (FHIR CarePlan); content stays in scheduling."

    participant_id: str
    safety_plan_id: str
    program_id: str
    version: int = Field(ge=1)
    steps_completed: list[int] = Field(default_factory=list)
    updated_by: str
    updated_at: UtcDatetime
