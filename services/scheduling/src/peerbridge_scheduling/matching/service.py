"""Suggest and assign a peer for an enrolled participant, explaining every ranking.

A peer is eligible when their credential is valid today, their caseload is below its cap and
they share the participant's language (or the participant has an interpreter). Eligible peers
rank by shared preference tags, then language match, then the most room in their caseload.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.scheduling import PeerAssigned
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from ..deps import Clock, publish
from ..participants.models import Enrollment, Participant
from ..workforce.models import Peer
from ..workforce.service import get_peer
from .schemas import Candidate


def caseload(session: Session, peer_id: str) -> int:
    return session.scalar(select(func.count()).where(Enrollment.peer_id == peer_id, Enrollment.ended_on.is_(None)))


def assess(*, session: Session, peer: Peer, participant: Participant, tags: set[str], today: date) -> Candidate:
    load = caseload(session, peer.id)
    reasons, eligible = [], True
    if peer.credential_expires_on < today:
        eligible = False
        reasons.append(f"credential expired {peer.credential_expires_on.isoformat()}")
    if load >= peer.caseload_cap:
        eligible = False
        reasons.append(f"caseload full ({load}/{peer.caseload_cap})")
    else:
        reasons.append(f"caseload {load}/{peer.caseload_cap}")
    speaks = participant.preferred_language in peer.languages
    if speaks:
        reasons.append(f"speaks {participant.preferred_language}")
    elif participant.interpreter_needed:
        reasons.append(f"does not speak {participant.preferred_language}; interpreter needed")
    else:
        eligible = False
        reasons.append(f"does not speak {participant.preferred_language}")
    shared = sorted(tags & set(peer.tags))
    if shared:
        reasons.append("shares " + ", ".join(shared))
    room = 1 - load / peer.caseload_cap
    score = (100 if eligible else 0) + 10 * len(shared) + (5 if speaks else 0) + room
    return Candidate(peer_id=peer.id, display_name=peer.display_name, eligible=eligible, score=round(score, 3),
                     caseload=load, caseload_cap=peer.caseload_cap, reasons=reasons)


def suggest(*, session: Session, enrollment: Enrollment, tags: set[str], today: date) -> list[Candidate]:
    participant = session.get(Participant, enrollment.participant_id)
    peers = session.scalars(select(Peer).where(Peer.program_id == enrollment.program_id))
    candidates = [assess(session=session, peer=peer, participant=participant, tags=tags, today=today) for peer in peers]
    return sorted(candidates, key=lambda c: (-c.score, c.display_name))


def assign(*, session: Session, caller: Identity, enrollment: Enrollment, peer_id: str, clock: Clock) -> Candidate:
    if enrollment.ended_on is not None:
        raise Problem(409, "the enrollment has ended", rule="active_enrollment")
    peer = get_peer(session=session, organization_id=caller.organization_id, peer_id=peer_id, field="body.peer_id",
                    status=422)
    if peer.program_id != enrollment.program_id:
        raise Problem(422, f"peer {peer.id} does not work in this program", field="body.peer_id", rule="same_program")
    session.execute(select(Peer.id).where(Peer.id == peer.id).with_for_update())  # serialize caseload checks
    participant = session.get(Participant, enrollment.participant_id)
    candidate = assess(session=session, peer=peer, participant=participant, tags=set(), today=clock().date())
    if not candidate.eligible and enrollment.peer_id != peer.id:
        raise Problem(409, f"peer {peer.id} cannot take this participant: " + "; ".join(candidate.reasons),
                      field="body.peer_id", rule="eligible_peer", candidate=candidate.model_dump())
    previous, enrollment.peer_id = enrollment.peer_id, peer.id
    publish(session, caller, PeerAssigned(participant_id=enrollment.participant_id, enrollment_id=enrollment.id,
                                          program_id=enrollment.program_id, peer_id=peer.id,
                                          previous_peer_id=previous, assigned_at=clock()), clock)
    return candidate
