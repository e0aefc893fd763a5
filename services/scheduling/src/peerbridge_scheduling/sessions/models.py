from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, TenantRecord


class SessionSeries(TenantRecord, Base):
    """A recurring group: an RRULE over local wall-clock time in the program's zone."""

    __tablename__ = "session_series"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    rrule: Mapped[str] = mapped_column(String(500))
    first_local_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)


class PeerSession(TenantRecord, Base):
    """A scheduled one-to-one, group or workshop session; times are UTC."""

    __tablename__ = "sessions"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    series_id: Mapped[str | None] = mapped_column(ForeignKey("session_series.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    modality: Mapped[str] = mapped_column(String(20))
    place_of_service: Mapped[str] = mapped_column(String(4))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    interpreter_booked: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_by: Mapped[str | None] = mapped_column(String(20))

    peers: Mapped[list[SessionPeer]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    participants: Mapped[list[SessionParticipant]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def peer_ids(self) -> list[str]:
        return [link.peer_id for link in self.peers]

    @property
    def participant_ids(self) -> list[str]:
        return [link.participant_id for link in self.participants]


class SessionPeer(Base):
    __tablename__ = "session_peers"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    peer_id: Mapped[str] = mapped_column(ForeignKey("peers.id"), primary_key=True)

    __table_args__ = (Index("ix_session_peers_peer", "peer_id"),)


class SessionParticipant(Base):
    __tablename__ = "session_participants"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)

    __table_args__ = (Index("ix_session_participants_participant", "participant_id"),)
