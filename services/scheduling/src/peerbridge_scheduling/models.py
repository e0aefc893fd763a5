"""Every table of the scheduling database, imported here so Alembic sees the full metadata."""

from peerbridge_shared.db import Base
from peerbridge_shared.idempotency import ProcessedMessage
from peerbridge_shared.outbox import OutboxMessage

metadata = Base.metadata

__all__ = ["OutboxMessage", "ProcessedMessage", "metadata"]
