"""Configuration read while paging (a program's policy and rosters, a clinician's contact methods),
remembered for the rest of the transaction: a batch of signals of one program reads each once.
Whatever changes configuration calls ``forget`` first, so a transaction that writes it and then
pages reads it afresh."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy.orm import Session

from peerbridge_shared.db import transaction_memo

T = TypeVar("T")
_MEMO = "escalation_configuration"


def remembered(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    memo = transaction_memo(session, _MEMO)
    if key not in memo:
        memo[key] = load()
    return memo[key]


def forget(session: Session | None) -> None:
    if session is not None:
        transaction_memo(session, _MEMO).clear()
