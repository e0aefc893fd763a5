from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class CustomInstrument(TenantRecord, Base):
    """An instrument an organization added as data (the built-ins ship as YAML)."""

    __tablename__ = "custom_instruments"

    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(20))
    definition: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("organization_id", "code", "version", name="uq_custom_instruments_version"),)


class QuestionnaireResponse(TenantRecord, Base):
    """Answers as given (narratives included: they stay here) and their score."""

    __tablename__ = "questionnaire_responses"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    instrument: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict] = mapped_column(JSON)
    total_score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(40))
    subscales: Mapped[dict] = mapped_column(JSON, default=dict)
    safety_signal: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    administered_by: Mapped[str] = mapped_column(String(64))
