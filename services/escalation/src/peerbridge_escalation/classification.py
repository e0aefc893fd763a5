"""The versioned rule table that turns a safety signal into a risk level.

Columbia triage practice and the program defaults in DOMAIN.md. The version travels with every
decision (stored on the case and its signals); a change to any rule is a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

from peerbridge_shared.events import Event
from peerbridge_shared.events.care import AttendanceRecorded, AttendanceStatus, HospitalDischarged
from peerbridge_shared.events.escalation import RiskLevel
from peerbridge_shared.events.safety import (
    ConcernCategory,
    RiskScreenCompleted,
    SafetyConcernRaised,
    ScreenInstrument,
)

RULE_VERSION = "2026.11-1"
ORDER = [RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT]


def rank(level: RiskLevel) -> int:
    return ORDER.index(level)


@dataclass(frozen=True)
class Decision:
    level: RiskLevel
    rule: str  # which row of the table matched, e.g. "cssrs.item5"
    evidence: str = ""  # what in the signal matched it, as a clinician reads it
    version: str = RULE_VERSION


PHQ9_ITEM9 = "PHQ-9 item 9 (thoughts that you would be better off dead, or of hurting yourself)"
PHQ9_FREQUENCY = {1: "several days", 2: "more than half the days", 3: "nearly every day"}


@dataclass(frozen=True)
class ParticipantRisk:
    """What the classifier may need to know about the participant's open case."""

    open_level: RiskLevel | None = None
    missed_check_ins: int = 0  # no-shows already counted on the open case


def _cssrs(event: RiskScreenCompleted) -> Decision | None:
    a = event.cssrs
    if a is None:
        return None
    if a.intent_with_plan:
        return Decision(RiskLevel.IMMINENT, "cssrs.item5_intent_with_plan",
                        "C-SSRS item 5, intent to act with a specific plan: yes")
    if a.intent_without_plan:
        return Decision(RiskLevel.IMMINENT, "cssrs.item4_intent_without_plan",
                        "C-SSRS item 4, some intention of acting on the thoughts: yes")
    if a.suicidal_behavior and a.behavior_within_3_months:
        return Decision(RiskLevel.IMMINENT, "cssrs.item6_behavior_within_3_months",
                        "C-SSRS item 6, suicidal behavior: yes, within the past 3 months")
    if a.thoughts_with_method:
        return Decision(RiskLevel.HIGH, "cssrs.item3_thoughts_with_method",
                        "C-SSRS item 3, thoughts of how to do it: yes")
    if a.suicidal_behavior:
        return Decision(RiskLevel.MODERATE, "cssrs.item6_behavior_over_3_months",
                        "C-SSRS item 6, suicidal behavior: yes, over 3 months ago")
    if a.wish_to_be_dead or a.suicidal_thoughts:
        items = [text for answered, text in ((a.wish_to_be_dead, "item 1, wish to be dead"),
                                             (a.suicidal_thoughts, "item 2, suicidal thoughts")) if answered]
        return Decision(RiskLevel.LOW, "cssrs.items1_2", f"C-SSRS {' and '.join(items)}: yes")
    return None


def _phq9_item9(event: RiskScreenCompleted) -> Decision | None:
    value = event.phq9_item9 or 0
    if value == 0:
        return None
    evidence = f"{PHQ9_ITEM9}: {value}, {PHQ9_FREQUENCY[value]}"
    if value >= 2:
        return Decision(RiskLevel.HIGH, "phq9.item9_ge_2", evidence)
    return Decision(RiskLevel.MODERATE, "phq9.item9_eq_1", evidence)


def _concern(event: SafetyConcernRaised) -> Decision:
    evidence = f"safety concern raised by {event.raised_by}: {event.category.value.replace('_', ' ')}"
    if event.immediate_danger or event.category == ConcernCategory.IMMEDIATE_DANGER:
        return Decision(RiskLevel.IMMINENT, "concern.immediate_danger", evidence + ", immediate danger")
    return Decision(RiskLevel.MODERATE, f"concern.{event.category.value}", evidence)


def _missed_check_in(event: AttendanceRecorded, risk: ParticipantRisk) -> Decision | None:
    if event.status != AttendanceStatus.NO_SHOW or risk.open_level is None or rank(risk.open_level) < rank(
            RiskLevel.HIGH):
        return None
    if risk.missed_check_ins >= 1:
        return Decision(RiskLevel.HIGH, "no_show.second_miss_with_open_high_case",
                        "a second missed session while a high-risk case is open")
    return Decision(RiskLevel.MODERATE, "no_show.miss_with_open_high_case",
                    "a missed session while a high-risk case is open")


def _discharge(event: HospitalDischarged, risk: ParticipantRisk) -> Decision | None:
    if not event.psychiatric or risk.open_level is None:
        return None
    return Decision(RiskLevel.HIGH, "discharge.psychiatric_with_open_case",
                    "discharged from a psychiatric stay while a case is open")


def classify(event: Event, risk: ParticipantRisk = ParticipantRisk()) -> Decision | None:
    """The risk level of ``event``, or None when it is not a safety signal."""
    if isinstance(event, RiskScreenCompleted):
        if event.instrument == ScreenInstrument.CSSRS_SCREENER:
            return _cssrs(event)
        return _phq9_item9(event)
    if isinstance(event, SafetyConcernRaised):
        return _concern(event)
    if isinstance(event, AttendanceRecorded):
        return _missed_check_in(event, risk)
    if isinstance(event, HospitalDischarged):
        return _discharge(event, risk)
    return None
