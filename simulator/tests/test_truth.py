"""The simulator's truth counts what the metrics service's measures count, from the same facts:
periods are UTC months of the event's own time (a 9 pm New York session on January 31 is a February
session), attended means attended, late or left early, the baseline is the first questionnaire.
Metrics gets its facts from events, which carry UTC instants; the simulator reads local times."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from peerbridge_metrics.measures.engagement import engagement
from peerbridge_metrics.measures.questionnaires import questionnaires
from peerbridge_metrics.measures.safety import safety
from peerbridge_metrics.state import AssessmentFact, AttendanceFact, ParticipantState, ScreenFact, Version
from peerbridge_simulator.truth import Truth

STATUSES = ["attended", "late", "left_early", "no_show", "cancelled_by_participant", "cancelled_by_program"]
START = datetime(2027, 1, 25, 21, 0, tzinfo=ZoneInfo("America/New_York"))  # crosses into February in UTC


def test_the_truth_counts_like_the_metrics_measures():
    rng, truth, states = random.Random(5), Truth(), []
    version = Version(at=datetime(2027, 3, 1, tzinfo=UTC), event_id="e")
    for p in range(30):
        state = ParticipantState(organization_id="org", participant_id=f"p{p}")
        program = f"prog-{p % 2}"
        for s in range(rng.randint(0, 6)):
            starts, status = START + timedelta(days=2 * s + p % 3), rng.choice(STATUSES)
            state.attendance[f"s{p}-{s}"] = AttendanceFact(version=version, program_id=program, status=status,
                                                           minutes=0, starts_at=starts.astimezone(UTC))
            truth.attendance_recorded(program, f"s{p}-{s}", starts, state.participant_id, status)
        for q in range(rng.randint(0, 4)):
            completed, total = START + timedelta(days=10 * q, hours=p), float(rng.randint(0, 27))
            instrument = rng.choice(["phq9", "gad7"])
            state.assessments[f"a{p}-{q}"] = AssessmentFact(version=version, program_id=program, instrument=instrument,
                                                            total=total, band=None,
                                                            completed_at=completed.astimezone(UTC))
            positive = rng.random() < 0.3
            state.screens[f"a{p}-{q}"] = ScreenFact(version=version, program_id=program, positive=positive,
                                                    completed_at=completed.astimezone(UTC))
            truth.questionnaire(program, state.participant_id, instrument, f"a{p}-{q}", completed, total, positive)
        states.append(state)

    def without_org(measures: dict, names: tuple[str, ...]) -> dict:
        return {key[1:]: {name: getattr(figures, name) for name in names} for key, figures in measures.items()}

    engagement_names = ("active_participants", "sessions_attended", "no_shows")
    expected = {key: figures for key, figures in truth.engagement().items()}
    assert without_org(engagement(states), engagement_names) == expected
    assert any(key[1] == "2027-02" for key in expected), "the 9 pm sessions of January 31 count in February"
    names = ("completions", "participants", "with_follow_up", "responders", "remissions")
    assert without_org(questionnaires(states), names) == truth.questionnaires()
    screens = {key: {"screens": f["screens"], "positive_screens": f["positive_screens"]}
               for key, f in truth.safety().items()}
    assert without_org(safety(states, []), ("screens", "positive_screens")) == screens
