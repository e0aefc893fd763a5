from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class ClinicianContact(TenantRecord, Base):
    """How to reach a clinician: e-mail, SMS, voice or webhook; only methods the platform verified
    count (``verification``: pending, code_sent, send_failed, challenge_failed, expired, verified;
    legacy: marked verified by a caller before the platform verified methods)."""

    __tablename__ = "clinician_contacts"

    clinician_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(500))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    verification: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    verification_code_hash: Mapped[str | None] = mapped_column(String(64))
    verification_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    verification_error: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProgramContacts(Base):
    """The program's last two ladder levels: its supervisor and its medical director."""

    __tablename__ = "program_contacts"

    organization_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    supervisor_id: Mapped[str] = mapped_column(String(64))
    medical_director_id: Mapped[str] = mapped_column(String(64))


class Roster(TenantRecord, Base):
    """A published on-call roster of a program for a period; a later version replaces it."""

    __tablename__ = "rosters"

    program_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[date] = mapped_column(Date)
    definition: Mapped[dict] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("organization_id", "program_id", "version", name="uq_rosters_version"),)


class ProgramPolicy(Base):
    """A program's escalation policy (the default applies without one); cases snapshot it at open."""

    __tablename__ = "program_policies"

    organization_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[dict] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
