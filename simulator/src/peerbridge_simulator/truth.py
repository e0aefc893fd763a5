"""The simulator's own count of what it did, with the metrics service's definitions
(docs/metrics.md): calendar months of the event's own time in UTC (a case: the month it opened),
attended = attended, late or left early; questionnaires that have a score, by instrument; risk
screens = every C-SSRS screener and every PHQ-9 with item 9 above 0."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

PRESENT = {"attended", "late", "left_early"}
SCORED = {"phq9", "gad7"}


def month(moment: datetime | date) -> str:
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return f"{day.year:04d}-{day.month:02d}"


@dataclass
class _Series:
    """One participant's scores on one instrument: (completed at, response id, total)."""

    taken: list[tuple[datetime, str, float]] = field(default_factory=list)


class Truth:
    def __init__(self) -> None:
        self.attendance: dict[tuple[str, str], dict[tuple[str, str], str]] = defaultdict(dict)
        self.scores: dict[tuple[str, str], dict[str, _Series]] = defaultdict(dict)
        self.screens: dict[tuple[str, str], list[bool]] = defaultdict(list)
        self.cases: dict[str, tuple[str, str, str, bool]] = {}  # case id -> program, month, level, acknowledged
        self.enrollments: dict[tuple[str, str], int] = defaultdict(int)

    # what happened
    def enrolled(self, program_id: str, on: date) -> None:
        self.enrollments[(program_id, month(on))] += 1

    def attendance_recorded(self, program_id: str, session_id: str, starts_at: datetime, participant_id: str,
                            status: str) -> None:
        self.attendance[(program_id, month(starts_at))][(session_id, participant_id)] = status

    def questionnaire(self, program_id: str, participant_id: str, instrument: str, response_id: str,
                      completed_at: datetime, total: float | None, screen: bool | None) -> None:
        """``screen``: None when the answers are not a risk screen, else whether it was positive."""
        if instrument in SCORED and total is not None:
            series = self.scores[(program_id, instrument)].setdefault(participant_id, _Series())
            series.taken.append((completed_at, response_id, total))
        if screen is not None:
            self.screens[(program_id, month(completed_at))].append(screen)

    def case(self, case_id: str, program_id: str, opened_at: datetime, level: str, acknowledged: bool) -> None:
        self.cases[case_id] = (program_id, month(opened_at), level, acknowledged)

    # the figures, keyed like the metrics service's rows (without the organization)
    def engagement(self) -> dict[tuple[str, str], dict[str, int]]:
        result = {}
        for key, records in self.attendance.items():
            present = [(s, p) for (s, p), status in records.items() if status in PRESENT]
            result[key] = {"active_participants": len({p for _, p in present}), "sessions_attended": len(present),
                           "no_shows": sum(status == "no_show" for status in records.values())}
        return result

    def questionnaires(self) -> dict[tuple[str, str], dict[str, int]]:
        result = {}
        for key, people in self.scores.items():
            figures = {"completions": 0, "participants": len(people), "with_follow_up": 0, "responders": 0,
                       "remissions": 0}
            for series in people.values():
                taken = sorted(series.taken)
                figures["completions"] += len(taken)
                if len(taken) > 1:
                    figures["with_follow_up"] += 1
                    baseline, latest = taken[0][2], taken[-1][2]
                    if key[1] == "phq9":
                        figures["responders"] += latest <= baseline / 2
                        figures["remissions"] += latest < 5
            result[key] = figures
        return result

    def safety(self, foreign: Iterable[tuple[str, datetime, str]] = ()) -> dict[tuple[str, str], dict]:
        """``foreign``: (program, opened at, level) of cases the platform counts that this run's escalation
        service did not open (on a shared test Kafka, other runs' escalation workers see our signals too)."""
        result: dict[tuple[str, str], dict] = defaultdict(
            lambda: {"screens": 0, "positive_screens": 0, "cases": 0, "cases_by_level": {}, "acknowledged": 0})
        for key, screens in self.screens.items():
            result[key]["screens"] += len(screens)
            result[key]["positive_screens"] += sum(screens)
        cases = [*self.cases.values(), *((program, month(opened), level, False) for program, opened, level in foreign)]
        for program_id, opened, level, acknowledged in cases:
            entry = result[(program_id, opened)]
            entry["cases"] += 1
            entry["cases_by_level"][level] = entry["cases_by_level"].get(level, 0) + 1
            entry["acknowledged"] += acknowledged
        return dict(result)

    def cohorts(self) -> dict[tuple[str, str], dict[str, int]]:
        return {key: {"enrollments": count} for key, count in self.enrollments.items()}
