"""The reference recomputation: the same measures, from the raw event log, in one plain pass."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from peerbridge_shared.events import Envelope

from .billing.rules import PayerPolicies
from .measures import Facts, compute
from .measures.periods import PeriodOf, month_of
from .tables import CASES_TABLE, PARTICIPANTS, PEERS, table_for


def fold(log: Iterable[Envelope]) -> Facts:
    """Each event into the state of its table's key, exactly as the worker's agents do."""
    kept: dict[str, dict] = {spec.name: {} for spec in (PARTICIPANTS, CASES_TABLE, PEERS)}
    for envelope in log:
        spec = table_for(envelope.data)
        key = spec and spec.key_of(envelope.data)
        if not key:
            continue
        states = kept[spec.name]
        state = states.get((envelope.tenant, key)) or spec.new(envelope.tenant, key)
        if state.apply(envelope):
            states[(envelope.tenant, key)] = state
    return Facts(*(list(kept[spec.name].values()) for spec in (PARTICIPANTS, CASES_TABLE, PEERS)))


def recompute(log: Iterable[Envelope], payers: PayerPolicies, as_of: date,
              period_of: PeriodOf = month_of) -> dict[str, dict]:
    return compute(fold(log), payers, as_of, period_of)
