from __future__ import annotations

from fastapi import APIRouter

from ..deps import Caller, Db, Now
from ..participants.service import get_participant
from . import service
from .schemas import ContactCreate, ContactRead, Cosign

router = APIRouter(tags=["contacts"])


@router.post("/participants/{participant_id}/contacts", status_code=201)
def document_contact(participant_id: str, body: ContactCreate, caller: Caller, db: Db, now: Now) -> ContactRead:
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return ContactRead.model_validate(service.document(session=session, caller=caller, participant=participant,
                                                           data=body, clock=now))


@router.get("/participants/{participant_id}/contacts")
def list_contacts(participant_id: str, caller: Caller, db: Db) -> list[ContactRead]:
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return [ContactRead.model_validate(c) for c in service.list_contacts(session=session, participant=participant)]


@router.get("/contacts/{contact_id}")
def read_contact(contact_id: str, caller: Caller, db: Db) -> ContactRead:
    with db.transaction() as session:
        return ContactRead.model_validate(service.get_contact(session=session, organization_id=caller.organization_id,
                                                              contact_id=contact_id))


@router.post("/contacts/{contact_id}/sign")
def sign_contact(contact_id: str, caller: Caller, db: Db, now: Now) -> ContactRead:
    """The peer signs the note; only signed notes are billable."""
    with db.transaction() as session:
        contact = service.get_contact(session=session, organization_id=caller.organization_id, contact_id=contact_id)
        return ContactRead.model_validate(service.sign(session=session, caller=caller, contact=contact, clock=now))


@router.post("/contacts/{contact_id}/cosign")
def cosign_contact(contact_id: str, body: Cosign, caller: Caller, db: Db, now: Now) -> ContactRead:
    with db.transaction() as session:
        contact = service.get_contact(session=session, organization_id=caller.organization_id, contact_id=contact_id)
        return ContactRead.model_validate(service.cosign(session=session, caller=caller, contact=contact, data=body,
                                                         clock=now))
