"""Which pending notification is tried next: organizations in turn, and within an organization its
clinicians in turn, so one organization's backlog or one clinician's broken contact never delays
another's pages (each round tries the oldest due page of every (organization, clinician) head)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..routing.models import Notification


@dataclass(frozen=True)
class Head:
    """The oldest due notification of one clinician of one organization."""

    organization_id: str
    clinician_id: str
    notification_id: str


def due_heads(session: Session, now: datetime, *, limit: int = 5000) -> list[Head]:
    due = or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)
    ranked = (select(Notification.organization_id, Notification.clinician_id, Notification.id,
                     func.row_number().over(partition_by=(Notification.organization_id, Notification.clinician_id),
                                            order_by=(Notification.created_at, Notification.id)).label("rank"))
              .where(Notification.status == "pending", due).subquery())
    rows = session.execute(select(ranked.c.organization_id, ranked.c.clinician_id, ranked.c.id)
                           .where(ranked.c.rank == 1).limit(limit))
    return [Head(*row) for row in rows]


def _rotated(keys: list[str], last: str | None) -> list[str]:
    ordered = sorted(keys)
    if last is None:
        return ordered
    return [k for k in ordered if k > last] + [k for k in ordered if k <= last]


@dataclass
class Rotation:
    """Round-robin state: the organization and, per organization, the clinician served last."""

    last_organization: str | None = None
    last_clinician: dict[str, str] = field(default_factory=dict)

    def order(self, heads: list[Head]) -> list[Head]:
        """Heads interleaved: one per organization per round; an organization's clinicians in turn."""
        by_org: dict[str, dict[str, Head]] = defaultdict(dict)
        for head in heads:
            by_org[head.organization_id][head.clinician_id] = head
        queues = {org: [clinicians[c] for c in _rotated(list(clinicians), self.last_clinician.get(org))]
                  for org, clinicians in by_org.items()}
        ordered: list[Head] = []
        organizations = _rotated(list(queues), self.last_organization)
        for turn in range(max((len(q) for q in queues.values()), default=0)):
            ordered.extend(queues[org][turn] for org in organizations if turn < len(queues[org]))
        return ordered

    def served(self, head: Head) -> None:
        self.last_organization = head.organization_id
        self.last_clinician[head.organization_id] = head.clinician_id
