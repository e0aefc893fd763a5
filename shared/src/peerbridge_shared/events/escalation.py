"""Escalation case lifecycle (published by escalation, keyed by case id; FHIR Task + Communication)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from .base import Event, UtcDatetime


class RiskLevel(StrEnum):
    IMMINENT = "imminent"
    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"


class EscalationReason(StrEnum):
    DEADLINE_PASSED = "deadline_passed"
    NO_RECIPIENT = "no_recipient"
    RISK_UPGRADED = "risk_upgraded"
    MANUAL = "manual"


class CaseEvent(Event):
    """Fields every case event carries: enough for the gateway to route a push without a lookup."""

    case_id: str
    case_number: str
    participant_id: str
    program_id: str
    risk_level: RiskLevel


class EscalationOpened(CaseEvent):
    type_name = "org.peerbridge.escalation.case.opened.v1"
    summary = "A safety signal opened a case (or joined a new case) with a risk level and rule version."

    rule_version: str
    signal_event_ids: list[str]
    opened_at: UtcDatetime
    acknowledge_by: UtcDatetime


class EscalationNotified(CaseEvent):
    type_name = "org.peerbridge.escalation.case.notified.v1"
    summary = "A recipient at a ladder level was notified through a channel."

    level: int = Field(ge=0)
    recipient_id: str
    channel: str
    attempt: int = Field(default=1, ge=1)
    notified_at: UtcDatetime


class EscalationAcknowledged(CaseEvent):
    type_name = "org.peerbridge.escalation.case.acknowledged.v1"
    summary = "A clinician acknowledged the case; pending notifications stop."

    acknowledged_by: str
    acknowledged_at: UtcDatetime
    seconds_to_acknowledge: float = Field(ge=0)
    within_deadline: bool


class EscalationEscalated(CaseEvent):
    type_name = "org.peerbridge.escalation.case.escalated.v1"
    summary = "The case climbed to the next ladder level (deadline passed, nobody at the level, or upgrade)."

    from_level: int = Field(ge=0)
    to_level: int = Field(ge=0)
    reason: EscalationReason
    escalated_at: UtcDatetime


class EscalationResolved(CaseEvent):
    type_name = "org.peerbridge.escalation.case.resolved.v1"
    summary = "A clinician closed the case with a disposition code (never automatic)."

    resolved_by: str
    disposition_code: str
    resolved_at: UtcDatetime


class EscalationBreached(CaseEvent):
    type_name = "org.peerbridge.escalation.case.breached.v1"
    summary = "An acknowledge deadline passed with nobody acknowledging."

    level: int = Field(ge=0)
    deadline: UtcDatetime
    breached_at: UtcDatetime
