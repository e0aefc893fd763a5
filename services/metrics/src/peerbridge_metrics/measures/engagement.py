"""Engagement: who takes part, how often, how soon after enrolling, and who stays."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..state import ParticipantState
from .periods import PeriodOf, day, month_of
from .rows import Figures, Rate, ratio

PRESENT = {"attended", "late", "left_early"}
RETENTION_DAYS = (30, 90, 180)


@dataclass
class Engagement(Figures):
    """Attendance of the period's sessions (active: attended one)."""

    KEY = "organization, program, period of the session"
    DERIVED = {"attendance_rate": Rate, "no_show_rate": Rate, "sessions_per_participant": Rate}
    active_participants: int = 0
    sessions_attended: int = 0
    no_shows: int = 0
    active_by_site: dict[str, int] = field(default_factory=dict)  # by enrollment site

    def derived(self) -> dict:
        return {"attendance_rate": ratio(self.sessions_attended, self.sessions_attended + self.no_shows),
                "no_show_rate": ratio(self.no_shows, self.sessions_attended + self.no_shows),
                "sessions_per_participant": ratio(self.sessions_attended, self.active_participants)}


def engagement(states: Iterable[ParticipantState], period_of: PeriodOf = month_of
               ) -> dict[tuple[str, str, str], Engagement]:
    """(organization, program, period of the session) -> engagement."""
    result: dict[tuple[str, str, str], Engagement] = defaultdict(Engagement)
    for state in states:
        active: set[tuple[str, str, str]] = set()
        for fact in state.attendance.values():
            key = (state.organization_id, fact.program_id, period_of(day(fact.starts_at)))
            if fact.status in PRESENT:
                result[key].sessions_attended += 1
                active.add(key)
            elif fact.status == "no_show":
                result[key].no_shows += 1
            else:
                result.setdefault(key, Engagement())
        for key in active:
            entry = result[key]
            entry.active_participants += 1
            site = enrollment_site(state, key[1])
            entry.active_by_site[site] = entry.active_by_site.get(site, 0) + 1
    return dict(result)


def enrollment_site(state: ParticipantState, program_id: str) -> str:
    sites = sorted(e.site_id for e in state.enrollments.values() if e.program_id == program_id)
    return sites[0] if sites and sites[0] else "unknown"


@dataclass
class Cohort(Figures):
    """Enrollments of one period: time to first session and retention as of a day."""

    KEY = "organization, program, period of enrollment"
    DERIVED = {"days_to_first_session_median": float | None, "days_to_first_session_mean": float | None,
               "retention_rate": dict[str, Rate]}

    enrollments: int = 0
    started: int = 0
    days_to_first_session: list[int] = field(default_factory=list)
    retention_eligible: dict[str, int] = field(default_factory=dict)
    retained: dict[str, int] = field(default_factory=dict)

    def derived(self) -> dict:
        days = sorted(self.days_to_first_session)
        return {"days_to_first_session_median": statistics.median(days) if days else None,
                "days_to_first_session_mean": round(statistics.fmean(days), 2) if days else None,
                "retention_rate": {n: ratio(self.retained.get(n, 0), eligible)
                                   for n, eligible in sorted(self.retention_eligible.items())}}

    def as_dict(self) -> dict:
        figures = super().as_dict()
        figures["days_to_first_session"] = sorted(figures["days_to_first_session"])
        return figures


def cohorts(states: Iterable[ParticipantState], as_of: date, period_of: PeriodOf = month_of
            ) -> dict[tuple[str, str, str], Cohort]:
    """(organization, program, period of enrollment) -> days to first attended session, retention at
    30/90/180 days (enrollment not ended before day N, among enrollments whose day N is on or before as_of)."""
    result: dict[tuple[str, str, str], Cohort] = defaultdict(Cohort)
    for state in states:
        for enrollment in state.enrollments.values():
            if enrollment.enrolled_on > as_of:
                continue
            entry = result[(state.organization_id, enrollment.program_id, period_of(enrollment.enrolled_on))]
            entry.enrollments += 1
            first = min((day(a.starts_at) for a in state.attendance.values()
                         if a.program_id == enrollment.program_id and a.status in PRESENT
                         and day(a.starts_at) >= enrollment.enrolled_on), default=None)
            if first is not None:
                entry.started += 1
                entry.days_to_first_session.append((first - enrollment.enrolled_on).days)
            for n in RETENTION_DAYS:
                mark = enrollment.enrolled_on + timedelta(days=n)
                if mark <= as_of:
                    entry.retention_eligible[str(n)] = entry.retention_eligible.get(str(n), 0) + 1
                    if enrollment.ended_on is None or enrollment.ended_on >= mark:
                        entry.retained[str(n)] = entry.retained.get(str(n), 0) + 1
    return dict(result)


@dataclass
class Goals(Figures):
    """Recovery goals by their current status (proposed goals not counted)."""

    KEY = "organization, program"
    DERIVED = {"completion_rate": Rate}
    goals: int = 0
    achieved: int = 0
    abandoned: int = 0

    def derived(self) -> dict:
        return {"completion_rate": ratio(self.achieved, self.goals)}


def goals(states: Iterable[ParticipantState]) -> dict[tuple[str, str], Goals]:
    """(organization, program) -> recovery goals by their current status (proposed goals not counted)."""
    result: dict[tuple[str, str], Goals] = defaultdict(Goals)
    for state in states:
        for goal in state.goals.values():
            if goal.status == "proposed":
                continue
            entry = result[(state.organization_id, goal.program_id)]
            entry.goals += 1
            entry.achieved += goal.status == "achieved"
            entry.abandoned += goal.status == "abandoned"
    return dict(result)
