"""Case numbers count per organization and year (``ESC-2026-000001`` is each organization's first case of
2026): a number reveals nothing about other organizations' crisis volume. The counter row is locked
by the upsert, so concurrent intakes of one organization take consecutive numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..database import Base


class CaseNumberCounter(Base):
    __tablename__ = "case_number_counters"

    organization_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def next_case_number(session: Session, organization_id: str, now: datetime) -> str:
    counter = CaseNumberCounter.__table__
    number = session.execute(
        insert(counter).values(organization_id=organization_id, year=now.year, last=1)
        .on_conflict_do_update(index_elements=[counter.c.organization_id, counter.c.year],
                               set_={"last": counter.c.last + 1})
        .returning(counter.c.last)).scalar_one()
    return f"ESC-{now.year}-{number:06d}"
