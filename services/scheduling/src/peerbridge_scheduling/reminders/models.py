from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class SentReminder(Base):
    """One row per session and offset: the reminder went out once (or was skipped as stale)."""

    __tablename__ = "sent_reminders"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    offset_minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CheckIn(Base):
    __tablename__ = "check_ins"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[str] = mapped_column(String(64))
