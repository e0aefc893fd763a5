"""Reimbursement: billable units and estimated amount per payer rule, non-billable minutes with the reason."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..billing.rules import Contact, PayerPolicies, bill
from ..state import ParticipantState
from .periods import PeriodOf, day, month_of
from .rows import Figures


@dataclass
class Reimbursement(Figures):
    """Billable units, their estimated amount and non-billable minutes by reason."""

    KEY = "organization, program, payer (null: none), period of the date of service"
    units: int = 0
    amount: float = 0.0
    non_billable_minutes: dict[str, int] = field(default_factory=dict)


def reimbursement(states: Iterable[ParticipantState], payers: PayerPolicies, period_of: PeriodOf = month_of
                  ) -> dict[tuple[str, str, str | None, str], Reimbursement]:
    """(organization, program, payer, period of the date of service) -> units, estimated amount,
    non-billable minutes by reason."""
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
            entry = result[(state.organization_id, fact.program_id, line.payer_id, period_of(day(fact.occurred_at)))]
            entry.units += line.units
            entry.amount = round(entry.amount + line.amount, 2)
            if line.not_billable is not None:
                reason = line.not_billable.value
                entry.non_billable_minutes[reason] = entry.non_billable_minutes.get(reason, 0) + \
                    line.non_billable_minutes
    return dict(result)
