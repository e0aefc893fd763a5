"""The tamper-evident audit trail: append (serialized per organization) and verify."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbridge_shared.db import queue_insert, transaction_memo

from .models import AuditEntry

GENESIS = "0" * 64


def _digest(previous: str, organization_id: str, case_id: str | None, action: str, actor: str, detail: dict,
            at: datetime) -> str:
    body = json.dumps({"previous": previous, "organization_id": organization_id, "case_id": case_id,
                       "action": action, "actor": actor, "detail": detail, "at": at.astimezone(UTC).isoformat()},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def append(session: Session, *, organization_id: str, case_id: str | None, action: str, actor: str, detail: dict,
           at: datetime) -> dict:
    """Add an entry after the organization's last one. A transaction lock keeps the chain linear:
    the first append of a transaction takes it and reads the chain's tail; later appends of that
    transaction chain on from the tail it remembers (no other writer can append meanwhile), and the
    entries are inserted in the order they were appended (``queue_insert``). Returns the entry's columns."""
    tails = transaction_memo(session, "audit_tails")
    previous = tails.get(organization_id)
    if previous is None:
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"audit:{organization_id}", 0))))
        previous = session.scalar(select(AuditEntry.hash).where(AuditEntry.organization_id == organization_id)
                                  .order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    detail = json.loads(json.dumps(detail, default=str))
    entry = queue_insert(session, AuditEntry.__table__, {
        "organization_id": organization_id, "case_id": case_id, "action": action, "actor": actor, "detail": detail,
        "at": at, "previous_hash": previous, "hash": _digest(previous, organization_id, case_id, action, actor,
                                                               detail, at)})
    tails[organization_id] = entry["hash"]
    return entry


@dataclass(frozen=True)
class Verification:
    entries: int
    valid: bool
    first_broken_id: int | None = None
    reason: str | None = None


def verify(session: Session, *, organization_id: str) -> Verification:
    previous, count = GENESIS, 0
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.organization_id == organization_id)
                                 .order_by(AuditEntry.id)):
        count += 1
        if entry.previous_hash != previous:
            return Verification(count, False, entry.id, "an entry before this one was removed or altered")
        expected = _digest(previous, entry.organization_id, entry.case_id, entry.action, entry.actor, entry.detail,
                           entry.at)
        if entry.hash != expected:
            return Verification(count, False, entry.id, "this entry was altered")
        previous = entry.hash
    return Verification(count, True)
