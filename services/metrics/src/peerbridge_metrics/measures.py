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
