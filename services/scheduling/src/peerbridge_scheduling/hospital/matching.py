"""Which participant an HL7v2 PID-3 identifier list names, within one organization."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..participants.models import Participant
from .adt import PEERBRIDGE_AUTHORITY, PatientIdentifier


def match_participant(session: Session, organization_id: str,
                      identifiers: tuple[PatientIdentifier, ...]) -> str | None:
    ids = [i.value for i in identifiers if i.authority.upper() == PEERBRIDGE_AUTHORITY]
    members = [i.value for i in identifiers if i.kind.upper() == "MB"]
    if not ids and not members:
        return None
    condition = Participant.id.in_(ids) if ids else Participant.member_id.in_(members)
    if ids and members:
        condition = condition | Participant.member_id.in_(members)
    found = session.scalars(select(Participant.id).where(Participant.organization_id == organization_id,
                                                         condition)).all()
    return found[0] if len(set(found)) == 1 else None
