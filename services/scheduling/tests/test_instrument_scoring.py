"""Each built-in instrument scored against worked examples; answers checked item by item."""

import pytest

from peerbridge_scheduling.questionnaires.definitions import InstrumentDefinition, built_in
from peerbridge_scheduling.questionnaires.scoring import AnswerError, safety_signal, score, validate


def answers(values):
    return {str(i + 1): v for i, v in enumerate(values)}


@pytest.mark.parametrize(("values", "total", "band"), [
    ([0] * 9, 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 2, 1, 0, 3, 1, 2, 0, 2], 12, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2, 1, 0], 15, "moderately severe"),
    ([3] * 9, 27, "severe"),
])
def test_phq9_totals_and_severity_bands(values, total, band):
    scored = score(built_in()["phq9"], answers(values))
    assert (scored.total, scored.band) == (total, band)
    assert scored.item_scores == answers(values)


def test_phq9_item9_above_zero_is_a_safety_signal_and_zero_is_not():
    phq9 = built_in()["phq9"]
    assert safety_signal(phq9, answers([0] * 8 + [2])) == {"phq9_item9": 2, "positive": True}
    assert safety_signal(phq9, answers([3] * 8 + [0])) is None
    assert phq9.rule_version == "phq9@1:item9>0"


@pytest.mark.parametrize(("values", "total", "band"), [([0] * 7, 0, "minimal"), ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
                                                       ([2] * 7, 14, "moderate"), ([3] * 7, 21, "severe")])
def test_gad7_totals_and_bands(values, total, band):
    scored = score(built_in()["gad7"], answers(values))
    assert (scored.total, scored.band) == (total, band)


@pytest.mark.parametrize(("values", "metric"), [([1] * 7, 7.0), ([3] * 7, 19.25), ([4] * 7, 25.03), ([5] * 7, 35.0),
                                                ([3, 3, 3, 3, 3, 3, 4], 19.98)])
def test_swemwbs_raw_total_is_converted_to_the_metric_score(values, metric):
    assert score(built_in()["swemwbs"], answers(values)).total == metric


def test_ras_r_and_wemwbs_totals_cover_their_ranges():
    assert score(built_in()["ras_r"], answers([1] * 24)).total == 24
    assert score(built_in()["ras_r"], answers([5] * 24)).total == 120
    assert score(built_in()["wemwbs"], answers([3] * 14)).total == 42


def test_cssrs_skip_logic_and_signal():
    cssrs = built_in()["cssrs_screener"]
    negative = {"1": False, "2": False, "6": False}
    validate(cssrs, negative)
    assert safety_signal(cssrs, negative)["positive"] is False
    with pytest.raises(AnswerError) as caught:
        validate(cssrs, {**negative, "3": True})
    assert (caught.value.item, caught.value.rule) == ("3", "not_asked")
    with pytest.raises(AnswerError) as caught:
        validate(cssrs, {"1": True, "2": True, "6": False})
    assert (caught.value.item, caught.value.rule) == ("3", "required")
    method = {"1": True, "2": True, "3": True, "4": False, "5": False, "6": True, "6a": False}
    validate(cssrs, method)
    signal = safety_signal(cssrs, method)
    assert signal["positive"] and signal["cssrs"].thoughts_with_method and not signal["cssrs"].behavior_within_3_months
    assert score(cssrs, method).total is None, "C-SSRS has no total: the risk level is decided by escalation"


def test_experience_survey_keeps_narratives_out_of_scores():
    survey = built_in()["experience_survey"]
    given = {"usefulness": 5, "empowerment": 4, "belonging": 3, "usefulness_story": "my peer got me to a clinic"}
    validate(survey, given)
    scored = score(survey, given)
    assert scored.total == 4.0 and scored.subscales == {"usefulness": 5, "empowerment": 4, "belonging": 3}
    assert "usefulness_story" not in scored.item_scores


@pytest.mark.parametrize(("given", "item", "rule"), [
    ({**answers([0] * 8)}, "9", "required"),
    ({**answers([0] * 8 + [4])}, "9", "range"),
    ({**answers([0] * 8 + [True])}, "9", "type"),
    ({**answers([0] * 9), "10": 1}, "10", "unknown_item"),
])
def test_bad_answers_name_the_item_and_rule(given, item, rule):
    with pytest.raises(AnswerError) as caught:
        validate(built_in()["phq9"], given)
    assert (caught.value.item, caught.value.rule) == (item, rule)


def test_definitions_refuse_public_free_text_and_dangling_skip_logic():
    base = {"code": "x", "version": "1", "name": "x"}
    with pytest.raises(ValueError, match="must be private"):
        InstrumentDefinition.model_validate({**base, "items": [{"id": "a", "text": "?", "type": "text"}]})
    with pytest.raises(ValueError, match="unknown item"):
        InstrumentDefinition.model_validate({**base, "items": [
            {"id": "a", "text": "?", "min": 0, "max": 1, "asked_if": {"item": "zz", "equals": 1}}]})
