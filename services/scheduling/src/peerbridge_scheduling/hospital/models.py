from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class HospitalEncounter(TenantRecord, Base):
    """An inpatient or emergency stay reported by a hospital (FHIR Encounter, ADT)."""

    __tablename__ = "hospital_encounters"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    encounter_class: Mapped[str] = mapped_column(String(10))
    psychiatric: Mapped[bool] = mapped_column(Boolean)
    admitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    discharged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disposition: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))

    __table_args__ = (UniqueConstraint("organization_id", "external_id", name="uq_hospital_encounters_external"),)
