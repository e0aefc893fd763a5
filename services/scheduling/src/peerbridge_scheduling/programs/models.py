from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, TenantRecord


class Program(TenantRecord, Base):
    __tablename__ = "programs"

    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    payer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    group_capacity: Mapped[int] = mapped_column(Integer, default=12)
    caseload_cap: Mapped[int] = mapped_column(Integer, default=15)
    supervision_interval_days: Mapped[int] = mapped_column(Integer, default=7)
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(JSON, default=lambda: [24 * 60, 60])
    no_show_grace_minutes: Mapped[int] = mapped_column(Integer, default=15)
    auto_no_show: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    substance_use_program: Mapped[bool] = mapped_column(Boolean, default=False)

    sites: Mapped[list[Site]] = relationship(back_populates="program", order_by="Site.name")


class Site(TenantRecord, Base):
    __tablename__ = "sites"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    place_of_service: Mapped[str] = mapped_column(String(4))

    program: Mapped[Program] = relationship(back_populates="sites")
