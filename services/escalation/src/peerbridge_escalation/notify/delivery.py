"""The delivery worker: sends pending notifications; on failure, the clinician's next contact method.

A notification is sent inside the transaction that marks it sent (row-locked, SKIP LOCKED), so an
acknowledgement that cancels it either comes first (nothing is sent) or waits for it. A crash while
sending rolls back and the page is sent again: receivers de-duplicate by notification id
(webhook Idempotency-Key, e-mail Message-ID).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.events.escalation import EscalationNotified

from ..audit.service import append
from ..cases.models import Case
from ..publishing import publish
from ..rosters.models import ClinicianContact
from ..routing.models import Notification
from .channels import Channel, DeliveryError, Page

log = logging.getLogger(__name__)
SYSTEM = "system:escalation-delivery"


def _next_contact(session: Session, failed: Notification) -> ClinicianContact | None:
    tried = set(session.scalars(select(Notification.address).where(Notification.round_id == failed.round_id)))
    for contact in session.scalars(select(ClinicianContact).where(
            ClinicianContact.organization_id == failed.organization_id,
            ClinicianContact.clinician_id == failed.clinician_id, ClinicianContact.verified)
            .order_by(ClinicianContact.priority, ClinicianContact.channel)):
        if contact.address not in tried:
            return contact
    return None


def _deliver_one(session: Session, note: Notification, channels: dict[str, Channel], console_url: str,
                 now: datetime) -> bool:
    case = session.get(Case, note.case_id)
    page = Page(notification_id=note.id, case_id=case.id, case_number=case.case_number, risk_level=case.risk_level,
                level=note.level, link=f"{console_url.rstrip('/')}/cases/{case.id}")
    note.attempts += 1
    try:
        channel = channels.get(note.channel)
        if channel is None:
            raise DeliveryError(f"channel {note.channel} is not available")
        channel.send(page, note.address)
    except DeliveryError as exc:
        note.status, note.last_error = "failed", str(exc)
        fallback = _next_contact(session, note)
        append(session, organization_id=note.organization_id, case_id=case.id, action="notification.failed",
               actor=SYSTEM, detail={"notification_id": note.id, "channel": note.channel, "error": str(exc),
                                     "next_channel": fallback.channel if fallback else None}, at=now)
        if fallback is not None:
            session.add(Notification(organization_id=note.organization_id, case_id=case.id, level=note.level,
                                     clinician_id=note.clinician_id, round_id=note.round_id,
                                     channel=fallback.channel, address=fallback.address))
        return False
    note.status, note.sent_at = "sent", now
    publish(session, case, EscalationNotified(**case.event_fields(), level=note.level, recipient_id=note.clinician_id,
                                              channel=note.channel, attempt=note.attempts, notified_at=now), now)
    append(session, organization_id=note.organization_id, case_id=case.id, action="notification.sent",
           actor=SYSTEM, detail={"notification_id": note.id, "channel": note.channel}, at=now)
    return True


def deliver_pending(database: Database, channels: dict[str, Channel], console_url: str, now: datetime,
                    most: int = 1000) -> int:
    """Send pending notifications (fallbacks included), at most ``most`` tries a pass; returns how many
    were delivered."""
    delivered = 0
    for _ in range(most):
        heartbeat.beat()  # each send may take its channel's full timeout
        with database.transaction() as session:
            note = session.scalars(select(Notification).where(Notification.status == "pending")
                                   .order_by(Notification.created_at).limit(1).with_for_update(skip_locked=True)).first()
            if note is None:
                return delivered
            delivered += _deliver_one(session, note, channels, console_url, now)
    return delivered
