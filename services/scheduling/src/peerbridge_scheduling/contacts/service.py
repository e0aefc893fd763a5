from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.care import PeerContactDocumented
from peerbridge_shared.identity import Identity
from peerbridge_shared.scope import acting_person, in_person
from peerbridge_shared.web import Problem, not_found

from ..access import Reach, enrollment_clause, reach_record
from ..deps import Clock, publish
from ..goals.models import Goal
from ..participants.models import Enrollment, Participant
from ..programs.service import get_program
from ..sessions.models import PeerSession
from ..workforce.models import Peer
from ..workforce.service import get_peer, get_supervisor, peer_status
from .models import PeerContact
from .schemas import ContactCreate, Cosign


def _enrollment_on(session: Session, participant_id: str, program_id: str, day: date) -> Enrollment | None:
    return session.scalars(select(Enrollment).where(
        Enrollment.participant_id == participant_id, Enrollment.program_id == program_id,
        Enrollment.enrolled_on <= day, or_(Enrollment.ended_on.is_(None), Enrollment.ended_on >= day))).first()


def _check_links(session: Session, participant: Participant, data: ContactCreate) -> None:
    if data.session_id:
        linked = session.get(PeerSession, data.session_id)
        if linked is None or linked.organization_id != participant.organization_id or \
                participant.id not in linked.participant_ids:
            raise not_found("body.session_id", "session of this participant", data.session_id, status=422)
    for index, goal_id in enumerate(data.goal_ids):
        goal = session.get(Goal, goal_id)
        if goal is None or goal.participant_id != participant.id or goal.program_id != data.program_id:
            raise not_found(f"body.goal_ids.{index}", "goal of this participant", goal_id, status=422)
    minutes = (data.ended_at - data.started_at).total_seconds() / 60
    if data.face_to_face_minutes > minutes:
        raise Problem(422, f"at most {int(minutes)} minutes (the contact's length)", field="body.face_to_face_minutes",
                      rule="contact_length")


def document(*, session: Session, caller: Identity, reach: Reach, data: ContactCreate,
             clock: Clock) -> PeerContact:
    participant = reach.participant
    program = get_program(session=session, organization_id=caller.organization_id, program_id=data.program_id,
                          field="body.program_id", status=422)
    reach.require_write(program.id)
    peer = get_peer(session=session, organization_id=caller.organization_id,
                    peer_id=acting_person(caller, data.peer_id, "body.peer_id"), field="body.peer_id", status=422)
    if data.started_at > clock():
        raise Problem(422, "a contact cannot be documented before it happens", field="body.started_at",
                      rule="not_future")
    _check_links(session, participant, data)
    contact = PeerContact(organization_id=caller.organization_id, participant_id=participant.id,
                          **data.model_dump(exclude={"program_id", "peer_id"}), program_id=program.id, peer_id=peer.id,
                          entered_by=caller.user_id if caller.on_behalf_of else None)
    session.add(contact)
    session.flush()
    _publish_snapshot(session, caller, contact, clock)
    return contact


def sign(*, session: Session, caller: Identity, contact: PeerContact, clock: Clock) -> PeerContact:
    in_person(caller, contact.peer_id, "path.contact_id", "sign this note (its peer)")
    if contact.signed_at is not None:
        raise Problem(409, f"the note was signed at {contact.signed_at.isoformat()}", rule="sign_once")
    contact.signed_at, contact.signed_by = clock(), caller.user_id
    _publish_snapshot(session, caller, contact, clock)
    return contact


def cosign(*, session: Session, caller: Identity, contact: PeerContact, data: Cosign, clock: Clock) -> PeerContact:
    """Only the peer's current supervisor co-signs, in person (``data.supervisor_id``, if given, is
    checked against the caller before the note is even looked up)."""
    peer = get_peer(session=session, organization_id=contact.organization_id, peer_id=contact.peer_id)
    in_person(caller, peer.supervisor_id, "body.supervisor_id", "co-sign this note (the peer's supervisor)")
    supervisor = get_supervisor(session=session, organization_id=caller.organization_id,
                                supervisor_id=peer.supervisor_id)
    if contact.signed_at is None:
        raise Problem(409, "the peer signs the note before the supervisor co-signs it", rule="signed_first")
    if contact.cosigned_at is not None:
        raise Problem(409, "the note is already co-signed", rule="cosign_once")
    contact.cosigned_at, contact.cosigned_by = clock(), supervisor.id
    _publish_snapshot(session, caller, contact, clock)
    return contact


