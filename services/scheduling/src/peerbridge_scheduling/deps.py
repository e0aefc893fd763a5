"""What scheduling's routers and services share: the common dependencies and ``publish``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from peerbridge_shared.deps import Caller, Clock, Db, Now, Paging, get_clock
from peerbridge_shared.events import Event, utc_now
from peerbridge_shared.identity import Identity
from peerbridge_shared.outbox import add_event

SOURCE = "/peerbridge/scheduling"

__all__ = ["Caller", "Clock", "Db", "Now", "Paging", "get_clock", "publish"]


def publish(session: Session, caller: Identity, data: Event, clock: Clock = utc_now) -> None:
    """Queue an event in the caller's transaction (the outbox), stamped with the caller's tenant."""
    add_event(session, data, tenant=caller.organization_id, source=SOURCE, clock=clock)
