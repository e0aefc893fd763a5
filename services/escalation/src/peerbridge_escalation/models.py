"""Tables of the escalation database. Domain packages define theirs on `Base`; Alembic migrates
`target_metadata`: these plus the shared messaging tables (outbox, processed messages)."""

from sqlalchemy.orm import DeclarativeBase

from peerbridge_shared.db import MessagingBase, new_metadata
from peerbridge_shared.idempotency import ProcessedMessage
from peerbridge_shared.outbox import OutboxMessage


class Base(DeclarativeBase):
    metadata = new_metadata()


target_metadata = [Base.metadata, MessagingBase.metadata]

__all__ = ["Base", "OutboxMessage", "ProcessedMessage", "target_metadata"]
