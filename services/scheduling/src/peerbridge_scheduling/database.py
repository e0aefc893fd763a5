"""The scheduling database: its declarative base; domain packages define their tables on it."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from peerbridge_shared.db import MessagingBase, TenantRecord, new_metadata

__all__ = ["Base", "TenantRecord", "target_metadata"]


class Base(DeclarativeBase):
    metadata = new_metadata()


def target_metadata() -> list[MetaData]:
    """Every table of this database, for Alembic: the domain tables plus outbox and processed messages."""
    from . import all_models  # noqa: F401 - registers every domain table on Base.metadata

    return [Base.metadata, MessagingBase.metadata]
