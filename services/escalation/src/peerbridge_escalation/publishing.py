"""The one way escalation publishes a case event: through the outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from peerbridge_shared.events import Event
from peerbridge_shared.outbox import add_event

from .cases.models import Case

SOURCE = "/peerbridge/escalation"


def publish(session: Session, case: Case, data: Event, now: datetime) -> None:
    add_event(session, data, tenant=case.organization_id, source=SOURCE, clock=lambda: now)
