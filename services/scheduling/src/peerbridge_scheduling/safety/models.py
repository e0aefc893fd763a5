from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class SafetyConcern(TenantRecord, Base):
    __tablename__ = "safety_concerns"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    category: Mapped[str] = mapped_column(String(40))
    immediate_danger: Mapped[bool] = mapped_column(Boolean)
    peer_with_person: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SafetyPlan(TenantRecord, Base):
    """One version of a participant's Stanley-Brown safety plan; versions are never edited."""

    __tablename__ = "safety_plans"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    version: Mapped[int] = mapped_column(Integer)
    steps: Mapped[dict] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("participant_id", "program_id", "version", name="uq_safety_plans_version"),)
