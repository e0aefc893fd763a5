"""Case numbers count per organization and year (``ESC-2026-000001`` is each organization's first case of
2026): a number reveals nothing about other organizations' crisis volume. A transaction's first number
of an organization and year comes from an upsert, which locks the counter row until the transaction
ends, so concurrent intakes of one organization take consecutive numbers; its later numbers count on
in memory (the row is theirs meanwhile) and the counter's new value is written with the transaction's
other rows: one round trip per transaction, not per case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from peerbridge_shared.db import transaction_memo

from ..database import Base


class CaseNumberCounter(Base):
    __tablename__ = "case_number_counters"

    organization_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def next_case_number(session: Session, organization_id: str, now: datetime) -> str:
    counters = transaction_memo(session, "case_number_counters")
    counter = counters.get((organization_id, now.year))
    if counter is None:
        counter = counters[(organization_id, now.year)] = _take_counter(session, organization_id, now.year)
    else:
        counter.last += 1
    return f"ESC-{now.year}-{counter.last:06d}"


def _take_counter(session: Session, organization_id: str, year: int) -> CaseNumberCounter:
    """The counter with its next number taken, locked until the transaction ends."""
    counter = CaseNumberCounter.__table__
    return session.scalars(
        insert(CaseNumberCounter).values(organization_id=organization_id, year=year, last=1)
        .on_conflict_do_update(index_elements=[counter.c.organization_id, counter.c.year],
                               set_={"last": counter.c.last + 1})
        .returning(CaseNumberCounter), execution_options={"populate_existing": True}).one()
