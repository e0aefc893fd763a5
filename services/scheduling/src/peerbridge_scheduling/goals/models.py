from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, TenantRecord


class Goal(TenantRecord, Base):
    __tablename__ = "goals"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    description: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(40))
    target_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))

    history: Mapped[list[GoalStatusEntry]] = relationship(order_by="GoalStatusEntry.changed_at", lazy="selectin")


class GoalStatusEntry(TenantRecord, Base):
    __tablename__ = "goal_status_history"

    goal_id: Mapped[str] = mapped_column(ForeignKey("goals.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
