"""Safety: screens, positive screens, cases by risk level, time to acknowledge, deadlines kept, breaches."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..state import CaseState, ParticipantState
from .periods import PeriodOf, day, month_of
from .rows import Figures, Rate, ratio


@dataclass
class Safety(Figures):
    """Screens by completion time and safety cases by the time they opened."""

    KEY = "organization, program, period"
    DERIVED = {"cases": int, "positive_rate": Rate, "level_rate": dict[str, Rate], "acknowledge_p50_s": float | None,
               "acknowledge_p90_s": float | None, "within_deadline_rate": Rate}
    screens: int = 0
    positive_screens: int = 0
    cases_by_level: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    within_deadline: int = 0
    breached_cases: int = 0
    seconds_to_acknowledge: list[float] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return sum(self.cases_by_level.values())

    def derived(self) -> dict:
        waits = sorted(self.seconds_to_acknowledge)
        quantiles = statistics.quantiles(waits, n=10, method="inclusive") if len(waits) > 1 else waits * 9
        return {"cases": self.cases, "positive_rate": ratio(self.positive_screens, self.screens),
                "level_rate": {level: ratio(n, self.screens) for level, n in sorted(self.cases_by_level.items())},
                "acknowledge_p50_s": round(statistics.median(waits), 1) if waits else None,
                "acknowledge_p90_s": round(quantiles[8], 1) if waits else None,
                "within_deadline_rate": ratio(self.within_deadline, self.cases)}

    def as_dict(self) -> dict:
        figures = super().as_dict()
        figures["seconds_to_acknowledge"] = sorted(figures["seconds_to_acknowledge"])
        return figures


def safety(states: Iterable[ParticipantState], cases: Iterable[CaseState], period_of: PeriodOf = month_of
           ) -> dict[tuple[str, str, str], Safety]:
    """(organization, program, period) -> screens by completion time, cases by the time they opened."""
    result: dict[tuple[str, str, str], Safety] = defaultdict(Safety)
    for state in states:
        for screen in state.screens.values():
            entry = result[(state.organization_id, screen.program_id, period_of(day(screen.completed_at)))]
            entry.screens += 1
            entry.positive_screens += screen.positive
    for case in cases:
        if case.opened_at is None:  # the opening event has not arrived yet
            continue
        entry = result[(case.organization_id, case.program_id, period_of(day(case.opened_at)))]
        entry.cases_by_level[case.risk_level] = entry.cases_by_level.get(case.risk_level, 0) + 1
        entry.breached_cases += bool(case.breaches)
        if case.seconds_to_acknowledge is not None:
            entry.acknowledged += 1
            entry.within_deadline += bool(case.within_deadline)
            entry.seconds_to_acknowledge.append(case.seconds_to_acknowledge)
    return dict(result)