def _publish_snapshot(session: Session, caller: Identity, contact: PeerContact, clock: Clock) -> None:
    """The contact as documented now, with the billing facts of its date of service."""
    program = get_program(session=session, organization_id=contact.organization_id, program_id=contact.program_id)
    day = contact.started_at.astimezone(ZoneInfo(program.time_zone)).date()
    peer = get_peer(session=session, organization_id=contact.organization_id, peer_id=contact.peer_id)
    status = peer_status(session=session, peer=peer, on=day)
    enrollment = _enrollment_on(session, contact.participant_id, contact.program_id, day)
    publish(session, caller, PeerContactDocumented(
        participant_id=contact.participant_id, contact_id=contact.id, program_id=contact.program_id,
        peer_id=contact.peer_id, session_id=contact.session_id, session_kind=contact.session_kind,
        modality=contact.modality, place_of_service=contact.place_of_service,
        payer_id=enrollment.payer_id if enrollment else None, occurred_at=contact.started_at,
        face_to_face_minutes=contact.face_to_face_minutes, goals_addressed=contact.goal_ids,
        note_signed_at=contact.signed_at, cosigned_by=contact.cosigned_by,
        peer_credential_valid=status.credential_valid, peer_supervision_current=status.supervision_current,
        enrollment_active=enrollment is not None), clock)


def get_contact(*, session: Session, caller: Identity, contact_id: str, now: datetime,
                write: bool = False) -> tuple[PeerContact, Reach]:
    contact = session.get(PeerContact, contact_id)
    if contact is None or contact.organization_id != caller.organization_id:
        raise not_found("path.contact_id", "contact", contact_id)
    found = reach_record(session=session, caller=caller, record=contact, now=now, field="path.contact_id",
                         kind="contact", write=write)
    return contact, found


def list_contacts(*, session: Session, reach: Reach) -> list[PeerContact]:
    return list(session.scalars(select(PeerContact).where(PeerContact.participant_id == reach.participant.id,
                                                          reach.readable(PeerContact.program_id))
                                .order_by(PeerContact.started_at)))


def list_notes(*, session: Session, caller: Identity, program_ids: list[str] | None, peer_id: str | None,
               awaiting_cosign: bool, started_from: datetime | None, limit: int, offset: int) -> list[PeerContact]:
    """Notes across participants, of the programs the caller works with each participant in (the
    enrollments of ``enrollment_clause``). ``awaiting_cosign``: signed, not co-signed yet, by a peer
    the caller supervises (the notes only the caller may co-sign), oldest signature first."""
    worked_with = exists().where(Enrollment.participant_id == PeerContact.participant_id,
                                 Enrollment.program_id == PeerContact.program_id, enrollment_clause(caller))
    query = select(PeerContact).where(PeerContact.organization_id == caller.organization_id, worked_with)
    if program_ids:
        query = query.where(PeerContact.program_id.in_(program_ids))
    if peer_id is not None:
        query = query.where(PeerContact.peer_id == peer_id)
    if started_from is not None:
        query = query.where(PeerContact.started_at >= started_from)
    order = (PeerContact.started_at.desc(), PeerContact.id)
    if awaiting_cosign:
        supervised = select(Peer.id).where(Peer.supervisor_id == caller.user_id,
                                           Peer.organization_id == caller.organization_id)
        query = query.where(PeerContact.signed_at.is_not(None), PeerContact.cosigned_at.is_(None),
                            PeerContact.peer_id.in_(supervised))
        order = (PeerContact.signed_at, PeerContact.id)
    return list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))
