from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, TenantRecord


class PeerContact(TenantRecord, Base):
    """What an EHR needs about one peer contact: time, minutes, modality, goals, the signed note."""

    __tablename__ = "peer_contacts"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"))
    peer_id: Mapped[str] = mapped_column(ForeignKey("peers.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id"))
    session_kind: Mapped[str] = mapped_column(String(20))
    modality: Mapped[str] = mapped_column(String(20))
    place_of_service: Mapped[str] = mapped_column(String(4))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    face_to_face_minutes: Mapped[int] = mapped_column(Integer)
    goal_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[str | None] = mapped_column(String(64))
    cosigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cosigned_by: Mapped[str | None] = mapped_column(ForeignKey("supervisors.id"))
    entered_by: Mapped[str | None] = mapped_column(String(64))
    """The program admin who documented it for the peer, if the peer did not."""
