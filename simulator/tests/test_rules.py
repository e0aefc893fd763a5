"""The simulator's mirror of the product's rules agrees with the product's own code: every answer
it generates is valid for the built-in instruments, and the risk level it expects for a screen is
the one the escalation service's rule table gives."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime

import pytest

from peerbridge_escalation.classification import classify
from peerbridge_scheduling.questionnaires.definitions import built_in
from peerbridge_scheduling.questionnaires.scoring import safety_signal, score, validate
from peerbridge_shared.events.safety import RiskScreenCompleted
from peerbridge_simulator import answers
from peerbridge_simulator.model import Participant


def participant(rng: random.Random, lifetime: bool, recent: bool) -> Participant:
    return Participant(index=0, program=None, language="en", interpreter=False, tags=[], enroll_on=date(2026, 1, 5),
                       engagement=0.8, group_opt_in=False, phq9_baseline=rng.uniform(0, 27),
                       phq9_monthly_change=-1.5, lifetime_behavior=lifetime, recent_behavior=recent)


def level_by_the_product(instrument: str, given: dict) -> str | None:
    definition = built_in()[instrument]
    validate(definition, given)
    signal = safety_signal(definition, given)
    if signal is None:
        return None
    event = RiskScreenCompleted(participant_id="p", screen_id="s", program_id="prog",
                                instrument=definition.safety.screen, completed_at=datetime(2026, 1, 5, tzinfo=UTC),
                                screened_by="peer", rule_version="test", **signal)
    decision = classify(event)
    assert signal["positive"] == (decision is not None), "positive screens are exactly the ones with a level"
    return decision.level.value if decision else None


def cssrs_answer_sets():
    """Every answer set the screener's skip logic allows."""
    for one, two, six in itertools.product([False, True], repeat=3):
        for three, four, five in itertools.product([False, True], repeat=3) if two else [(None, None, None)]:
            for recent in [False, True] if six else [None]:
                given = {"1": one, "2": two, "6": six}
                given |= {"3": three, "4": four, "5": five} if two else {}
                given |= {"6a": recent} if six else {}
                yield given


@pytest.mark.parametrize("given", list(cssrs_answer_sets()), ids=str)
def test_the_cssrs_level_the_simulator_expects_is_the_escalation_rule(given):
    assert answers.cssrs_level(given) == level_by_the_product("cssrs_screener", given)


@pytest.mark.parametrize("item9", [0, 1, 2, 3])
def test_the_phq9_level_the_simulator_expects_is_the_escalation_rule(item9):
    given = {**{str(i): 1 for i in range(1, 9)}, "9": item9}
    assert answers.phq9_level(item9) == level_by_the_product("phq9", given)


def test_generated_answers_are_valid_and_score_as_planned():
    rng = random.Random(3)
    definitions = built_in()
    for n in range(2000):
        person = participant(rng, lifetime=n % 5 == 0, recent=n % 10 == 0)
        total = answers.phq9_total(rng, person, weeks_in=rng.uniform(0, 12))
        phq9 = answers.phq9(rng, total)
        validate(definitions["phq9"], phq9)
        assert score(definitions["phq9"], phq9).total == total
        validate(definitions["gad7"], answers.gad7(rng, total))
        screen = answers.cssrs(rng, person, total, after_item9=phq9["9"] > 0)
        assert answers.cssrs_level(screen) == level_by_the_product("cssrs_screener", screen)
