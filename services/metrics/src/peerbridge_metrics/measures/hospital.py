"""Transitions after psychiatric discharge (HEDIS FUH-like) and hospital use before vs after enrollment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..state import EncounterFact, ParticipantState
from .engagement import PRESENT
from .periods import PeriodOf, day, month_of
from .rows import Figures, Rate, ratio

EXCLUDED_DISPOSITIONS = {"death", "transfer"}
WINDOW_DAYS = 365


@dataclass
class Transitions(Figures):
    """Follow-up after psychiatric inpatient discharge within 48 hours, 7 and 30 days."""

    KEY = "organization, program enrolled on the discharge day, period of discharge"
    DERIVED = {"rate_48h": Rate, "rate_7d": Rate, "rate_30d": Rate}
    discharges: int = 0
    excluded: int = 0  # death, transfer, or readmitted within 30 days
    due_48h: int = 0
    within_48h: int = 0
    due_7d: int = 0
    followed_7d: int = 0
    due_30d: int = 0
    followed_30d: int = 0

    def derived(self) -> dict:
        return {"rate_48h": ratio(self.within_48h, self.due_48h), "rate_7d": ratio(self.followed_7d, self.due_7d),
                "rate_30d": ratio(self.followed_30d, self.due_30d)}


def _psychiatric_stays(state: ParticipantState) -> list[EncounterFact]:
    return [e for e in state.stays() if e.inpatient and e.psychiatric and e.discharged_at is not None]


def _program_on(state: ParticipantState, when: date) -> str | None:
    active = sorted(e.program_id for e in state.enrollments.values()
                    if e.enrolled_on <= when and (e.ended_on is None or e.ended_on >= when))
    return active[0] if active else None


def _readmitted(state: ParticipantState, stay: EncounterFact, *, psychiatric_only: bool) -> bool:
    end = stay.discharged_at + timedelta(days=30)
    return any(other.inpatient and (other.psychiatric or not psychiatric_only)
               and stay.discharged_at < other.admitted_at <= end for other in state.stays())


def _contacts(state: ParticipantState, program: str) -> list[datetime]:
    return [c.occurred_at for c in state.contacts.values() if c.program_id == program] + \
        [a.starts_at for a in state.attendance.values() if a.program_id == program and a.status in PRESENT]


def transitions(states: Iterable[ParticipantState], as_of: date, period_of: PeriodOf = month_of
                ) -> dict[tuple[str, str, str], Transitions]:
    """(organization, program enrolled on the discharge day, period of discharge) -> psychiatric inpatient
    discharges followed by a program contact within 48 hours, 7 and 30 days. FUH rules: a contact on the
    discharge day does not count for 7/30 days; discharges ending in death or transfer, or followed by any
    inpatient admission within 30 days, are excluded; a window counts once it has closed by ``as_of``."""
    result: dict[tuple[str, str, str], Transitions] = defaultdict(Transitions)
    for state in states:
        for stay in _psychiatric_stays(state):
            discharged_on = day(stay.discharged_at)
            program = _program_on(state, discharged_on)
            if program is None or discharged_on > as_of:
                continue
            entry = result[(state.organization_id, program, period_of(discharged_on))]
            entry.discharges += 1
            if stay.disposition in EXCLUDED_DISPOSITIONS or _readmitted(state, stay, psychiatric_only=False):
                entry.excluded += 1
                continue
            contacts = _contacts(state, program)
            days_after = {(day(moment) - discharged_on).days for moment in contacts}
            if discharged_on + timedelta(days=2) <= as_of:
                entry.due_48h += 1
                entry.within_48h += any(stay.discharged_at < moment <= stay.discharged_at + timedelta(hours=48)
                                        for moment in contacts)
            for window, due, followed in ((7, "due_7d", "followed_7d"), (30, "due_30d", "followed_30d")):
                if discharged_on + timedelta(days=window) <= as_of:
                    setattr(entry, due, getattr(entry, due) + 1)
                    if any(1 <= after <= window for after in days_after):
                        setattr(entry, followed, getattr(entry, followed) + 1)
    return dict(result)


@dataclass
class Hospitalization(Figures):
    """Equal windows before and after each enrollment (up to a year, as long as the time enrolled so far)."""

    KEY = "organization, program"
    DERIVED = {**{f"{name}_per_participant_year": float | None for name in (
        "admissions_before", "admissions_after", "inpatient_days_before", "inpatient_days_after")},
        "readmission_rate_30d": Rate}

    enrollments: int = 0
    window_days: int = 0
    admissions_before: int = 0
    admissions_after: int = 0
    inpatient_days_before: int = 0
    inpatient_days_after: int = 0
    ed_visits_before: int = 0
    ed_visits_after: int = 0
    discharges_due_30d: int = 0
    readmitted_30d: int = 0

    def derived(self) -> dict:
        years = self.window_days / 365.25
        per_year = {f"{name}_per_participant_year": round(getattr(self, name) / years, 4) if years else None
                    for name in ("admissions_before", "admissions_after", "inpatient_days_before",
                                 "inpatient_days_after")}
        return {**per_year, "readmission_rate_30d": ratio(self.readmitted_30d, self.discharges_due_30d)}


def _days_inside(start: date, end: date, window_start: date, window_end: date) -> int:
    return max(0, (min(end, window_end) - max(start, window_start)).days)


def hospitalization(states: Iterable[ParticipantState], as_of: date) -> dict[tuple[str, str], Hospitalization]:
    """(organization, program) -> psychiatric admissions, inpatient days and ED visits in equal windows
    before and after enrollment, and the 30-day psychiatric readmission rate after enrollment."""
    result: dict[tuple[str, str], Hospitalization] = defaultdict(Hospitalization)
    for state in states:
        for enrollment in state.enrollments.values():
            if enrollment.enrolled_on > as_of:
                continue
            window = min(WINDOW_DAYS, (as_of - enrollment.enrolled_on).days + 1)
            start, before = enrollment.enrolled_on, enrollment.enrolled_on - timedelta(days=window)
            end = start + timedelta(days=window)
            entry = result[(state.organization_id, enrollment.program_id)]
            entry.enrollments += 1
            entry.window_days += window
            for stay in state.stays():
                admitted = day(stay.admitted_at)
                side = "before" if before <= admitted < start else "after" if start <= admitted < end else None
                if not stay.inpatient:
                    if side:
                        setattr(entry, f"ed_visits_{side}", getattr(entry, f"ed_visits_{side}") + 1)
                    continue
                if not stay.psychiatric:
                    continue
                if side:
                    setattr(entry, f"admissions_{side}", getattr(entry, f"admissions_{side}") + 1)
                left = day(stay.discharged_at) if stay.discharged_at else as_of
                entry.inpatient_days_before += _days_inside(admitted, left, before, start)
                entry.inpatient_days_after += _days_inside(admitted, left, start, end)
                if stay.discharged_at and start <= left < end and left + timedelta(days=30) <= as_of:
                    entry.discharges_due_30d += 1
                    entry.readmitted_30d += _readmitted(state, stay, psychiatric_only=True)
    return dict(result)
