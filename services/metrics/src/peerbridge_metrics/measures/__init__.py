"""Program measures from the facts metrics keeps (the same code for the live view and the batch reference).

Periods are of the event's own time (UTC), never of processing time; measures that need a "today"
(retention, transitions, hospitalization windows, expiring credentials) take it as ``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..billing.rules import PayerPolicies
from ..state import CaseState, ParticipantState, PeerState
from .engagement import Cohort, Engagement, Goals, cohorts, engagement, goals
from .hospital import Hospitalization, Transitions, hospitalization, transitions
from .periods import PeriodOf, month_of
from .questionnaires import Questionnaire, questionnaires
from .reimbursement import Reimbursement, reimbursement
from .rows import Figures, as_rows, row_model
from .safety import Safety, safety
from .workforce import PeerLoad, workforce

__all__ = ["FAMILIES", "Facts", "MeasureFamily", "Measures", "as_json", "as_rows", "compute", "engagement",
           "questionnaires", "reimbursement"]

FAMILIES: dict[str, type[Figures]] = {
    "engagement": Engagement, "cohorts": Cohort, "goals": Goals, "questionnaires": Questionnaire,
    "transitions": Transitions, "hospitalization": Hospitalization, "safety": Safety,
    "reimbursement": Reimbursement, "workforce": PeerLoad,
}


@dataclass
class Facts:
    """Everything metrics keeps, for one organization or all of them."""

    participants: list[ParticipantState] = field(default_factory=list)
    cases: list[CaseState] = field(default_factory=list)
    peers: list[PeerState] = field(default_factory=list)

    def of(self, organization_id: str) -> Facts:
        return Facts([s for s in self.participants if s.organization_id == organization_id],
                     [c for c in self.cases if c.organization_id == organization_id],
                     [p for p in self.peers if p.organization_id == organization_id])


def compute(facts: Facts, payers: PayerPolicies, as_of: date, period_of: PeriodOf = month_of,
            families: Iterable[str] | None = None) -> dict[str, dict]:
    """The measure families asked for (default: every one): {family: {key tuple: figures}}."""
    people: list[ParticipantState] = facts.participants
    makers: dict[str, Callable[[], dict]] = {
        "engagement": lambda: engagement(people, period_of),
        "cohorts": lambda: cohorts(people, as_of, period_of),
        "goals": lambda: goals(people),
        "questionnaires": lambda: questionnaires(people, as_of),
        "transitions": lambda: transitions(people, as_of, period_of),
        "hospitalization": lambda: hospitalization(people, as_of),
        "safety": lambda: safety(people, facts.cases, period_of),
        "reimbursement": lambda: reimbursement(people, payers, period_of),
        "workforce": lambda: workforce(people, facts.peers, as_of, period_of),
    }
    return {family: makers[family]() for family in (families or FAMILIES)}


MeasureFamily = StrEnum("MeasureFamily", [(family, family) for family in FAMILIES])  # type: ignore[misc]

Measures: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Measures", __config__=ConfigDict(extra="forbid"),
    __doc__="The measure families asked for (default: every one) of the caller's organization as rows (no "
            "participant-level data); a family not asked for is left out.",
    organization_id=(str, ...), program_id=(str | None, Field(description="the program asked for, if any")),
    period=(str | None, Field(description="the period asked for (a month, or a quarter such as 2026-Q4)")),
    **{family: (list[row_model(figures)], Field(default_factory=list, description=f"the {family} rows; left out "
                "when not asked for (family=)")) for family, figures in FAMILIES.items()})


def as_json(measures: dict[str, dict]) -> dict[str, list[dict]]:
    return {family: as_rows(figures) for family, figures in measures.items()}
