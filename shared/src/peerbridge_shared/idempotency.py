"""Processed-messages: consumers record each event id in the same transaction as their
work, so a redelivered event does nothing the second time (exactly-once effect)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import MessagingBase


class ProcessedMessage(MessagingBase):
    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def first_delivery(session: Session, *, consumer: str, event_id: str) -> bool:
    """True the first time ``consumer`` sees ``event_id``; False for a duplicate.

    Call it first inside the transaction that does the work: the row and the work commit
    together, and a concurrent duplicate waits on the row lock, then sees it.
    """
    return event_id in first_deliveries(session, consumer=consumer, event_ids=[event_id])


def first_deliveries(session: Session, *, consumer: str, event_ids: list[str]) -> set[str]:
    """The ids among ``event_ids`` that ``consumer`` sees for the first time (one statement)."""
    if not event_ids:
        return set()
    inserted = session.execute(
        insert(ProcessedMessage)
        .values([{"consumer": consumer, "event_id": event_id} for event_id in dict.fromkeys(event_ids)])
        .on_conflict_do_nothing()
        .returning(ProcessedMessage.event_id)
    ).scalars()
    return set(inserted)
