from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Sequence, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, TenantRecord
from ..policy import Policy

if TYPE_CHECKING:
    from ..routing.models import Notification

CASE_NUMBERS = Sequence("case_number_seq", metadata=Base.metadata)  # no longer used: see cases.numbering


OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"  # a case's statuses


class ParticipantCare(Base):
    """Who cares for a participant in a program, kept from enrollment events (this service's own copy)."""

    __tablename__ = "participant_care"

    organization_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinician_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Case(TenantRecord, Base):
    """One open case per participant and program: later signals of that program join it, a higher
    risk upgrades it. Never resolved automatically. A program's signals never join another
    program's case (42 CFR Part 2 records stay inside their program)."""

    __tablename__ = "cases"

    case_number: Mapped[str] = mapped_column(String(20))  # unique per organization (cases.numbering)
    participant_id: Mapped[str] = mapped_column(String(64))
    program_id: Mapped[str] = mapped_column(String(64))
    risk_level: Mapped[str] = mapped_column(String(10))
    rule_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(15), default="open")
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledge_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    current_level: Mapped[int] = mapped_column(Integer, default=0)
    policy: Mapped[dict] = mapped_column(JSON)
    missed_check_ins: Mapped[int] = mapped_column(Integer, default=0)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    contact_made_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disposition_code: Mapped[str | None] = mapped_column(String(50))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    signals: Mapped[list[CaseSignal]] = relationship(order_by="CaseSignal.received_at", lazy="selectin")
    # loaded only where a case is shown (``paged``); the intake never needs it
    notifications: Mapped[list[Notification]] = relationship(order_by="Notification.created_at", viewonly=True)

    def adopt_policy(self, policy: Policy, snapshot: dict) -> None:
        """Keep the program's policy (``snapshot``: its JSON) in the case: it governs the case from now on."""
        self.policy = snapshot
        self._validated_policy = (snapshot, policy)

    def policy_snapshot(self) -> Policy:
        """The policy the case opened under, validated once per loaded case (not per page)."""
        validated = getattr(self, "_validated_policy", None)
        if validated is None or validated[0] is not self.policy:
            validated = self._validated_policy = (self.policy, Policy.model_validate(self.policy))
        return validated[1]

    @property
    def paged(self) -> list[str]:
        """The clinicians paged at the case's current level, each once, first paged first."""
        return list(dict.fromkeys(n.clinician_id for n in self.notifications if n.level == self.current_level))

    def event_fields(self) -> dict:
        """What every case event carries (enough for the gateway to route a push without a lookup)."""
        return {"case_id": self.id, "case_number": self.case_number, "participant_id": self.participant_id,
                "program_id": self.program_id, "risk_level": self.risk_level}

    __table_args__ = (
        Index("uq_cases_open_per_participant", "organization_id", "participant_id", "program_id", unique=True,
              postgresql_where=text("status <> 'resolved'")),
        UniqueConstraint("organization_id", "case_number", name="uq_cases_organization_id"),
    )
    # created_at (the database's clock) is not read back on insert: a batch's cases go in as one
    # pipelined statement instead of a multi-row INSERT ... RETURNING (see routing.models.Notification)
    __mapper_args__ = {"eager_defaults": False}


class CaseSignal(Base):
    """A signal that opened, joined or upgraded a case, with the decision and its rule version."""

    __tablename__ = "case_signals"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(200))
    risk_level: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(80))
    rule_version: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str | None] = mapped_column(String(300))  # what matched, e.g. "PHQ-9 item 9 ...: 2, ..."
    effect: Mapped[str] = mapped_column(String(10))  # opened | joined | upgraded
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
