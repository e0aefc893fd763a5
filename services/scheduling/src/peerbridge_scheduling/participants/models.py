"""Participants (the only place PHI lives), their consents and enrollments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class Participant(TenantRecord, Base):
    """``id`` is the pseudonymous id used everywhere else; the other identifying fields are PHI
    and never leave this service (events carry only the id)."""

    __tablename__ = "participants"

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    member_id: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    preferred_language: Mapped[str] = mapped_column(String(10))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)


class Consent(TenantRecord, Base):
    __tablename__ = "consents"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    kind: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean)
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))
    entered_by: Mapped[str | None] = mapped_column(String(64))
    """The program admin who entered it for ``recorded_by``, if not recorded in person."""
    recipient_program_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    """A Part 2 disclosure consent: the programs the records may be disclosed to."""
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Enrollment(TenantRecord, Base):
    __tablename__ = "enrollments"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    enrolled_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(100))
    referral_source: Mapped[str | None] = mapped_column(String(100))
    payer_id: Mapped[str | None] = mapped_column(String(64))
    authorized_units: Mapped[int | None] = mapped_column(Integer)
    clinician_id: Mapped[str | None] = mapped_column(ForeignKey("clinicians.id"))
    peer_id: Mapped[str | None] = mapped_column(ForeignKey("peers.id"), index=True)
    index_discharge_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("uq_enrollments_active", "participant_id", "program_id", unique=True,
              postgresql_where=text("ended_on IS NULL")),
    )
