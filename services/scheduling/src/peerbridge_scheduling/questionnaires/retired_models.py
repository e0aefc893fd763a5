from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class RetiredInstrument(Base):
    """A custom instrument no longer offered nor accepted for new responses (never deleted)."""

    __tablename__ = "retired_instruments"

    organization_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    retired_by: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
