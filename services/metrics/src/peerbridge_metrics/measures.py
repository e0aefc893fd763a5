"""Program measures computed from participant states (the same code for live and batch).

Periods are calendar months of the event's own time (UTC), never of processing time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .billing.rules import Contact, PayerPolicies, bill
from .state import ParticipantState

PRESENT = {"attended", "late", "left_early"}


def month_of(moment) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


@dataclass
class Engagement:
    active_participants: int = 0
    sessions_attended: int = 0
    no_shows: int = 0

    @property
    def attendance_rate(self) -> float | None:
        expected = self.sessions_attended + self.no_shows
        return round(self.sessions_attended / expected, 4) if expected else None

    @property
    def sessions_per_participant(self) -> float | None:
        return round(self.sessions_attended / self.active_participants, 4) if self.active_participants else None

    def as_dict(self) -> dict:
        return {**asdict(self), "attendance_rate": self.attendance_rate,
                "sessions_per_participant": self.sessions_per_participant}


@dataclass
class Reimbursement:
    units: int = 0
    amount: float = 0.0
    non_billable_minutes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def as_rows(measures: dict) -> list[dict]:
    """JSON rows ``{"key": [organization, program, ..., month], ...figures}`` in a stable order."""
    ordered = sorted(measures.items(), key=lambda item: tuple(str(part) for part in item[0]))
    return [{"key": list(key), **value.as_dict()} for key, value in ordered]


@dataclass
class Questionnaire:
    completions: int = 0
    participants: int = 0
    with_follow_up: int = 0
    change_total: float = 0.0
    responders: int = 0  # PHQ-9: latest at most half of baseline
    remissions: int = 0  # PHQ-9: latest below 5
    latest_bands: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        follow = self.with_follow_up
        return {**asdict(self), "mean_change": round(self.change_total / follow, 4) if follow else None,
                "response_rate": round(self.responders / follow, 4) if follow else None,
                "remission_rate": round(self.remissions / follow, 4) if follow else None}


def questionnaires(states: Iterable[ParticipantState]) -> dict[tuple[str, str, str], Questionnaire]:
    """(organization, program, instrument) -> completions, baseline-to-latest change and, for PHQ-9,
    response (a drop of at least half) and remission (below 5); the distribution of latest bands."""
    result: dict[tuple[str, str, str], Questionnaire] = defaultdict(Questionnaire)
    for state in states:
        series: dict[tuple[str, str], list] = defaultdict(list)
        for assessment_id, fact in state.assessments.items():
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
                entry.with_follow_up += 1
                entry.change_total = round(entry.change_total + latest.total - baseline.total, 4)
                if instrument == "phq9":
                    entry.responders += latest.total <= baseline.total / 2
                    entry.remissions += latest.total < 5
    return dict(result)


def engagement(states: Iterable[ParticipantState]) -> dict[tuple[str, str, str], Engagement]:
    """(organization, program, month) -> engagement."""
    result: dict[tuple[str, str, str], Engagement] = defaultdict(Engagement)
    for state in states:
        active: set[tuple[str, str, str]] = set()
        for fact in state.attendance.values():
            key = (state.organization_id, fact.program_id, month_of(fact.starts_at))
            if fact.status in PRESENT:
                result[key].sessions_attended += 1
                active.add(key)
            elif fact.status == "no_show":
                result[key].no_shows += 1
            else:
                result.setdefault(key, Engagement())
        for key in active:
            result[key].active_participants += 1
    return dict(result)


def reimbursement(states: Iterable[ParticipantState], payers: PayerPolicies
                  ) -> dict[tuple[str, str, str | None, str], Reimbursement]:
    """(organization, program, payer, month) -> units, estimated amount, non-billable minutes by reason."""
    result: dict[tuple[str, str, str | None, str], Reimbursement] = defaultdict(Reimbursement)
    for state in states:
        authorized = {state.participant_id: next((e.authorized_units for e in state.enrollments.values()
                                                  if e.authorized_units is not None), None)}
        contacts = state.contacts
        lines = bill([Contact(contact_id=cid, participant_id=state.participant_id, payer_id=fact.payer_id,
                              day=fact.occurred_at.date(), minutes=fact.minutes, group=fact.group,
                              place_of_service=fact.place_of_service, note_signed=fact.signed,
                              credential_valid=fact.credential_valid, supervision_current=fact.supervision_current,
                              enrollment_active=fact.enrollment_active,
                              substance_use_program=any(e.part2 and e.program_id == fact.program_id
                                                        for e in state.enrollments.values()))
                      for cid, fact in contacts.items()], payers, authorized)
        for line in lines:
            fact = contacts[line.contact_id]
            entry = result[(state.organization_id, fact.program_id, line.payer_id, month_of(fact.occurred_at))]
            entry.units += line.units
            entry.amount = round(entry.amount + line.amount, 2)
            if line.not_billable is not None:
                reason = line.not_billable.value
                entry.non_billable_minutes[reason] = entry.non_billable_minutes.get(reason, 0) + \
                    line.non_billable_minutes
    return dict(result)
