"""The delivery worker: sends pending notifications; after the last failed try, the clinician's next
contact method.

Bulkheads: each notification is tried in its own transaction, and *any* exception is caught there,
counted and recorded on that notification (``attempts``, ``last_error``, ``next_attempt_at`` with
backoff), so a broken record never stops the loop nor stays in front of the others. A refusal that
cannot change (an address the channel cannot use, a 4xx) parks it at once; anything else is tried
``max_attempts`` times. A parked notification pages the next contact method; when a clinician has
none left, the case climbs to its next level if nobody else at this level can be reached, and
``peerbridge_escalation_clinicians_unreachable`` rises (alert on it).

A notification is sent inside the transaction that marks it sent (row-locked, SKIP LOCKED), so an
acknowledgement that cancels it either comes first (nothing is sent) or waits for it. A crash while
sending rolls back and the page is sent again: receivers de-duplicate by notification id
(webhook Idempotency-Key, e-mail Message-ID).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database, database_unreachable
from peerbridge_shared.events.escalation import EscalationNotified

from ..audit.service import append
from ..cases.models import Case
from ..publishing import publish
from ..retry import LOOP_ERRORS, RetryPolicy, describe
from ..rosters.models import ClinicianContact
from ..routing.ladder import climb_unreachable
from ..routing.models import Notification
from .channels import Channel, DeliveryError, Page
from .fairness import Head, Rotation, due_heads

log = logging.getLogger(__name__)
SYSTEM = "system:escalation-delivery"
ATTEMPTS = Counter("peerbridge_escalation_notification_attempts", "Notification tries", ["channel", "outcome"])
PARKED = Counter("peerbridge_escalation_notifications_parked", "Notifications given up on after their last try",
                 ["channel"])
UNREACHABLE = Counter("peerbridge_escalation_clinicians_unreachable",
                      "Pages whose every contact method failed (alert on any increase)")


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | parked | skipped | error
    exhausted_case: tuple[str, int] | None = None  # (case id, level) whose clinician has no method left


def _next_contact(session: Session, failed: Notification) -> ClinicianContact | None:
    tried = set(session.scalars(select(Notification.address).where(Notification.round_id == failed.round_id)))
    for contact in session.scalars(select(ClinicianContact).where(
            ClinicianContact.organization_id == failed.organization_id,
            ClinicianContact.clinician_id == failed.clinician_id, ClinicianContact.verified)
            .order_by(ClinicianContact.priority, ClinicianContact.channel)):
        if contact.address not in tried:
            return contact
    return None


def _about(note: Notification) -> dict[str, object]:
    """What every audit entry of a notification names: which one, for whom, at which level, by which channel."""
    return {"notification_id": note.id, "clinician_id": note.clinician_id, "level": note.level, "channel": note.channel}


def _claim(session: Session, notification_id: str, now: datetime) -> Notification | None:
    return session.scalars(select(Notification).where(
        Notification.id == notification_id, Notification.status == "pending",
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .with_for_update(skip_locked=True)).first()


def _park(session: Session, note: Notification, case: Case, error: str, now: datetime) -> Outcome:
    note.status, note.next_attempt_at = "failed", None
    PARKED.labels(note.channel).inc()
    fallback = _next_contact(session, note)
    append(session, organization_id=note.organization_id, case_id=case.id, action="notification.failed",
           actor=SYSTEM, detail={**_about(note), "error": error,
                                 "attempts": note.attempts, "next_channel": fallback.channel if fallback else None},
           at=now)
    if fallback is not None:
        session.add(Notification(organization_id=note.organization_id, case_id=case.id, level=note.level,
                                 clinician_id=note.clinician_id, round_id=note.round_id,
                                 channel=fallback.channel, address=fallback.address))
        return Outcome("parked")
    UNREACHABLE.inc()
    log.error("every contact method of a paged clinician failed", extra={
        "case_id": case.id, "clinician_id": note.clinician_id, "level": note.level})
    return Outcome("parked", exhausted_case=(case.id, note.level))


def _failed(session: Session, note: Notification, case: Case, exc: DeliveryError, policy: RetryPolicy,
            now: datetime) -> Outcome:
    note.last_error = str(exc)[:500]
    ATTEMPTS.labels(note.channel, "failed").inc()
    if exc.permanent or policy.exhausted(note.attempts):
        return _park(session, note, case, note.last_error, now)
    note.next_attempt_at = policy.next_attempt(note.attempts, now)
    append(session, organization_id=note.organization_id, case_id=case.id, action="notification.retry",
           actor=SYSTEM, detail={**_about(note), "error": note.last_error,
                                 "attempts": note.attempts, "next_attempt_at": note.next_attempt_at.isoformat()},
           at=now)
    return Outcome("retry")


def _deliver_one(session: Session, note: Notification, channels: dict[str, Channel], console_url: str,
                 now: datetime, policy: RetryPolicy) -> Outcome:
    case = session.get(Case, note.case_id)
    page = Page(notification_id=note.id, case_id=case.id, case_number=case.case_number, risk_level=case.risk_level,
                level=note.level, link=f"{console_url.rstrip('/')}/cases/{case.id}")
    note.attempts += 1
    try:
        channel = channels.get(note.channel)
        if channel is None:
            raise DeliveryError(f"channel {note.channel} is not available", permanent=True)
        channel.send(page, note.address)
    except DeliveryError as exc:
        return _failed(session, note, case, exc, policy, now)
    note.status, note.sent_at, note.next_attempt_at = "sent", now, None
    ATTEMPTS.labels(note.channel, "sent").inc()
    publish(session, case, EscalationNotified(**case.event_fields(), level=note.level, recipient_id=note.clinician_id,
                                              channel=note.channel, attempt=note.attempts, notified_at=now), now)
    append(session, organization_id=note.organization_id, case_id=case.id, action="notification.sent",
           actor=SYSTEM, detail=_about(note), at=now)
    return Outcome("sent")


def _record_error(database: Database, notification_id: str, error: BaseException, policy: RetryPolicy,
                  now: datetime) -> None:
    """After an unexpected error the notification's transaction is gone: count the try on the row
    alone (no case, no audit: those may be what broke), with its backoff or parked."""
    with database.transaction() as session:
        note = _claim(session, notification_id, now)
        if note is None:
            return
        note.attempts += 1
        note.last_error = describe(error)
        if not policy.exhausted(note.attempts):
            note.next_attempt_at = policy.next_attempt(note.attempts, now)
            return
        note.status, note.next_attempt_at = "failed", None
        PARKED.labels(note.channel).inc()
        fallback = _next_contact(session, note)
        if fallback is not None:
            session.add(Notification(organization_id=note.organization_id, case_id=note.case_id, level=note.level,
                                     clinician_id=note.clinician_id, round_id=note.round_id,
                                     channel=fallback.channel, address=fallback.address))
        else:
            UNREACHABLE.inc()


def attempt(database: Database, notification_id: str, channels: dict[str, Channel], console_url: str,
            now: datetime, policy: RetryPolicy) -> Outcome:
    """One notification, one unit of work; never raises except while the database is unreachable."""
    try:
        with database.transaction() as session:
            note = _claim(session, notification_id, now)
            if note is None:
                return Outcome("skipped")
            return _deliver_one(session, note, channels, console_url, now, policy)
    except Exception as exc:  # noqa: BLE001 - the bulkhead: recorded on the row, the loop goes on
        if database_unreachable(exc):
            raise
        LOOP_ERRORS.labels("delivery").inc()
        ATTEMPTS.labels("unknown", "error").inc()
        log.exception("notification failed unexpectedly", extra={"notification_id": notification_id})
        try:
            _record_error(database, notification_id, exc, policy, now)
        except Exception:  # noqa: BLE001 - its next round tries again; the others go on meanwhile
            log.exception("could not record a notification's failure", extra={"notification_id": notification_id})
        return Outcome("error")


def climb_if_unreachable(database: Database, case_id: str, level: int, now: datetime) -> bool:
    """Every clinician of this level has run out of contact methods: page the next level now rather
    than at the deadline. The case is locked first, as an acknowledgement does, then re-checked."""
    with database.transaction() as session:
        case = session.scalars(select(Case).where(Case.id == case_id).with_for_update()).one()
        reachable = session.scalar(select(Notification.id).where(
            Notification.case_id == case_id, Notification.level == level,
            Notification.status.in_(("pending", "sent"))).limit(1))
        if case.status != "open" or case.current_level != level or reachable is not None:
            return False
        return climb_unreachable(session, case, now)


def after(database: Database, outcome: Outcome, now: datetime) -> None:
    if outcome.exhausted_case is None:
        return
    try:
        climb_if_unreachable(database, *outcome.exhausted_case, now)
    except Exception as exc:  # noqa: BLE001 - the deadline step climbs anyway
        if database_unreachable(exc):
            raise
        LOOP_ERRORS.labels("delivery").inc()
        log.exception("could not climb a case whose clinicians are unreachable", extra={
            "case_id": outcome.exhausted_case[0]})


def deliver_pending(database: Database, channels: dict[str, Channel], console_url: str, now: datetime,
                    most: int = 1000, policy: RetryPolicy | None = None, rotation: Rotation | None = None) -> int:
    """Try due notifications one at a time in fair order (organizations, then their clinicians, in
    turn), at most ``most`` tries a pass; returns how many were delivered."""
    policy, rotation = policy or RetryPolicy(), rotation or Rotation()
    delivered = tries = 0
    while tries < most:
        with database.transaction() as session:
            heads = rotation.order(due_heads(session, now))
        if not heads:
            return delivered
        for head in _one_per_organization(heads):
            heartbeat.beat()  # each send may take its channel's full timeout
            outcome = attempt(database, head.notification_id, channels, console_url, now, policy)
            rotation.served(head)
            after(database, outcome, now)
            delivered += outcome.status == "sent"
            tries += 1
            if tries >= most:
                break
    return delivered


def _one_per_organization(heads: list[Head]) -> list[Head]:
    """A round: the first head of each organization (the next round asks the database again, so a
    page that just arrived waits at most one try per other organization)."""
    seen: set[str] = set()
    first = []
    for head in heads:
        if head.organization_id not in seen:
            seen.add(head.organization_id)
            first.append(head)
    return first
