from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from peerbridge_shared.scope import acting_person

from ..access import reach, read_as
from ..deps import Caller, Db, Now, Paging
from . import service
from .schemas import ContactCreate, ContactRead, Cosign

router = APIRouter(tags=["contacts"])


@router.post("/participants/{participant_id}/contacts", status_code=201)
def document_contact(participant_id: str, body: ContactCreate, caller: Caller, db: Db, now: Now) -> ContactRead:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return ContactRead.model_validate(service.document(session=session, caller=caller, reach=found, data=body,
                                                           clock=now))


@router.get("/participants/{participant_id}/contacts")
def list_contacts(participant_id: str, caller: Caller, db: Db, now: Now, page: Paging) -> list[ContactRead]:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return [read_as(ContactRead, c, found) for c in page.slice(service.list_contacts(session=session, reach=found))]


@router.get("/contacts")
def list_notes(
    caller: Caller, db: Db, page: Paging,
    program_id: Annotated[list[str] | None, Query()] = None,
    peer_id: Annotated[str | None, Query(description="one peer's notes")] = None,
    awaiting_cosign: Annotated[bool, Query(description="signed notes of peers you supervise, not co-signed yet")]
    = False,
    started_from: Annotated[datetime | None, Query(description="contacts that started at or after this instant")]
    = None,
) -> list[ContactRead]:
    """Contact notes across participants, of the programs you work with each participant in."""
    with db.transaction() as session:
        found = service.list_notes(session=session, caller=caller, program_ids=program_id, peer_id=peer_id,
                                   awaiting_cosign=awaiting_cosign, started_from=started_from, limit=page.limit,
                                   offset=page.offset)
        return [ContactRead.model_validate(c) for c in found]


@router.get("/contacts/{contact_id}")
def read_contact(contact_id: str, caller: Caller, db: Db, now: Now) -> ContactRead:
    with db.transaction() as session:
        contact, found = service.get_contact(session=session, caller=caller, contact_id=contact_id, now=now())
        return read_as(ContactRead, contact, found)


@router.post("/contacts/{contact_id}/sign")
def sign_contact(contact_id: str, caller: Caller, db: Db, now: Now) -> ContactRead:
    """The peer signs the note; only signed notes are billable."""
    with db.transaction() as session:
        contact, _ = service.get_contact(session=session, caller=caller, contact_id=contact_id, now=now(), write=True)
        return ContactRead.model_validate(service.sign(session=session, caller=caller, contact=contact, clock=now))


@router.post("/contacts/{contact_id}/cosign")
def cosign_contact(contact_id: str, body: Cosign, caller: Caller, db: Db, now: Now) -> ContactRead:
    acting_person(caller, body.supervisor_id, "body.supervisor_id")
    with db.transaction() as session:
        contact, _ = service.get_contact(session=session, caller=caller, contact_id=contact_id, now=now(), write=True)
        return ContactRead.model_validate(service.cosign(session=session, caller=caller, contact=contact, data=body,
                                                         clock=now))
