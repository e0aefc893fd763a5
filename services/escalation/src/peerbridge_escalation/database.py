"""The escalation database: its declarative base; domain packages define their tables on it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from peerbridge_shared.db import MessagingBase, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> str:
    return str(uuid.uuid4())


class TenantRecord:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def target_metadata() -> list[MetaData]:
    """Every table of this database, for Alembic: the domain tables plus outbox and processed messages."""
    from . import all_models  # noqa: F401 - registers every domain table on Base.metadata

    return [Base.metadata, MessagingBase.metadata]
