from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class Step(Base):
    """A durable timer: at ``due_at`` the case's current level is re-paged (``page``) or, if still
    unacknowledged, climbs (``deadline``). A step fires once: it is claimed under a row lock and
    marked done in the transaction that does its work."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fired_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # after a failed try

    __table_args__ = (Index("ix_case_steps_pending_due", "due_at", postgresql_where=text("status = 'pending'")),)


class Notification(TenantRecord, Base):
    """One page to one clinician through one channel; the delivery worker sends pending ones.

    A failed try is recorded here (``attempts``, ``last_error``) and retried at ``next_attempt_at``
    (backoff); after the last try it is parked (``failed``) and the next contact method is paged."""

    __tablename__ = "notifications"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    clinician_id: Mapped[str] = mapped_column(String(64))
    round_id: Mapped[str] = mapped_column(String(36), index=True)  # one page of one clinician, with its fallbacks
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_notifications_pending", "organization_id", "clinician_id", "created_at",
                            postgresql_where=text("status = 'pending'")),)
    __mapper_args__ = {"eager_defaults": False}  # as Case: created_at is not read back on insert
