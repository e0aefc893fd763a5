from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, TenantRecord


class Supervisor(TenantRecord, Base):
    __tablename__ = "supervisors"

    display_name: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(100))
    max_peers: Mapped[int] = mapped_column(Integer)


class Clinician(TenantRecord, Base):
    __tablename__ = "clinicians"

    display_name: Mapped[str] = mapped_column(String(200))
    license_type: Mapped[str] = mapped_column(String(50))
    license_number: Mapped[str] = mapped_column(String(50))
    jurisdiction: Mapped[str] = mapped_column(String(10))
    medical_director: Mapped[bool] = mapped_column(Boolean, default=False)


class Peer(TenantRecord, Base):
    __tablename__ = "peers"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    credential_type: Mapped[str] = mapped_column(String(50))
    credential_number: Mapped[str] = mapped_column(String(50))
    credential_expires_on: Mapped[date] = mapped_column(Date)
    certified_on: Mapped[date] = mapped_column(Date)
    languages: Mapped[list[str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("supervisors.id"), index=True)
    mentor_id: Mapped[str | None] = mapped_column(ForeignKey("peers.id"))
    caseload_cap: Mapped[int] = mapped_column(Integer)

    training: Mapped[list[TrainingRecord]] = relationship(order_by="TrainingRecord.completed_on")


class TrainingRecord(TenantRecord, Base):
    __tablename__ = "training_records"

    peer_id: Mapped[str] = mapped_column(ForeignKey("peers.id"), index=True)
    course: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(Numeric(6, 2))
    completed_on: Mapped[date] = mapped_column(Date)


class SupervisionLog(TenantRecord, Base):
    __tablename__ = "supervision_logs"

    supervisor_id: Mapped[str] = mapped_column(ForeignKey("supervisors.id"), index=True)
    peer_id: Mapped[str] = mapped_column(ForeignKey("peers.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    cases_reviewed: Mapped[int] = mapped_column(Integer, default=0)
    by_assigned_supervisor: Mapped[bool] = mapped_column(Boolean, default=True)
    """Held by the peer's supervisor of record: only those count toward billing status."""
    entered_by: Mapped[str | None] = mapped_column(String(64))
