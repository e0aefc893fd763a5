"""The reference recomputation: the same measures, from the raw event log, in one plain pass."""

from __future__ import annotations

from collections.abc import Iterable

from peerbridge_shared.events import Envelope

from .billing.rules import PayerPolicies
from .measures import engagement, questionnaires, reimbursement
from .state import ParticipantState


def fold(log: Iterable[Envelope]) -> dict[tuple[str, str], ParticipantState]:
    states: dict[tuple[str, str], ParticipantState] = {}
    for envelope in log:
        participant = getattr(envelope.data, "participant_id", None)
        if participant is None:
            continue
        key = (envelope.tenant, participant)
        state = states.get(key) or ParticipantState(organization_id=envelope.tenant, participant_id=participant)
        if state.apply(envelope):
            states[key] = state
    return states


def recompute(log: Iterable[Envelope], payers: PayerPolicies) -> dict[str, dict]:
    states = list(fold(log).values())
    return {"engagement": engagement(states), "reimbursement": reimbursement(states, payers),
            "questionnaires": questionnaires(states)}
