"""The rule table, row by row (DOMAIN.md: Columbia triage practice and program defaults)."""

from datetime import UTC, datetime

import pytest

from peerbridge_escalation.classification import RULE_VERSION, ParticipantRisk, classify
from peerbridge_shared.events.care import (
    AttendanceRecorded,
    AttendanceStatus,
    EncounterClass,
    HospitalDischarged,
)
from peerbridge_shared.events.escalation import RiskLevel
from peerbridge_shared.events.safety import (
    ConcernCategory,
    CssrsAnswers,
    RiskScreenCompleted,
    SafetyConcernRaised,
    ScreenInstrument,
)

T = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
NO = dict(wish_to_be_dead=False, suicidal_thoughts=False, suicidal_behavior=False)


def cssrs(**answers):
    return RiskScreenCompleted(participant_id="p", screen_id="s", program_id="x",
                               instrument=ScreenInstrument.CSSRS_SCREENER, cssrs=CssrsAnswers(**{**NO, **answers}),
                               completed_at=T, screened_by="peer", positive=True, rule_version="r")


def phq9(item9):
    return RiskScreenCompleted(participant_id="p", screen_id="s", program_id="x",
                               instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=item9, completed_at=T,
                               screened_by="peer", positive=item9 > 0, rule_version="r")


@pytest.mark.parametrize(("event", "level", "rule"), [
    (cssrs(wish_to_be_dead=True), RiskLevel.LOW, "cssrs.items1_2"),
    (cssrs(suicidal_thoughts=True, thoughts_with_method=False, intent_without_plan=False, intent_with_plan=False),
     RiskLevel.LOW, "cssrs.items1_2"),
    (cssrs(suicidal_thoughts=True, thoughts_with_method=True, intent_without_plan=False, intent_with_plan=False),
     RiskLevel.HIGH, "cssrs.item3_thoughts_with_method"),
    (cssrs(suicidal_thoughts=True, thoughts_with_method=True, intent_without_plan=True, intent_with_plan=False),
     RiskLevel.IMMINENT, "cssrs.item4_intent_without_plan"),
    (cssrs(suicidal_thoughts=True, thoughts_with_method=True, intent_without_plan=True, intent_with_plan=True),
     RiskLevel.IMMINENT, "cssrs.item5_intent_with_plan"),
    (cssrs(suicidal_behavior=True, behavior_within_3_months=True), RiskLevel.IMMINENT,
     "cssrs.item6_behavior_within_3_months"),
    (cssrs(suicidal_behavior=True, behavior_within_3_months=False), RiskLevel.MODERATE,
     "cssrs.item6_behavior_over_3_months"),
    (phq9(1), RiskLevel.MODERATE, "phq9.item9_eq_1"),
    (phq9(2), RiskLevel.HIGH, "phq9.item9_ge_2"),
    (phq9(3), RiskLevel.HIGH, "phq9.item9_ge_2"),
])
def test_screens(event, level, rule):
    decision = classify(event)
    assert (decision.level, decision.rule, decision.version) == (level, rule, RULE_VERSION)


def test_each_decision_says_what_in_the_signal_matched_it():
    assert classify(phq9(2)).evidence == ("PHQ-9 item 9 (thoughts that you would be better off dead, or of "
                                          "hurting yourself): 2, more than half the days")
    assert classify(phq9(1)).evidence.endswith(": 1, several days")
    assert classify(phq9(3)).evidence.endswith(": 3, nearly every day")
    assert classify(cssrs(suicidal_behavior=True, behavior_within_3_months=True)).evidence == \
        "C-SSRS item 6, suicidal behavior: yes, within the past 3 months"
    assert classify(cssrs(wish_to_be_dead=True, suicidal_thoughts=True)).evidence == \
        "C-SSRS item 1, wish to be dead and item 2, suicidal thoughts: yes"
    assert classify(concern(ConcernCategory.OTHER, immediate=True)).evidence == \
        "safety concern raised by peer: other, immediate danger"


def test_negative_screens_are_not_signals():
    assert classify(cssrs()) is None
    assert classify(phq9(0)) is None


def concern(category, immediate=False):
    return SafetyConcernRaised(participant_id="p", concern_id="c", program_id="x", category=category,
                               immediate_danger=immediate, raised_by="peer", raised_at=T)


def test_peer_concerns_are_moderate_unless_in_immediate_danger():
    assert classify(concern(ConcernCategory.SELF_HARM)).level == RiskLevel.MODERATE
    assert classify(concern(ConcernCategory.OTHER, immediate=True)).level == RiskLevel.IMMINENT
    assert classify(concern(ConcernCategory.IMMEDIATE_DANGER)).level == RiskLevel.IMMINENT


def no_show():
    return AttendanceRecorded(participant_id="p", session_id="s", program_id="x", site_id="y", peer_id="peer",
                              session_kind="one_to_one", status=AttendanceStatus.NO_SHOW, minutes_present=0,
                              session_starts_at=T)


def test_a_missed_check_in_matters_only_with_an_open_high_or_imminent_case():
    assert classify(no_show()) is None
    assert classify(no_show(), ParticipantRisk(open_level=RiskLevel.MODERATE)) is None
    assert classify(no_show(), ParticipantRisk(open_level=RiskLevel.HIGH)).level == RiskLevel.MODERATE
    second = classify(no_show(), ParticipantRisk(open_level=RiskLevel.IMMINENT, missed_check_ins=1))
    assert (second.level, second.rule) == (RiskLevel.HIGH, "no_show.second_miss_with_open_high_case")


def test_a_psychiatric_discharge_is_high_for_a_participant_with_an_open_case():
    discharge = HospitalDischarged(participant_id="p", encounter_id="e", encounter_class=EncounterClass.INPATIENT,
                                   psychiatric=True, admitted_at=T, discharged_at=T)
    assert classify(discharge) is None
    assert classify(discharge, ParticipantRisk(open_level=RiskLevel.LOW)).level == RiskLevel.HIGH
    assert classify(discharge.model_copy(update={"psychiatric": False}),
                    ParticipantRisk(open_level=RiskLevel.LOW)) is None
