"""The escalation database: its declarative base; domain packages define their tables on it."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from peerbridge_shared.db import MessagingBase, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def target_metadata() -> list[MetaData]:
    """Every table of this database, for Alembic: the domain tables plus outbox and processed messages."""
    from peerbridge_shared import idempotency, outbox  # noqa: F401 - define the messaging tables

    return [Base.metadata, MessagingBase.metadata]
