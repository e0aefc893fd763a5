"""Questionnaires: completion, baseline-to-latest change, PHQ-9 response and remission, distributions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..state import ParticipantState
from .periods import day
from .rows import Figures, Rate, ratio


@dataclass
class Questionnaire(Figures):
    """Completions and baseline-to-latest change of one instrument (PHQ-9 response and remission)."""

    KEY = "organization, program, instrument"
    DERIVED = {"mean_change": float | None, "response_rate": Rate, "remission_rate": Rate}
    completions: int = 0
    participants: int = 0
    with_follow_up: int = 0
    change_total: float = 0.0
    responders: int = 0  # PHQ-9: latest at most half of baseline
    remissions: int = 0  # PHQ-9: latest below 5
    latest_bands: dict[str, int] = field(default_factory=dict)
    changes: list[float] = field(default_factory=list)

    def derived(self) -> dict:
        follow = self.with_follow_up
        return {"mean_change": round(self.change_total / follow, 4) if follow else None,
                "response_rate": ratio(self.responders, follow), "remission_rate": ratio(self.remissions, follow)}

    def as_dict(self) -> dict:
        figures = super().as_dict()
        figures["changes"] = sorted(figures["changes"])
        return figures


def questionnaires(states: Iterable[ParticipantState], as_of: date | None = None
                   ) -> dict[tuple[str, str, str], Questionnaire]:
    """(organization, program, instrument) -> completions, baseline-to-latest change (each change, not only
    the mean) and, for PHQ-9, response (a drop of at least half) and remission (below 5); the distribution
    of latest bands. With ``as_of``, only questionnaires completed on or before that day."""
    result: dict[tuple[str, str, str], Questionnaire] = defaultdict(Questionnaire)
    for state in states:
        series: dict[tuple[str, str], list] = defaultdict(list)
        for assessment_id, fact in state.assessments.items():
            if as_of is None or day(fact.completed_at) <= as_of:
                series[(fact.program_id, fact.instrument)].append((fact.completed_at, assessment_id, fact))
        for (program, instrument), taken in series.items():
            taken.sort(key=lambda item: item[:2])
            entry = result[(state.organization_id, program, instrument)]
            baseline, latest = taken[0][2], taken[-1][2]
            entry.completions += len(taken)
            entry.participants += 1
            band = latest.band or "none"
            entry.latest_bands[band] = entry.latest_bands.get(band, 0) + 1
            if len(taken) > 1:
                change = round(latest.total - baseline.total, 4)
                entry.with_follow_up += 1
                entry.change_total = round(entry.change_total + change, 4)
                entry.changes.append(change)
                if instrument == "phq9":
                    entry.responders += latest.total <= baseline.total / 2
                    entry.remissions += latest.total < 5
    return dict(result)
